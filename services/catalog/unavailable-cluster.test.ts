// Catalog on a Redis Cluster whose master cannot answer: REDIS_TIMEOUT_MS bounds the cluster connection as
// it bounds one node's, so while the master holding Catalog's keys is paused (SIGSTOP) a read and a write
// answer 503 HERALD_ERR_UNAVAILABLE with Retry-After instead of hanging, and after SIGCONT the same
// requests succeed again. The cluster's node timeout is far above the pause, so no failover happens
// meanwhile (one node per master, hence REDIS_WAIT_REPLICAS=0); failover is the fault ledger's case.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedisCluster, type TestRedisCluster } from '../../test/support/redis.ts';
import type { RedisCluster, RedisClusterNode } from '../../src/cli/redis-cluster.ts';
import { masterOf } from '../../test/support/cluster-ledger.ts';
import { buildApp } from './app.ts';
import { loadCatalogConfig } from './config.ts';
import { catalogKeysFor, catalogLayout } from './event-store.ts';

const dune = { title: 'Dune', price: { amountMinor: 1299, currencyCode: 'EUR' }, genres: [], releaseYear: 2021 };

let started: TestRedisCluster | undefined;
let cluster: RedisCluster;
let app: FastifyInstance;
let paused: RedisClusterNode | undefined;

beforeAll(async () => {
  started = await startTestRedisCluster({ replicasPerMaster: 0, nodeTimeoutMs: 60_000, connect: { name: 'setup' } });
  cluster = started.cluster;
  app = await buildApp(loadCatalogConfig({
    REDIS_URL: cluster.rootUrls[0], REDIS_CLUSTER_URLS: cluster.rootUrls.join(','), REDIS_WAIT_REPLICAS: '0', LOG_LEVEL: 'silent', ROLES: 'api',
  }, []));
  await app.ready();
}, 90_000);
afterAll(async () => {
  // Never leave a stopped redis-server behind, whatever the test did.
  paused?.process.kill('SIGCONT');
  await app?.close();
  await started?.cleanup();
});

/** The node serving the slot of Catalog's keys (all of them share one hash tag with one partition). */
async function catalogMaster(): Promise<RedisClusterNode> {
  const port = await masterOf(cluster, catalogKeysFor(catalogLayout({ cluster: true })).outbox(0));
  return cluster.nodes.find((n) => n.port === port)!;
}

describe('catalog on a Redis Cluster whose master cannot answer', () => {
  it('answers 503 with Retry-After while the master of its keys is paused, and 2xx after SIGCONT', async () => {
    const created = await app.inject({ method: 'POST', url: '/movies', payload: dune });
    expect(created.statusCode).toBe(201);
    const { movieId } = created.json() as { movieId: string };
    const victim = await catalogMaster();

    paused = victim;
    victim.process.kill('SIGSTOP');
    try {
      const [read, write] = await Promise.all([
        app.inject(`/movies/${movieId}`),
        app.inject({ method: 'POST', url: '/movies', payload: dune }),
      ]);
      for (const response of [read, write]) {
        expect(response.statusCode).toBe(503);
        expect(response.headers['retry-after']).toBe('1');
        expect(response.json()).toMatchObject({ code: 'HERALD_ERR_UNAVAILABLE' });
      }
    } finally {
      victim.process.kill('SIGCONT');
      paused = undefined;
    }

    await expect.poll(async () => (await app.inject(`/movies/${movieId}`)).statusCode, { timeout: 15_000, interval: 100, message: 'the movie never answered 200 again' }).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/movies', payload: dune })).statusCode).toBe(201);
  });
});
