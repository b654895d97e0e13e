// replayChannel against a real redis-server: every retained event handled once, in stream order per
// subject, subjects concurrently, and a handler failure stops the replay.
import { Socket } from 'node:net';
import { expect, vi } from 'vitest';
import { redisTest as test } from '../../../test/support/redis-fixture.ts';
import { testChannel } from '../../../test/support/test-channel.ts';
import { createProducer } from './producer.ts';
import type { RedisConnection } from './connection.ts';
import { replayChannel } from './replay.ts';
import { encodedEventToFields, encodeMessage } from '../core/envelope.ts';
import { partitionOf } from '../core/partition.ts';
import type { ReceivedEvent } from '../core/types.ts';
import { setTimeout as sleep } from 'node:timers/promises';

async function publishPings(redis: RedisConnection, address: string, subjects: number, perSubject: number) {
  const channel = testChannel(address);
  const producer = createProducer(redis, channel, { source: 'herald/test' });
  const items = [];
  for (let seq = 1; seq <= perSubject; seq++) {
    for (let s = 0; s < subjects; s++) {
      items.push({ name: 'Ping' as const, data: { subject: `s${s}`, seq, blob: new Uint8Array() }, options: { subject: `s${s}`, sequence: seq } });
    }
  }
  await producer.publishBatch(items);
  return channel;
}

test('replays every event once, in stream order per subject, with subjects handled concurrently', async ({ redis }) => {
  const channel = await publishPings(redis, 'replay.order', 8, 25);
  const seen = new Map<string, number[]>();
  let running = 0;
  let maxRunning = 0;
  const ping = async (event: ReceivedEvent<{ subject: string; seq: number }>) => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    await sleep(1);
    running--;
    seen.set(event.data.subject, [...(seen.get(event.data.subject) ?? []), event.data.seq]);
  };
  const result = await replayChannel(redis, channel, { handlers: { Ping: ping, Pong: async () => {} }, batchSize: 50, concurrency: 4 });

  expect(result.applied).toBe(200);
  expect([...seen.keys()].sort()).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7']);
  for (const seqs of seen.values()) expect(seqs).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  expect(maxRunning).toBeGreaterThan(1);
  expect(maxRunning).toBeLessThanOrEqual(4);
});

test('stops at the first failing handler and rethrows its error', async ({ redis }) => {
  const channel = await publishPings(redis, 'replay.failure', 4, 50);
  let handled = 0;
  const ping = async (event: ReceivedEvent<{ seq: number }>) => {
    if (event.data.seq === 3) throw new Error('projection write failed');
    handled++;
  };
  await expect(replayChannel(redis, channel, { handlers: { Ping: ping, Pong: async () => {} }, batchSize: 20 })).rejects.toThrow('projection write failed');
  // The first batch (seq 1..5 of 4 subjects) failed at seq 3: no later batch was handled.
  expect(handled).toBeLessThan(20);
});

test('hands a batch handler each event with the payload bytes it was decoded from, after the schema filter', async ({ redis }) => {
  const channel = await publishPings(redis, 'replay.payloads', 3, 4);
  const ping = channel.messages.Ping;
  // A well-formed entry of a fingerprint nobody registered (skipped by the filter), then an undecodable one.
  const foreign = encodedEventToFields(encodeMessage(ping, 'herald/test', { subject: 'sx', seq: 1, blob: new Uint8Array([1, 2]) }, { subject: 'sx' }))
    .map((value, i, all) => (i > 0 && all[i - 1] === 'dataschema' ? `herald:${ping.type}#sha256-0000000000000000` : value));
  await redis.sendCommand(['XADD', channel.address, '*', ...foreign]);
  await redis.sendCommand(['XADD', channel.address, '*', 'specversion', '1.0']);
  await publishPings(redis, 'replay.payloads', 2, 1);
  const handled: Array<{ data: unknown; decoded: unknown }> = [];
  const result = await replayChannel(redis, channel, {
    handlers: { Ping: async () => {}, Pong: async () => {} },
    batchSize: 100,
    handleBatch: async (events, payloads) => {
      expect(payloads).toHaveLength(events.length);
      events.forEach((event, i) => handled.push({ data: event.data, decoded: ping.codec.decode(payloads[i]!) }));
      return true;
    },
  });
  expect(result).toMatchObject({ applied: 14, skipped: 2 });
  expect(handled).toHaveLength(14);
  for (const { data, decoded } of handled) expect(decoded).toEqual(data);
});

test('replays one partition of a partitioned channel: exactly the events of its subjects', async ({ redis }) => {
  const channel = { ...testChannel('replay.partitioned'), partitions: 3 };
  const producer = createProducer(redis, channel, { source: 'herald/test' });
  const subjects = Array.from({ length: 12 }, (_, s) => `s${s}`);
  await producer.publishBatch(subjects.map((subject) => ({ name: 'Ping' as const, data: { subject, seq: 1, blob: new Uint8Array() }, options: { subject, sequence: 1 } })));
  const all: string[] = [];
  for (let p = 0; p < 3; p++) {
    const seen: string[] = [];
    const result = await replayChannel(redis, channel, { partition: p, handlers: { Ping: async (event: ReceivedEvent<{ subject: string }>) => void seen.push(event.data.subject), Pong: async () => {} } });
    expect(result.applied).toBe(seen.length);
    expect(seen.every((subject) => partitionOf(subject, 3) === p)).toBe(true);
    all.push(...seen);
  }
  expect(all.sort()).toEqual([...subjects].sort());
  // Without a partition it reads the channel's address, which a partitioned channel never writes.
  expect((await replayChannel(redis, channel, { handlers: { Ping: async () => {}, Pong: async () => {} } })).applied).toBe(0);
});

test('has the next page\'s XRANGE written to the socket before the current page is handled', async ({ redis }) => {
  const channel = await publishPings(redis, 'replay.prefetch', 4, 10);
  // node-redis hands queued commands to its socket from a setImmediate; the replay must let that happen
  // before it handles a page, or reading the next page never overlaps handling this one.
  const written: string[] = [];
  const original = Socket.prototype.write;
  const spy = vi.spyOn(Socket.prototype, 'write').mockImplementation(function (this: Socket, ...args: unknown[]) {
    const chunk = args[0];
    if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) written.push(chunk.toString('latin1'));
    return original.apply(this, args as never);
  });
  const xranges = () => written.join('').split('XRANGE').length - 1;
  const seenAtBatch: number[] = [];
  try {
    await replayChannel(redis, channel, {
      handlers: { Ping: async () => {}, Pong: async () => {} },
      batchSize: 10,
      handleBatch: async () => {
        seenAtBatch.push(xranges()); // synchronously, at the start of each page
        return true;
      },
    });
  } finally {
    spy.mockRestore();
  }
  // Page k is handled once page k+1 has been asked for (4 full pages, then an empty read).
  expect(seenAtBatch).toEqual([2, 3, 4, 5]);
});
