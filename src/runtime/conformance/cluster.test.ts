// The Redis Streams transport passes the conformance suite on a real Redis Cluster (3 masters, 1 replica
// each, on loopback ports) through connectRedisCluster: the same producer and consumer code, routed by
// key. Persistence across a restart is the single-node suite's job; here the cluster is the point.
import { startTestRedisCluster, type TestRedisCluster } from '../../../test/support/redis.ts';
import { redisStreamsHarness } from '../../../test/support/redis-streams-harness.ts';
import { transportConformance } from '../../../test/support/transport-conformance.ts';
import { runtimeLibrary } from '../redis/functions.ts';

let started: TestRedisCluster;

transportConformance({
  name: 'Redis Streams on Redis Cluster',
  features: { persistent: false, takeover: true },
  async open() {
    started = await startTestRedisCluster({ functions: [runtimeLibrary] });
    return redisStreamsHarness(() => started.redis);
  },
  async close() {
    await started.cleanup();
  },
});
