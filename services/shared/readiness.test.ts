// /ready turns unready, naming the reason, for each stall it exists to catch: a consumer that makes no
// progress while entries wait, a relay whose backlog does not shrink, a growing dead-letter stream and a
// Redis that refuses writes. Real services on a real redis-server; the stall thresholds are set low.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { closeConnection, connectRedis, type RedisConnection } from 'herald/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { createCatalogService } from '../../generated/services/catalog.ts';
import { MovieStatus } from '../../generated/herald/catalog/movie/v1/movie.ts';
import { startTestRedis } from '../../test/support/redis.ts';
import { buildApp as buildCatalog } from '../catalog/app.ts';
import { loadCatalogConfig } from '../catalog/config.ts';
import { buildApp as buildSales } from '../sales/app.ts';
import { loadSalesConfig } from '../sales/config.ts';
import { GrowthWatch, ProgressWatch } from './health.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function stack(build: (redisUrl: string) => Promise<FastifyInstance>) {
  const server = await startTestRedis();
  const redis = await connectRedis(server.url);
  cleanups.push(async () => {
    await closeConnection(redis);
    await server.cleanup();
  });
  const app = await build(server.url);
  cleanups.push(async () => app.close());
  await app.ready();
  return { app, redis };
}

const base = { LOG_LEVEL: 'silent', READY_CONSUMER_STALL_MS: '200', READY_RELAY_STALL_MS: '200' };

/** Asks /ready until it answers `status` (each answer is a sample the watches keep). */
async function readyUntil(app: FastifyInstance, status: 'ready' | 'unready') {
  let response: Awaited<ReturnType<FastifyInstance['inject']>> | undefined;
  await expect.poll(async () => (response = await app.inject('/ready')).json().status, { timeout: 10_000, interval: 25, message: `/ready never answered ${status}` }).toBe(status);
  return response!;
}

const movie = (movieId: string, withPrice = true) => ({
  movieId, version: 1,
  movie: { movieId, title: 'Heat', ...(withPrice ? { price: { currencyCode: 'EUR', amountMinor: 799n } } : {}), genres: [], releaseYear: 1995, status: MovieStatus.ACTIVE },
});

