// Input defects that JSON.parse or a date-time format lets through: each is a 400 naming the field, and
// nothing is written (no event, no outbox entry, no index entry).
import { afterAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { RedisConnection } from 'herald/runtime';
import { redisTest, type TestRedisServer } from '../../test/support/redis-fixture.ts';
import { buildApp } from './app.ts';
import { loadCatalogConfig } from './config.ts';
import { createCatalogService } from '../../generated/services/catalog.ts';
import { createMovieCommands } from './commands.ts';
import { catalogKeys, createMovieEventStore, type MovieEventStore } from './event-store.ts';

let server: TestRedisServer;
let redis: RedisConnection;
let app: FastifyInstance;
const dune = { title: 'Dune', price: { amountMinor: 1299, currencyCode: 'EUR' }, genres: [], releaseYear: 2021 };

redisTest.beforeAll(async ({ redisServer, redis: connection }) => {
  server = redisServer;
  redis = connection;
  app = await buildApp(loadCatalogConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent', ROLES: 'api' }, []));
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

const writes = async () => ({
  movies: Number(await redis.sendCommand(['ZCARD', catalogKeys.index(0)])),
  outbox: Number(await redis.sendCommand(['XLEN', catalogKeys.outbox(0)])),
});
const post = (payload: string | Buffer) => app.inject({ method: 'POST', url: '/movies', headers: { 'content-type': 'application/json' }, payload });
const json = (value: unknown) => JSON.stringify(value);

describe('catalog refuses input defects with 400 naming the field', () => {
  it.each([
    { name: 'JSON nested 10k levels deep', payload: `{"title":"Dune","price":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, field: 'body.price.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0' },
    { name: 'a duplicate key', payload: '{"title":"Dune","title":"Evil","price":{"amountMinor":1,"currencyCode":"EUR"},"releaseYear":2021}', field: 'body.title' },
    { name: 'a duplicate nested key', payload: '{"title":"Dune","price":{"amountMinor":1,"currencyCode":"EUR","amountMinor":2},"releaseYear":2021}', field: 'body.price.amountMinor' },
    { name: 'a title of only spaces', payload: json({ ...dune, title: '   ' }), field: 'body.title' },
    { name: 'a title with a bidi override', payload: json({ ...dune, title: 'Dune\u202e2 trap' }), field: 'body.title' },
    { name: 'a genre with a bidi isolate', payload: json({ ...dune, genres: ['sci\u2066fi'] }), field: 'body.genres.0' },
    { name: 'a title with a control character', payload: json({ ...dune, title: 'Du\u0007ne' }), field: 'body.title' },
    { name: 'currency XXX', payload: json({ ...dune, price: { amountMinor: 1, currencyCode: 'XXX' } }), field: 'body.price.currencyCode' },
    { name: 'currency €€€', payload: json({ ...dune, price: { amountMinor: 1, currencyCode: '€€€' } }), field: 'body.price.currencyCode' },
    { name: 'a lone surrogate in a title', payload: '{"title":"x\\ud800y","price":{"amountMinor":1,"currencyCode":"EUR"},"releaseYear":2021}', field: 'body.title' },
    { name: 'bytes that are not UTF-8', payload: Buffer.concat([Buffer.from('{"title":"x'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('y","price":{"amountMinor":1,"currencyCode":"EUR"},"releaseYear":2021}')]), field: 'body' },
  ])('$name', async ({ payload, field }) => {
    const before = await writes();
    const response = await post(payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'HERALD_ERR_VALIDATION', field });
    expect(await writes()).toEqual(before);
  });

  it('accepts a title with an emoji (a surrogate pair) and non-Latin letters', async () => {
    const response = await post(json({ ...dune, title: 'Dune 🎬 砂の惑星' }));
    expect(response.statusCode).toBe(201);
    expect(response.json().title).toBe('Dune 🎬 砂の惑星');
  });

  it('refuses asOf on a leap second instead of answering the current state', async () => {
    const movie = (await post(json(dune))).json();
    const response = await app.inject(`/movies/${movie.movieId}?asOf=2020-01-01T23:59:60Z`);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'HERALD_ERR_VALIDATION', field: 'query.asOf' });
  });
});

describe('retire', () => {
  it('without expectedVersion wins a race with a PATCH, never naming a field the client did not send', async () => {
    const store = createMovieEventStore(redis, { snapshotEvery: 0 });
    const producer = createCatalogService(redis).producers.catalogMovie;
    const plain = createMovieCommands(store, producer);
    // A PATCH commits between the retire's read and its append: the retire's append then finds v2, not v1.
    let raced = false;
    const racing: MovieEventStore = {
      ...store,
      async append(event, stateAfter, fields) {
        if (event.type === 'MovieRetired' && !raced) {
          raced = true;
          await plain.update(event.movieId, 1, { title: 'Dune (racing PATCH)' });
        }
        return store.append(event, stateAfter, fields);
      },
    };
    const movie = (await post(json(dune))).json();
    const retired = await createMovieCommands(racing, producer).retire(movie.movieId, 'gone', undefined);
    expect(raced).toBe(true);
    expect(retired).toMatchObject({ status: 'retired', version: 3, title: 'Dune (racing PATCH)' });
    expect((await app.inject(`/movies/${movie.movieId}`)).json()).toMatchObject({ status: 'retired', version: 3 });
  });

  it('with a stale expectedVersion still answers 409 naming body.expectedVersion', async () => {
    const movie = (await post(json(dune))).json();
    await app.inject({ method: 'PATCH', url: `/movies/${movie.movieId}`, payload: { expectedVersion: 1, title: 'Dune I' } });
    const stale = await app.inject({ method: 'POST', url: `/movies/${movie.movieId}/retire`, payload: { expectedVersion: 1 } });
    expect(stale.json()).toMatchObject({ statusCode: 409, code: 'HERALD_ERR_VERSION_CONFLICT', field: 'body.expectedVersion' });
  });

  it('is idempotent: retiring a retired movie answers 200 and writes no event', async () => {
    const movie = (await post(json(dune))).json();
    expect((await app.inject({ method: 'POST', url: `/movies/${movie.movieId}/retire`, payload: { reason: 'gone' } })).statusCode).toBe(200);
    const before = await writes();
    const again = await app.inject({ method: 'POST', url: `/movies/${movie.movieId}/retire`, payload: { reason: 'gone again' } });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ status: 'retired', version: 2, retiredReason: 'gone' });
    expect(await writes()).toEqual(before);
  });
});
