// Producer and consumer against a real redis-server: round trip, reclaim, dead letters, duplicates.
import { describe, expect } from 'vitest';
import { redisTest as test } from '../../../test/support/redis-fixture.ts';
import { testChannel, Ping, type Pong } from '../../../test/support/test-channel.ts';
import { createConsumer, type Consumer } from './consumer.ts';
import { buildEnvelope, encodedEventToFields } from '../core/envelope.ts';
import { DeadLetterError } from '../core/errors.ts';
import { createProducer } from './producer.ts';
import { idempotency } from './idempotency.ts';
import type { RedisConnection } from './connection.ts';
import { parseEntries } from './replies.ts';
import { deadLetterKey } from './stream-names.ts';
import type { ReceivedEvent } from '../core/types.ts';
import type { ConsumerConfig } from '../core/consumer-config.ts';
import { setTimeout as sleep } from 'node:timers/promises';

let streamNo = 0;
const fresh = () => testChannel(`test.stream.${++streamNo}`);
const fast = { blockMs: 50, retryBackoffMs: 5, claimIntervalMs: 50, minIdleMs: 200 };

async function deadLetters(redis: RedisConnection, address: string) {
  return parseEntries(await redis.sendCommand(['XRANGE', deadLetterKey(address), '-', '+']));
}

function collect(redis: RedisConnection, channel: ReturnType<typeof fresh>, group: string, consumer: string, onPing?: (e: ReceivedEvent<Ping>) => void | Promise<void>, config: Partial<ConsumerConfig> = fast) {
  const seen: ReceivedEvent<unknown>[] = [];
  const instance = createConsumer(redis, channel, {
    group, consumer, config,
    handlers: {
      Ping: async (event) => { await onPing?.(event); seen.push(event); },
      Pong: (event: ReceivedEvent<Pong>) => { seen.push(event); },
    },
  });
  return { instance, seen };
}

