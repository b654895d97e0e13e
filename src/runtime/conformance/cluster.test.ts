// The Redis Streams transport passes the conformance suite on a real Redis Cluster (3 masters, 1 replica
// each, on loopback ports) through connectRedisCluster: the same producer and consumer code, routed by
// key. Persistence across a restart is the single-node suite's job; here the cluster is the point.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisCluster, type RedisCluster } from '../../cli/redis-cluster.ts';
import { redisStreamsHarness } from '../../../test/support/redis-streams-harness.ts';
import { transportConformance } from '../../../test/support/transport-conformance.ts';
import { connectRedisCluster } from '../redis/cluster-connection.ts';
import { closeConnection, type RedisConnection } from '../redis/connection.ts';
import { loadFunctionLibraries, runtimeLibrary } from '../redis/functions.ts';

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
    return redisStreamsHarness(() => redis);
  },
  async close() {
    await closeConnection(redis).catch(() => redis.destroy());
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  },
});
