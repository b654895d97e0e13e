// The runtime on a real Redis Cluster: slots computed like Redis, a partitioned channel whose partitions
// spread over the masters, a batch across partitions, and a group of two members sharing them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedisCluster, type TestRedisCluster } from '../../../test/support/redis.ts';
import type { RedisCluster } from '../../cli/redis-cluster.ts';
import { testChannel, type Ping } from '../../../test/support/test-channel.ts';
import type { ReceivedEvent } from '../core/types.ts';
import { firstKey, keySlot } from './cluster-connection.ts';
import type { RedisConnection } from './connection.ts';
import { runtimeLibrary } from './functions.ts';
import { createPartitionedConsumer } from './partitioned-consumer.ts';
import { createProducer } from './producer.ts';
import { partitionStreamKey } from './stream-names.ts';

let started: TestRedisCluster | undefined;
let cluster: RedisCluster;
let redis: RedisConnection;

beforeAll(async () => {
  started = await startTestRedisCluster({ functions: [runtimeLibrary] });
  ({ cluster, redis } = started);
});
afterAll(() => started?.cleanup());

describe('the runtime on Redis Cluster', () => {
  it('computes the slot of a key as Redis does, hash tags included', async () => {
    for (const key of ['foo', 'bar', 'catalog.movie.v1', '{catalog.movie.v1#3}', '{catalog.movie.v1#3}.dlq', 'x{}y', '{a}{b}', 'ümlaut']) {
      expect(keySlot(key), key).toBe(Number(await redis.sendCommand(['CLUSTER', 'KEYSLOT', key])));
    }
  });

  it('routes each command by its first key', () => {
    expect(firstKey(['XADD', 's', '*', 'a', 'b'])).toBe('s');
    expect(firstKey(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '10', 'STREAMS', 's', '>'])).toBe('s');
    expect(firstKey(['XGROUP', 'CREATE', 's', 'g', '0'])).toBe('s');
    expect(firstKey(['FCALL', 'f', '1', 'k', 'arg'])).toBe('k');
    expect(firstKey(['FCALL', 'f', '0'])).toBeUndefined();
    expect(firstKey(['PING'])).toBeUndefined();
  });

  it('puts each partition of a channel in its own slot and keeps each subject in order across two members', async () => {
    const channel = { ...testChannel('cluster.orders.v1'), partitions: 6 };
    const slots = new Set(Array.from({ length: 6 }, (_, p) => keySlot(partitionStreamKey(channel, p, 6))));
    expect(slots.size).toBe(6);
    const producer = createProducer(redis, channel, { source: 'herald/test' });
    const subjects = Array.from({ length: 10 }, (_, i) => `order-${i}`);
    // One batch across all partitions: on a cluster the producer pipelines per partition stream.
    for (let seq = 1; seq <= 5; seq++) {
      await producer.publishBatch(subjects.map((subject) => ({ name: 'Ping' as const, data: { subject, seq, blob: new Uint8Array() }, options: { subject, sequence: seq } })));
    }
    const seen: { subject: string; seq: number; id: string }[] = [];
    const member = (name: string) => createPartitionedConsumer(redis, channel, {
      group: 'g', consumer: name, config: { blockMs: 50, claimIntervalMs: 50, minIdleMs: 200 }, sessionTimeoutMs: 1500, heartbeatMs: 300,
      handlers: { Ping: async (e: ReceivedEvent<Ping>) => void seen.push({ subject: e.data.subject, seq: e.data.seq, id: e.envelope.id }), Pong: async () => {} },
    });
    const a = member('a');
    const b = member('b');
    await a.start();
    await b.start();
    await expect.poll(() => seen.length, { timeout: 15_000 }).toBe(50);
    await expect.poll(() => [a.owned().length, b.owned().length], { timeout: 10_000 }).toEqual([3, 3]);
    await a.stop();
    await b.stop();
    expect(new Set(seen.map((s) => s.id)).size).toBe(50);
    for (const subject of subjects) expect(seen.filter((s) => s.subject === subject).map((s) => s.seq)).toEqual([1, 2, 3, 4, 5]);
  });
});