describe('Redis Streams transport', () => {
  test('round-trips every message with its envelope and exact bytes', async ({ redis }) => {
    const channel = fresh();
    const producer = createProducer(redis, channel, { source: 'herald/test' });
    const blob = Uint8Array.from([0xff, 0x80, 0x00, 0xfe]);
    await producer.publish('Ping', { subject: 'a', seq: 1, blob }, { subject: 'a', sequence: 1, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', correlationId: 'c1' });
    await producer.publish('Pong', { subject: 'a', note: 'héllo ✓' }, { subject: 'a', sequence: 2 });
    const { instance, seen } = collect(redis, channel, 'g', 'c1');
    await instance.start();
    await expect.poll(() => seen.length).toBe(2);
    await instance.stop();
    expect(seen.map((e) => e.name)).toEqual(['Ping', 'Pong']);
    const ping = seen[0] as ReceivedEvent<Ping>;
    expect(Buffer.from(ping.data.blob).equals(Buffer.from(blob))).toBe(true);
    expect(ping.envelope).toMatchObject({ specversion: '1.0', source: 'herald/test', type: 'herald.test.v1.Ping', subject: 'a', sequence: '1', correlationid: 'c1', datacontenttype: 'application/protobuf' });
    expect((seen[1]!.data as Pong).note).toBe('héllo ✓');
    const stats = await instance.stats();
    expect(stats).toMatchObject({ handled: 2, pending: 0, lag: 0, deadLettered: 0 });
  });

  test('publishBatch keeps order and returns one id per event', async ({ redis }) => {
    const channel = fresh();
    const producer = createProducer(redis, channel, { source: 'herald/test' });
    const ids = await producer.publishBatch(Array.from({ length: 500 }, (_, i) => ({ name: 'Ping' as const, data: { subject: 's', seq: i, blob: new Uint8Array() } })));
    expect(ids).toHaveLength(500);
    const entries = parseEntries(await redis.sendCommand(['XRANGE', channel.address, '-', '+']));
    expect(entries.map((e) => e.id)).toEqual(ids);
    expect(entries.map((e) => Ping.decode(e.fields.get('data') as Buffer).seq)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  test('another consumer reclaims the entries of a consumer that died without acking', async ({ redis }) => {
    const channel = fresh();
    const producer = createProducer(redis, channel, { source: 'herald/test' });
    await redis.sendCommand(['XGROUP', 'CREATE', channel.address, 'g', '0', 'MKSTREAM']);
    await producer.publishBatch([1, 2, 3].map((seq) => ({ name: 'Ping' as const, data: { subject: `s${seq}`, seq, blob: new Uint8Array() } })));
    // The dead consumer read the entries and crashed before acking: they sit in its pending list.
    await redis.sendCommand(['XREADGROUP', 'GROUP', 'g', 'dead', 'COUNT', '10', 'STREAMS', channel.address, '>']);
    const { instance, seen } = collect(redis, channel, 'g', 'survivor');
    await instance.start();
    await expect.poll(() => seen.length).toBe(3);
    await instance.stop();
    expect(seen.map((e) => (e.data as Ping).seq).sort()).toEqual([1, 2, 3]);
    expect(seen.every((e) => e.deliveryCount === 2)).toBe(true);
    expect((await instance.stats()).reclaimed).toBe(3);
    expect((await instance.stats()).pending).toBe(0);
  });

  test('a restarted consumer first resumes its own pending entries', async ({ redis }) => {
    const channel = fresh();
    const producer = createProducer(redis, channel, { source: 'herald/test' });
    await redis.sendCommand(['XGROUP', 'CREATE', channel.address, 'g', '0', 'MKSTREAM']);
    await producer.publish('Ping', { subject: 'x', seq: 9, blob: new Uint8Array() });
    await redis.sendCommand(['XREADGROUP', 'GROUP', 'g', 'same', 'COUNT', '10', 'STREAMS', channel.address, '>']);
    const { instance, seen } = collect(redis, channel, 'g', 'same', undefined, { ...fast, minIdleMs: 60_000 });
    await instance.start();
    await expect.poll(() => seen.length).toBe(1);
    await instance.stop();
    expect(seen[0]!.deliveryCount).toBe(2);
  });

  test('a poison event goes to the DLQ after maxDeliveries, and the rest flows on', async ({ redis }) => {
    const channel = fresh();
    const producer = createProducer(redis, channel, { source: 'herald/test' });
    await producer.publish('Ping', { subject: 'poison', seq: 1, blob: new Uint8Array() }, { subject: 'poison' });
    await producer.publish('Ping', { subject: 'fine', seq: 2, blob: new Uint8Array() }, { subject: 'fine' });
    let attempts = 0;
    const { instance, seen } = collect(redis, channel, 'g', 'c', (e) => {
      if (e.data.subject === 'poison') { attempts++; throw new Error('price must be positive'); }
    }, { ...fast, maxDeliveries: 2, retryAttempts: 1 });
    await instance.start();
    await expect.poll(async () => (await deadLetters(redis, channel.address)).length).toBe(1);
    const dlq = await deadLetters(redis, channel.address);
    await instance.stop();
    expect(seen.map((e) => (e.data as Ping).subject)).toEqual(['fine']);
    expect(attempts).toBe(4); // 2 deliveries x (1 try + 1 retry)
    const fields = dlq[0]!.fields;
    expect(fields.get('x-dlq-reason')!.toString()).toBe('max-deliveries');
    expect(fields.get('x-dlq-error')!.toString()).toMatch(/failed after 2 deliveries: price must be positive/);
    expect(fields.get('type')!.toString()).toBe('herald.test.v1.Ping');
    expect((await instance.stats())).toMatchObject({ deadLettered: 1, pending: 0 });
  });

  test('undecodable, unknown-type, unknown-schema and rejected events reach the DLQ at once with their reason', async ({ redis }) => {
    const channel = fresh();
    const producer = createProducer(redis, channel, { source: 'herald/test' });
    const raw = (mutate: (f: Record<string, string | Buffer>) => void) => {
      const envelope = buildEnvelope(channel.messages.Ping, 'herald/test');
      const flat = encodedEventToFields({ envelope, data: Buffer.from(Ping.encode({ subject: 'ok', seq: 1, blob: new Uint8Array() }).finish()) });
      const fields: Record<string, string | Buffer> = {};
      for (let i = 0; i < flat.length; i += 2) fields[String(flat[i])] = flat[i + 1]!;
      mutate(fields);
      return redis.sendCommand(['XADD', channel.address, '*', ...Object.entries(fields).flat()]);
    };
    await raw((f) => (f['data'] = Buffer.from([0x0a, 0xff, 0xff, 0xff]))); // length prefix beyond the end
    await raw((f) => { f['type'] = 'herald.test.v1.Unknown'; f['dataschema'] = 'herald:herald.test.v1.Unknown#sha256-0123456789abcdef'; });
    await raw((f) => (f['dataschema'] = 'herald:herald.test.v1.Ping#v0'));
    await producer.publish('Ping', { subject: 'reject-me', seq: 3, blob: new Uint8Array() });
    await producer.publish('Ping', { subject: 'ok', seq: 4, blob: new Uint8Array() });
    const { instance, seen } = collect(redis, channel, 'g', 'c', (e) => {
      if (e.data.subject === 'reject-me') throw new DeadLetterError('rejected', 'customer is blocked');
    });
    await instance.start();
    await expect.poll(async () => (await deadLetters(redis, channel.address)).length).toBe(4);
    const dlq = await deadLetters(redis, channel.address);
    await expect.poll(() => seen.length).toBe(1);
    await instance.stop();
    expect(dlq.map((e) => e.fields.get('x-dlq-reason')!.toString())).toEqual(['undecodable', 'unknown-type', 'unknown-schema', 'rejected']);
    expect(dlq.every((e) => e.fields.get('x-dlq-error')!.length > 0)).toBe(true);
    expect((seen[0]!.data as Ping).seq).toBe(4);
    expect((await instance.stats()).pending).toBe(0);
  });

  test('a failed delivery is redelivered, and a duplicate publish arrives twice with the same event id', async ({ redis }) => {
    const channel = fresh();
    const producer = createProducer(redis, channel, { source: 'herald/test' });
    const event = producer.encode('Ping', { subject: 'd', seq: 1, blob: new Uint8Array() }, { subject: 'd' });
    await producer.publishEncoded([event, event]); // what an outbox relay does after a crash
    let failOnce = true;
    const { instance, seen } = collect(redis, channel, 'g', 'c', () => {
      if (failOnce) { failOnce = false; throw new Error('transient'); }
    });
    await instance.start();
    await expect.poll(() => seen.length).toBe(2);
    await instance.stop();
    expect(seen.map((e) => e.envelope.id)).toEqual([event.envelope.id, event.envelope.id]);
    expect(new Set(seen.map((e) => e.streamId)).size).toBe(2);
  });

  test('stop lets an in-flight handler finish and acks it', async ({ redis }) => {
    const channel = fresh();
    const producer = createProducer(redis, channel, { source: 'herald/test' });
    await producer.publish('Ping', { subject: 'slow', seq: 1, blob: new Uint8Array() });
    let started!: () => void;
    const inFlight = new Promise<void>((r) => (started = r));
    const { instance, seen } = collect(redis, channel, 'g', 'c', async () => { started(); await sleep(300); });
    await instance.start();
    await inFlight;
    await instance.stop();
    expect(seen).toHaveLength(1);
    expect((await instance.stats()).pending).toBe(0);
  });

  test('retention trims old entries but never one a group has not processed', async ({ redis }) => {
    const channel = fresh();
    const producer = createProducer(redis, channel, { source: 'herald/test', maxLen: 100, trimEvery: 50 });
    await redis.sendCommand(['XGROUP', 'CREATE', channel.address, 'slow', '0', 'MKSTREAM']);
    await producer.publishBatch(Array.from({ length: 300 }, (_, i) => ({ name: 'Ping' as const, data: { subject: 's', seq: i, blob: new Uint8Array() } })));
    expect(Number(await redis.sendCommand(['XLEN', channel.address]))).toBe(300); // nothing delivered: nothing trimmed
    await redis.sendCommand(['XREADGROUP', 'GROUP', 'slow', 'c', 'COUNT', '250', 'STREAMS', channel.address, '>']);
    await producer.publishBatch(Array.from({ length: 50 }, (_, i) => ({ name: 'Ping' as const, data: { subject: 's', seq: 300 + i, blob: new Uint8Array() } })));
    expect(Number(await redis.sendCommand(['XLEN', channel.address]))).toBe(350); // delivered but pending: kept
    const pending = parseEntries(await redis.sendCommand(['XRANGE', channel.address, '-', '+', 'COUNT', '250'])).map((e) => e.id);
    await redis.sendCommand(['XACK', channel.address, 'slow', ...pending]);
    await producer.publishBatch(Array.from({ length: 50 }, (_, i) => ({ name: 'Ping' as const, data: { subject: 's', seq: 350 + i, blob: new Uint8Array() } })));
    const left = parseEntries(await redis.sendCommand(['XRANGE', channel.address, '-', '+']));
    // Acked entries beyond retention are gone; the 150 never delivered are all still there.
    expect(left.length).toBe(150);
    expect(Ping.decode(left[0]!.fields.get('data') as Buffer).seq).toBe(250);
  });

  test('the idempotency middleware lets a duplicate event through only once', async ({ redis }) => {
    const channel = fresh();
    const producer = createProducer(redis, channel, { source: 'herald/test' });
    const event = producer.encode('Ping', { subject: 'i', seq: 1, blob: new Uint8Array() }, { subject: 'i' });
    const other = producer.encode('Ping', { subject: 'i', seq: 2, blob: new Uint8Array() }, { subject: 'i' });
    await producer.publishEncoded([event, event, other]);
    const effects: number[] = [];
    const instance = createConsumer(redis, channel, {
      group: 'g', consumer: 'c', config: fast, middleware: [idempotency(redis, { group: 'g' })],
      handlers: { Ping: (e) => { effects.push(e.data.seq); }, Pong: () => {} },
    });
    await instance.start();
    await expect.poll(async () => (await instance.stats()).handled).toBe(3);
    await instance.stop();
    expect(effects).toEqual([1, 2]);
  });
});