describe('/ready', () => {
  it('is ready on an idle service and names no reason', async () => {
    const { app } = await stack((url) => buildSales(loadSalesConfig({ ...base, REDIS_URL: url, CONSUMER_NAME: 'ready-idle' }, [])));
    const response = await app.inject('/ready');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ready', reasons: [] });
  });

  it('turns unready with consumer-stalled when entries wait and none is finished', async () => {
    // Every handler run takes 2 s (fault injection): the entry stays pending, nothing completes.
    const { app, redis } = await stack((url) => buildSales(loadSalesConfig({ ...base, REDIS_URL: url, CONSUMER_NAME: 'ready-stall', CONSUMER_DELAY_MS: '2000' }, [])));
    expect((await app.inject('/ready')).json().status).toBe('ready');
    const movieId = randomUUID();
    await createCatalogService(redis).producers.catalogMovie.publish('MovieCreated', movie(movieId), { subject: movieId, sequence: 1 });
    const response = await readyUntil(app, 'unready');
    expect(response.statusCode).toBe(503);
    expect(response.json().reasons).toEqual(['consumer-stalled']);
    expect(response.json().checks.consumer).toMatchObject({ ok: false, running: true });
    expect(response.json().checks.consumer.pending + (response.json().checks.consumer.lag ?? 0)).toBeGreaterThan(0);
    // Liveness is not readiness: the loop runs, restarting would not help.
    expect((await app.inject('/health')).statusCode).toBe(200);
  });

  it('turns unready with relay-stuck when the outbox backlog does not shrink', async () => {
    const { app, redis } = await stack((url) => buildCatalog(loadCatalogConfig({ ...base, REDIS_URL: url }, [])));
    expect((await app.inject('/ready')).json().status).toBe('ready');
    // The channel's key holds a string: every XADD fails (WRONGTYPE) and the relay stays behind its first entry.
    await redis.sendCommand(['SET', 'catalog.movie.v1', 'not a stream']);
    const created = await app.inject({ method: 'POST', url: '/movies', payload: { title: 'Dune', price: { amountMinor: 1299, currencyCode: 'EUR' }, genres: [], releaseYear: 2021 } });
    expect(created.statusCode).toBe(201);
    const response = await readyUntil(app, 'unready');
    expect(response.json().reasons).toEqual(['relay-stuck']);
    expect(response.json().checks.relay).toMatchObject({ ok: false, running: true, backlog: 1 });
  });

  it('turns unready with dead-letters-growing when the dead-letter stream grows', async () => {
    const { app, redis } = await stack((url) => buildSales(loadSalesConfig({ ...base, REDIS_URL: url, CONSUMER_NAME: 'ready-dlq' }, [])));
    expect((await app.inject('/ready')).json()).toMatchObject({ status: 'ready', checks: { deadLetters: { depth: 0 } } });
    const movieId = randomUUID();
    // A MovieCreated without a price: Sales rejects it, it is dead-lettered at once.
    await createCatalogService(redis).producers.catalogMovie.publish('MovieCreated', movie(movieId, false), { subject: movieId, sequence: 1 });
    const response = await readyUntil(app, 'unready');
    expect(response.json().reasons).toEqual(['dead-letters-growing']);
    expect(response.json().checks.deadLetters).toMatchObject({ ok: false, stream: 'catalog.movie.v1.dlq', depth: 1, grownInWindow: 1 });
    expect((await app.inject('/metrics')).body).toMatch(/herald_consumer_dead_letters_total\{group="sales",consumer="ready-dlq",channel="catalog.movie.v1",type="herald.catalog.movie.v1.MovieCreated",reason="rejected"\} 1/);
  });

  it('turns unready with redis-refuses-writes when Redis refuses writes', async () => {
    const { app, redis } = await stack((url) => buildCatalog(loadCatalogConfig({ ...base, REDIS_URL: url }, [])));
    expect((await app.inject('/ready')).json().status).toBe('ready');
    // A primary that must reach one replica before accepting a write refuses every write (NOREPLICAS).
    await redis.sendCommand(['CONFIG', 'SET', 'min-replicas-to-write', '1']);
    const response = await app.inject('/ready');
    expect(response.statusCode).toBe(503);
    expect(response.json().reasons).toEqual(['redis-refuses-writes']);
    expect(response.json().checks.redis.error).toMatch(/NOREPLICAS/);
    await redis.sendCommand(['CONFIG', 'SET', 'min-replicas-to-write', '0']);
    expect((await app.inject('/ready')).statusCode).toBe(200);
  });
});

describe('readiness watches', () => {
  it('counts time without progress only while busy, from the later of busy-since and last progress', () => {
    let now = 1000;
    const watch = new ProgressWatch(() => now);
    expect(watch.observe(false)).toBe(0);
    expect(watch.observe(true)).toBe(0); // busy from 1000
    now = 1500;
    expect(watch.observe(true)).toBe(500);
    watch.progressed(); // at 1500
    now = 1600;
    expect(watch.observe(true)).toBe(100);
    expect(watch.observe(false)).toBe(0);
    now = 9000;
    expect(watch.observe(true)).toBe(0); // busy again from 9000, the old progress does not count
  });

  it('measures growth over the window only', () => {
    let now = 0;
    const growth = new GrowthWatch(1000, () => now);
    expect(growth.sample(5)).toBe(0);
    now = 500;
    expect(growth.sample(7)).toBe(2);
    now = 1600;
    expect(growth.sample(7)).toBe(0); // the sample at 500 (7) is the window's start; 5 left it
    now = 1700;
    expect(growth.sample(9)).toBe(2);
  });
});
