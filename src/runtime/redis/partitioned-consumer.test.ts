// A partitioned channel end to end on a real redis-server: the producer routes by subject, two group
// members share the partitions, and per-subject order and exactly-once handling hold across a leave.
import { describe, expect, it } from 'vitest';
import { redisTest } from '../../../test/support/redis-fixture.ts';
import { testChannel, type Ping } from '../../../test/support/test-channel.ts';
import { partitionOf } from '../core/partition.ts';
import type { ReceivedEvent } from '../core/types.ts';
import type { RedisConnection } from './connection.ts';
import { createPartitionedConsumer } from './partitioned-consumer.ts';
import { createProducer } from './producer.ts';
import { partitionStreamKey } from './stream-names.ts';

let redis: RedisConnection;
const PARTITIONS = 4;
const fast = { blockMs: 50, retryBackoffMs: 5, claimIntervalMs: 50, minIdleMs: 200 };
const timing = { sessionTimeoutMs: 1500, heartbeatMs: 300 };

redisTest.beforeAll(({ redis: connection }) => {
  redis = connection;
});

const partitioned = (address: string) => ({ ...testChannel(address), partitions: PARTITIONS });

describe('partitioned channel', () => {
  it('publishes each subject to the partition its hash names, and one partition keeps the plain key', async () => {
    const channel = partitioned('part.route');
    const producer = createProducer(redis, channel, { source: 'herald/test' });
    for (const subject of ['m-1', 'm-2', 'm-3', 'm-4', 'm-5']) {
      await producer.publish('Ping', { subject, seq: 1, blob: new Uint8Array() }, { subject, sequence: 1 });
      const key = partitionStreamKey(channel, partitionOf(subject, PARTITIONS), PARTITIONS);
      expect(key).toMatch(/^\{part\.route#\d\}$/);
      const entries = (await redis.sendCommand(['XRANGE', key, '-', '+'])) as unknown[];
      expect(entries.length).toBeGreaterThan(0);
    }
    const single = createProducer(redis, testChannel('part.single'), { source: 'herald/test' });
    await single.publish('Ping', { subject: 'x', seq: 1, blob: new Uint8Array() }, { subject: 'x' });
    expect(Number(await redis.sendCommand(['XLEN', 'part.single']))).toBe(1);
  });

  it('shares partitions between two members and handles every event once, in order per subject, across a leave', async () => {
    const channel = partitioned('part.group');
    const producer = createProducer(redis, channel, { source: 'herald/test' });
    const subjects = Array.from({ length: 12 }, (_, i) => `movie-${i}`);
    const seen: { member: string; subject: string; seq: number; id: string }[] = [];
    const member = (name: string) =>
      createPartitionedConsumer(redis, channel, {
        group: 'g', consumer: name, config: fast, ...timing,
        handlers: {
          Ping: async (event: ReceivedEvent<Ping>) => void seen.push({ member: name, subject: event.data.subject, seq: event.data.seq, id: event.envelope.id }),
          Pong: async () => {},
        },
      });
    const a = member('a');
    const b = member('b');
    const changes: string[] = [];
    a.onPartitionChange((p, change) => changes.push(`a ${change} ${p}`));
    b.onPartitionChange((p, change) => changes.push(`b ${change} ${p}`));
    await a.start();
    await b.start();
    await expect.poll(() => [a.owned().length, b.owned().length], { timeout: 10_000 }).toEqual([2, 2]);
    const publishRound = async (seq: number) => {
      for (const subject of subjects) await producer.publish('Ping', { subject, seq, blob: new Uint8Array() }, { subject, sequence: seq });
    };
    for (let seq = 1; seq <= 5; seq++) await publishRound(seq);
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(60);
    expect(new Set(seen.map((s) => s.member))).toEqual(new Set(['a', 'b']));
    // b leaves: its partitions move to a, and the events published meanwhile are handled once.
    await b.stop();
    for (let seq = 6; seq <= 10; seq++) await publishRound(seq);
    await expect.poll(() => a.owned(), { timeout: 10_000 }).toEqual([0, 1, 2, 3]);
    // Every partition b gave up on leaving went to a, each change told after the one before it.
    const leftB = changes.filter((c) => c.startsWith('b leave ')).map((c) => c.slice('b leave '.length));
    expect(leftB.sort()).toEqual(['1', '3']);
    // Told once the partition's consumer has started, which may be just after owned() shows it.
    await expect.poll(() => leftB.filter((p) => changes.lastIndexOf(`a assigned ${p}`) > changes.indexOf(`b leave ${p}`)), { timeout: 10_000 }).toEqual(['1', '3']);
    expect(new Set(changes.filter((c) => c.startsWith('b assigned')))).toEqual(new Set(['b assigned 1', 'b assigned 3']));
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(120);
    await a.stop();
    expect(new Set(seen.map((s) => s.id)).size).toBe(120);
    for (const subject of subjects) {
      expect(seen.filter((s) => s.subject === subject).map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }
    const ownership = await a.ownership();
    expect(ownership.owners.every((o) => o === undefined)).toBe(true);
  });
});
