// The drift check compares Sales' projection with Catalog's own state through Catalog's HTTP API: it
// finds a forged movie and a forged price that the stream itself would vouch for, changes nothing
// unless asked to repair, and a repair leaves no difference.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { RedisConnection } from 'herald/runtime';
import { createCatalogService } from '../../generated/services/catalog.ts';
import { buildApp as buildCatalog } from '../catalog/app.ts';
import { loadCatalogConfig } from '../catalog/config.ts';
import { redisTest, type TestRedisServer } from '../../test/support/redis-fixture.ts';
import { buildApp as buildSales } from './app.ts';
import { loadSalesConfig } from './config.ts';
import { checkDrift, httpCatalogReader } from './drift.ts';
import { createMovieProjection, liveProjectionKeys } from './projection.ts';

let server: TestRedisServer;
let redis: RedisConnection;
let catalog: FastifyInstance;
let sales: FastifyInstance;
let catalogUrl: string;
const reader = () => httpCatalogReader(catalogUrl, 2);

redisTest.beforeAll(async ({ redisServer, redis: connection }) => {
  server = redisServer;
  redis = connection;
  catalog = await buildCatalog(loadCatalogConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent' }, []));
  catalogUrl = await catalog.listen({ port: 0, host: '127.0.0.1' });
  sales = await buildSales(loadSalesConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent', CONSUMER_NAME: 'drift-test', CONSUMER_MIN_IDLE_MS: '300' }, []));
  await sales.ready();
});
afterAll(async () => {
  await sales?.close();
  await catalog?.close();
});

async function projected(movieId: string, version: number) {
  let response: Awaited<ReturnType<FastifyInstance['inject']>> | undefined;
  await expect.poll(async () => {
    response = await sales.inject(`/movies/${movieId}`);
    return response.statusCode === 200 && response.json().version >= version;
  }, { timeout: 7_500, interval: 25, message: `movie ${movieId} never reached version ${version} in sales` }).toBe(true);
  return response!.json();
}

async function snapshot(): Promise<string[]> {
  const keys = [liveProjectionKeys.movies, liveProjectionKeys.index, liveProjectionKeys.inbox];
  return Promise.all(keys.map(async (key) => (await redis.sendCommand(['DUMP', key]) as Buffer).toString('base64')));
}

describe('sales drift check against Catalog\'s API', () => {
  it('finds no difference when Sales follows Catalog', async () => {
    for (let i = 0; i < 5; i++) {
      const created = await catalog.inject({ method: 'POST', url: '/movies', payload: { title: `Film ${i}`, price: { amountMinor: 100 + i, currencyCode: 'EUR' }, releaseYear: 2000 } });
      await catalog.inject({ method: 'PATCH', url: `/movies/${created.json().movieId}`, payload: { expectedVersion: 1, title: `Film ${i}b` } });
      await projected(created.json().movieId, 2);
    }
    const report = await checkDrift(redis, reader(), { settleMs: 10 });
    expect(report).toMatchObject({ catalogMovies: 5, projectionMovies: 5, differences: [], unrepaired: 0 });
  });

  it('reports a forged movie and a forged price without touching the projection, then repairs them', async () => {
    const created = await catalog.inject({ method: 'POST', url: '/movies', payload: { title: 'Heat', price: { amountMinor: 999, currencyCode: 'EUR' }, releaseYear: 1995 } });
    const movieId = created.json().movieId as string;
    await projected(movieId, 1);
    // A hostile producer's events, as the stream would carry them: a movie Catalog never made, and a
    // v2 of a real movie at a forged price.
    const forger = createCatalogService(redis).producers.catalogMovie;
    const ghost = randomUUID();
    const movie = (id: string, title: string, amountMinor: bigint) => ({ movieId: id, title, price: { currencyCode: 'EUR', amountMinor }, genres: [], releaseYear: 2000, status: 1 });
    await forger.publish('MovieCreated', { movieId: ghost, version: 1, movie: movie(ghost, 'Ghost', 1n) } as never, { subject: ghost, sequence: 1 });
    await forger.publish('MovieUpdated', { movieId, version: 2, changedFields: { paths: ['price'] }, movie: movie(movieId, 'Heat', 1n) } as never, { subject: movieId, sequence: 2 });
    await projected(ghost, 1);
    await projected(movieId, 2);

    const before = await snapshot();
    const report = await checkDrift(redis, reader(), { settleMs: 10 });
    expect(await snapshot()).toEqual(before);
    expect(report.differences).toEqual(expect.arrayContaining([
      { movieId: ghost, field: 'unknown-to-catalog', projection: 'v1' },
      { movieId, field: 'version', projection: '2', catalog: '1' },
      { movieId, field: 'price', projection: '1 EUR', catalog: '999 EUR' },
    ]));
    expect(report.unrepaired).toBe(2);

    const repaired = await checkDrift(redis, reader(), { settleMs: 10, repair: true });
    expect(repaired).toMatchObject({ repaired: 2, unrepaired: 0 });
    expect(await createMovieProjection(redis).get(ghost)).toBeUndefined();
    expect(await createMovieProjection(redis).get(movieId)).toMatchObject({ version: 1, price: { amountMinor: 999n } });
    expect((await checkDrift(redis, reader(), { settleMs: 10 })).differences).toEqual([]);
  });
});
