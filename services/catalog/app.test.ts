import { afterAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { fieldsToEncodedEvent, parseEntries, type RedisConnection } from 'herald/runtime';
import { catalogMovie } from '../../generated/channels/catalog-movie.ts';
import { redisTest, type TestRedisServer } from '../../test/support/redis-fixture.ts';
import { buildApp } from './app.ts';
import { loadCatalogConfig } from './config.ts';
import { catalogKeys } from './event-store.ts';
import { setTimeout as sleep } from 'node:timers/promises';

let server: TestRedisServer;
let redis: RedisConnection;
let app: FastifyInstance;

const token = 'catalog-test-token';
const auth = { authorization: `Bearer ${token}` };
const dune = { title: 'Dune', price: { amountMinor: 1299, currencyCode: 'EUR' }, genres: ['science-fiction'], releaseYear: 2021 };

redisTest.beforeAll(async ({ redisServer, redis: connection }) => {
  server = redisServer;
  redis = connection;
  app = await buildApp(loadCatalogConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent', SNAPSHOT_EVERY: '3', SERVICE_TOKEN: token }, []));
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

async function create(body: object = dune) {
  const response = await app.inject({ method: 'POST', url: '/movies', headers: auth, payload: body });
  expect(response.statusCode).toBe(201);
  return response.json();
}

async function channelEntries() {
  return parseEntries(await redis.sendCommand(['XRANGE', catalogMovie.address, '-', '+'])).map((entry) => {
    const encoded = fieldsToEncodedEvent(entry.fields);
    const definition = Object.values(catalogMovie.messages).find((m) => m.type === encoded.envelope.type)!;
    return { envelope: encoded.envelope, name: definition.name, data: definition.codec.decode(encoded.data) as any };
  });
}

async function writes() {
  return {
    outbox: Number(await redis.sendCommand(['XLEN', catalogKeys.outbox(0)])),
    channel: Number(await redis.sendCommand(['XLEN', catalogMovie.address])),
    movies: Number(await redis.sendCommand(['ZCARD', catalogKeys.index(0)])),
  };
}

const poll = { timeout: 5000, interval: 25 };

/** The write counters once the relay has drained the outbox (it runs concurrently). */
async function settled() {
  await expect.poll(async () => (await writes()).outbox, poll).toBe(0);
  return writes();
}

/** The published entry `match` picks, once the relay has published it. */
async function published(match: (entry: Awaited<ReturnType<typeof channelEntries>>[number]) => boolean) {
  await expect.poll(async () => (await channelEntries()).some(match), poll).toBe(true);
  return (await channelEntries()).find(match)!;
}

describe('catalog service', () => {
  it('creates a movie and the relay publishes MovieCreated with the request trace', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const response = await app.inject({ method: 'POST', url: '/movies', headers: { ...auth, traceparent }, payload: dune });
    expect(response.statusCode).toBe(201);
    const movie = response.json();
    expect(movie).toMatchObject({ ...dune, status: 'active', version: 1 });
    const created = await published((e) => e.envelope.subject === movie.movieId);
    expect(created.name).toBe('MovieCreated');
    expect(created.data).toMatchObject({ movieId: movie.movieId, version: 1, movie: { title: 'Dune', price: { amountMinor: 1299n, currencyCode: 'EUR' } } });
    expect(created.envelope.sequence).toBe('1');
    expect(created.envelope.traceparent).toContain('0af7651916cd43dd8448eb211c80319c');
    const history = (await app.inject(`/movies/${movie.movieId}/events`)).json();
    // The stored event and the published one carry the id the command chose.
    expect(history.events[0]).toMatchObject({ type: 'MovieCreated', version: 1, eventId: created.envelope.id });
    await settled();
  });

  it('updates with the expected version and publishes the changed paths and the full movie', async () => {
    const movie = await create();
    const response = await app.inject({ method: 'PATCH', url: `/movies/${movie.movieId}`, headers: auth, payload: { expectedVersion: 1, price: { amountMinor: 999, currencyCode: 'EUR' } } });
    expect(response.json()).toMatchObject({ version: 2, price: { amountMinor: 999 } });
    const updated = await published((e) => e.envelope.subject === movie.movieId && e.name === 'MovieUpdated');
    expect(updated.data).toMatchObject({ version: 2, changedFields: { paths: ['price'] }, movie: { title: 'Dune', price: { amountMinor: 999n } } });
  });

  it('answers 409 to a stale expected version and writes nothing', async () => {
    const movie = await create();
    await app.inject({ method: 'PATCH', url: `/movies/${movie.movieId}`, headers: auth, payload: { expectedVersion: 1, title: 'Dune I' } });
    const before = await writes();
    const stale = await app.inject({ method: 'PATCH', url: `/movies/${movie.movieId}`, headers: auth, payload: { expectedVersion: 1, title: 'Dune II' } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ code: 'HERALD_ERR_VERSION_CONFLICT', field: 'body.expectedVersion' });
    expect((await app.inject(`/movies/${movie.movieId}`)).json()).toMatchObject({ title: 'Dune I', version: 2 });
    expect((await writes()).movies).toBe(before.movies);
    expect((await app.inject(`/movies/${movie.movieId}/events`)).json().events).toHaveLength(2);
  });

  it('pages the event history with a cursor, never returning more than the limit', async () => {
    const movie = await create();
    for (let version = 1; version <= 6; version++) {
      const patched = await app.inject({ method: 'PATCH', url: `/movies/${movie.movieId}`, headers: auth, payload: { expectedVersion: version, title: `Dune ${version}` } });
      expect(patched.statusCode).toBe(200);
    }
    const versions: number[] = [];
    let cursor: string | undefined;
    do {
      const page = (await app.inject(`/movies/${movie.movieId}/events?limit=3${cursor ? `&cursor=${cursor}` : ''}`)).json();
      expect(page.events.length).toBeLessThanOrEqual(3);
      versions.push(...page.events.map((e: { version: number }) => e.version));
      cursor = page.nextCursor;
    } while (cursor);
    expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect((await app.inject(`/movies/${movie.movieId}/events`)).json().events).toHaveLength(7);
    expect((await app.inject(`/movies/${movie.movieId}/events?cursor=7`)).json()).toEqual({ movieId: movie.movieId, events: [] });
    expect((await app.inject(`/movies/${movie.movieId}/events?limit=1001`)).json()).toMatchObject({ statusCode: 400, field: 'query.limit' });
  });

  it.each([
    { name: 'a missing title', body: { ...dune, title: undefined }, field: 'body.title' },
    { name: 'a price as a string', body: { ...dune, price: { amountMinor: '12.99', currencyCode: 'EUR' } }, field: 'body.price.amountMinor' },
    { name: 'a lower-case currency', body: { ...dune, price: { amountMinor: 1, currencyCode: 'eur' } }, field: 'body.price.currencyCode' },
    { name: 'a year before cinema', body: { ...dune, releaseYear: 1700 }, field: 'body.releaseYear' },
    { name: 'an unknown field', body: { ...dune, director: 'Villeneuve' }, field: 'body.director' },
  ])('answers 400 naming the field for $name, and writes nothing', async ({ body, field }) => {
    const before = await writes();
    const response = await app.inject({ method: 'POST', url: '/movies', headers: auth, payload: body });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'HERALD_ERR_VALIDATION', field });
    expect(await writes()).toEqual(before);
  });

  it('retires logically: still readable, refuses updates, retiring again changes nothing', async () => {
    const movie = await create();
    const retired = await app.inject({ method: 'POST', url: `/movies/${movie.movieId}/retire`, headers: auth, payload: { reason: 'licence ended' } });
    expect(retired.json()).toMatchObject({ status: 'retired', version: 2, retiredReason: 'licence ended' });
    expect((await app.inject(`/movies/${movie.movieId}`)).json()).toMatchObject({ status: 'retired', title: 'Dune' });
    const update = await app.inject({ method: 'PATCH', url: `/movies/${movie.movieId}`, headers: auth, payload: { expectedVersion: 2, title: 'x' } });
    expect(update.json()).toMatchObject({ statusCode: 409, code: 'HERALD_ERR_MOVIE_RETIRED' });
    const again = await app.inject({ method: 'POST', url: `/movies/${movie.movieId}/retire`, headers: auth });
    expect(again.json()).toMatchObject({ status: 'retired', version: 2 });
  });

  it('answers the state as of a past time', async () => {
    const movie = await create();
    const afterCreate = new Date().toISOString();
    await sleep(5);
    for (let v = 1; v <= 4; v++) {
      await app.inject({ method: 'PATCH', url: `/movies/${movie.movieId}`, headers: auth, payload: { expectedVersion: v, title: `Dune v${v + 1}` } });
    }
    expect((await app.inject(`/movies/${movie.movieId}?asOf=${afterCreate}`)).json()).toMatchObject({ title: 'Dune', version: 1 });
    expect((await app.inject(`/movies/${movie.movieId}`)).json()).toMatchObject({ title: 'Dune v5', version: 5 });
    const before = await app.inject(`/movies/${movie.movieId}?asOf=2000-01-01T00:00:00Z`);
    expect(before.json()).toMatchObject({ statusCode: 404, field: 'query.asOf' });
    expect((await app.inject(`/movies/${movie.movieId}?asOf=yesterday`)).json()).toMatchObject({ statusCode: 400, field: 'query.asOf' });
  });

  it('pages GET /movies with a cursor, and 404s an unknown id', async () => {
    const ids: string[] = [];
    let cursor = '';
    do {
      const page = (await app.inject(`/movies?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json();
      ids.push(...page.items.map((m: { movieId: string }) => m.movieId));
      cursor = page.nextCursor ?? '';
    } while (cursor);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe((await writes()).movies);
    expect((await app.inject('/movies/0b9e5c1e-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await app.inject('/movies?limit=1000')).json()).toMatchObject({ statusCode: 400, field: 'query.limit' });
    // A partitioned store's cursor (`<partition>.<sequence>`) is accepted; anything else names the field.
    expect((await app.inject('/movies?cursor=3.17')).statusCode).toBe(200);
    for (const bad of ['abc', '1.2.3', '12345.1', '-1']) expect((await app.inject(`/movies?cursor=${bad}`)).json(), bad).toMatchObject({ statusCode: 400, field: 'query.cursor' });
  });

  it('refuses state changes without the service token', async () => {
    const response = await app.inject({ method: 'POST', url: '/movies', payload: dune });
    expect(response.json()).toMatchObject({ statusCode: 401, code: 'HERALD_ERR_UNAUTHORIZED' });
  });

  it('checks the token before the body: a bad body without a token is 401, not 400, and writes nothing', async () => {
    const before = await writes();
    const movie = await create();
    const after = await settled();
    for (const [method, url] of [['POST', '/movies'], ['PATCH', `/movies/${movie.movieId}`], ['PATCH', '/movies/not-a-uuid'], ['POST', `/movies/${movie.movieId}/retire`]] as const) {
      for (const payload of ['{"title":1}', '{"title":', '{"__proto__":{"x":1}}']) {
        const response = await app.inject({ method, url, headers: { 'content-type': 'application/json' }, payload });
        expect(response.json(), `${method} ${url} ${payload}`).toMatchObject({ statusCode: 401, field: 'headers.authorization' });
      }
    }
    expect(await writes()).toEqual(after);
    expect(after.movies).toBe(before.movies + 1);
  });

  it('names a __proto__ or constructor key as forbidden and writes nothing', async () => {
    const movie = await create();
    const before = await settled();
    const cases = [
      { method: 'POST', url: '/movies', payload: JSON.stringify(dune).replace('{', '{"__proto__":{"admin":true},'), field: 'body.__proto__' },
      { method: 'POST', url: '/movies', payload: JSON.stringify(dune).replace('"currencyCode"', '"constructor":{"prototype":{}},"currencyCode"'), field: 'body.price.constructor' },
      { method: 'PATCH', url: `/movies/${movie.movieId}`, payload: '{"expectedVersion":1,"title":"X","__proto__":null}', field: 'body.__proto__' },
      { method: 'POST', url: `/movies/${movie.movieId}/retire`, payload: '{"constructor":1}', field: 'body.constructor' },
    ] as const;
    for (const { method, url, payload, field } of cases) {
      const response = await app.inject({ method, url, headers: { ...auth, 'content-type': 'application/json' }, payload });
      expect(response.json(), payload).toEqual({ statusCode: 400, code: 'HERALD_ERR_VALIDATION', error: 'Bad Request', message: `${field} is a forbidden key`, field });
    }
    expect(await writes()).toEqual(before);
    expect((await app.inject(`/movies/${movie.movieId}`)).json()).toMatchObject({ version: 1, title: 'Dune' });
  });

  it('reports liveness, readiness and Prometheus metrics', async () => {
    const health = await app.inject('/health');
    expect(health.json()).toMatchObject({ status: 'ok', service: 'catalog', checks: { relay: { ok: true, running: true } } });
    const ready = await app.inject('/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', reasons: [], checks: { redis: { ok: true }, relay: { ok: true } } });
    const metrics = (await app.inject('/metrics')).body;
    // Earlier tests created movies and the relay published them: the counter has moved off 0.
    expect(metrics).toMatch(/herald_outbox_published_total\{outbox="catalog:outbox",channel="catalog.movie.v1"\} [1-9]/);
    expect(metrics).toMatch(/herald_outbox_backlog\{outbox="catalog:outbox"\} \d+/);
    expect(metrics).toContain('# TYPE herald_outbox_parked_total counter');
    expect(metrics).not.toMatch(/^herald_outbox_parked_total\{/m); // nothing parked
    expect(metrics).toMatch(/herald_http_request_duration_seconds_count\{method="POST",route="\/movies",status_code="201"\} [1-9]/);
  });
});
