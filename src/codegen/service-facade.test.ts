// The generated service facade is the one way in: producer options reach every producer, consumer
// options are defaults for every consumer. Against a real redis-server.
import { describe, expect, test } from 'vitest';
import { redisTest, type TestRedisServer } from '../../test/support/redis-fixture.ts';
import { MovieStatus } from '../../generated/herald/catalog/movie/v1/movie.ts';
import { createCatalogService } from '../../generated/services/catalog.ts';
import { createSalesService } from '../../generated/services/sales.ts';
import { parseGroups, type Middleware, type RedisConnection } from '../runtime/index.ts';

let server: TestRedisServer;
let redis: RedisConnection;
redisTest.beforeAll(({ redisServer, redis: connection }) => {
  server = redisServer;
  redis = connection;
});

const created = (movieId: string) => ({
  movieId, version: 1,
  movie: { movieId, title: 'Alien', price: { currencyCode: 'EUR', amountMinor: 1299n }, genres: [], releaseYear: 1979, status: MovieStatus.ACTIVE },
});

describe('generated service facade', () => {
  test('passes producer options through: source, size limit', async () => {
    const catalog = createCatalogService(redis, { producer: { source: 'herald/importer', maxEventBytes: 100 } });
    expect(catalog.producers.catalogMovie.encode('MovieCreated', created('m-0')).envelope.source).toBe('herald/importer');
    await expect(catalog.producers.catalogMovie.publish('MovieCreated', created('m-1'))).rejects.toMatchObject({ code: 'HERALD_ERR_EVENT_TOO_LARGE' });
    expect(createCatalogService(redis).producers.catalogMovie.encode('MovieCreated', created('m-2')).envelope.source).toBe('herald/catalog');
  });

  test('uses consumer options as defaults for every consumer, and a call’s own options win', async () => {
    await createCatalogService(redis).producers.catalogMovie.publish('MovieCreated', created('m-3'));
    const seenBy: string[] = [];
    const tag = (name: string): Middleware => (next) => (event) => { seenBy.push(name); return next(event); };
    const sales = createSalesService(redis, { consumer: { group: 'sales-facade', middleware: [tag('defaults')], config: { blockMs: 50 } } });
    const consumer = sales.consumeCatalogMovie({ consumer: 'c1', handlers: { MovieCreated: () => {}, MovieUpdated: () => {}, MovieRetired: () => {} } });
    await consumer.start();
    await expect.poll(() => seenBy.length, { timeout: 10_000 }).toBeGreaterThan(0);
    await consumer.stop();
    const groups = parseGroups(await redis.sendCommand(['XINFO', 'GROUPS', 'catalog.movie.v1'])).map((g) => g.name);
    expect(groups).toContain('sales-facade');
    expect(seenBy[0]).toBe('defaults');

    const own = sales.consumeCatalogMovie({ consumer: 'c2', group: 'own-group', middleware: [tag('own')], handlers: { MovieCreated: () => {}, MovieUpdated: () => {}, MovieRetired: () => {} } });
    await own.start();
    await expect.poll(() => seenBy.includes('own'), { timeout: 10_000 }).toBe(true);
    await own.stop();
    expect(parseGroups(await redis.sendCommand(['XINFO', 'GROUPS', 'catalog.movie.v1'])).map((g) => g.name)).toContain('own-group');
  });
});
