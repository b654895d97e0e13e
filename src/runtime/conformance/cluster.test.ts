// The Redis Streams transport passes the conformance suite on a real Redis Cluster (3 masters, 1 replica
// each, on loopback ports) through connectRedisCluster: the same producer and consumer code, routed by
// key. Persistence across a restart is the single-node suite's job; here the cluster is the point.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisCluster, type RedisCluster } from '../../cli/redis-cluster.ts';
import { transportConformance } from '../../../test/support/transport-conformance.ts';
import { connectRedisCluster } from '../redis/cluster-connection.ts';
import { closeConnection, type RedisConnection } from '../redis/connection.ts';
import { createConsumer } from '../redis/consumer.ts';
import { loadFunctionLibraries, runtimeLibrary } from '../redis/functions.ts';
import { createProducer } from '../redis/producer.ts';
import { parseEntries } from '../redis/replies.ts';
import { deadLetterKey } from '../redis/stream-names.ts';

let dir: string;
let cluster: RedisCluster;
let redis: RedisConnection;

transportConformance({
  name: 'Redis Streams on Redis Cluster',
  features: { persistent: false, takeover: true },
  async open() {
    dir = mkdtempSync(join(tmpdir(), 'herald-cluster-conformance-'));
    cluster = await startRedisCluster({ dir });
    redis = await connectRedisCluster(cluster.rootUrls);
    await loadFunctionLibraries(redis, [runtimeLibrary]);
    return {
      createProducer: (channel) => createProducer(redis, channel, { source: 'herald/test' }),
      createConsumer: (channel, options) => createConsumer(redis, channel, options),
      appendRaw: async (stream, flat) => void (await redis.sendCommand(['XADD', stream, '*', ...flat])),
      deadLetters: async (stream) => parseEntries(await redis.sendCommand(['XRANGE', deadLetterKey(stream), '-', '+'])).map((letter) => ({ reason: String(letter.fields.get('x-dlq-reason')), streamId: String(letter.fields.get('x-dlq-stream-id')) })),
      abandon: async (stream, group, consumer, count) => {
        await redis.sendCommand(['XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM']);
        await redis.sendCommand(['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(count), 'STREAMS', stream, '>']);
      },
    };
  },
  async close() {
    await closeConnection(redis).catch(() => redis.destroy());
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  },
});
