import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { fieldsToEncodedEvent, parseEntries, type RedisConnection } from 'herald/runtime';
import { salesPurchase } from '../../generated/channels/sales-purchase.ts';
import { createCatalogService } from '../../generated/services/catalog.ts';
import { MovieStatus } from '../../generated/herald/catalog/movie/v1/movie.ts';
import { redisTest, type TestRedisServer } from '../../test/support/redis-fixture.ts';
import { buildApp } from './app.ts';
import { loadSalesConfig } from './config.ts';
import { createMovieProjection, liveProjectionKeys } from './projection.ts';
import { rebuildProjection } from './replay.ts';
import { setTimeout as sleep } from 'node:timers/promises';

let server: TestRedisServer;
let redis: RedisConnection;
let app: FastifyInstance;
let catalog: ReturnType<typeof createCatalogService>['producers']['catalogMovie'];

redisTest.beforeAll(async ({ redisServer, redis: connection }) => {
  server = redisServer;
  redis = connection;
  catalog = createCatalogService(redis).producers.catalogMovie;
  app = await buildApp(loadSalesConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent', CONSUMER_NAME: 'sales-test', CONSUMER_MIN_IDLE_MS: '300' }, []));
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

const movie = (movieId: string, title: string, amountMinor: bigint, status: MovieStatus = MovieStatus.ACTIVE) => ({
  movieId, title, price: { currencyCode: 'EUR', amountMinor }, genres: [], releaseYear: 2021, status,
});

const poll = { timeout: 7500, interval: 25 };

/** The projected movie once it has reached `version`. */
async function projected(movieId: string, version: number) {
  const row = async () => {
    const response = await app.inject(`/movies/${movieId}`);
    return response.statusCode === 200 ? response.json() : undefined;
  };
  await expect.poll(async () => (await row())?.version ?? 0, poll).toBeGreaterThanOrEqual(version);
  return row();
}

async function seedMovie(title = 'Heat', amountMinor = 799n) {
  const movieId = randomUUID();
  await catalog.publish('MovieCreated', { movieId, version: 1, movie: movie(movieId, title, amountMinor) }, { subject: movieId, sequence: 1 });
  await projected(movieId, 1);
  return movieId;
}

const buy = (movieId: string, quantity = 1) => app.inject({ method: 'POST', url: '/purchases', payload: { movieId, customerId: 'alice', quantity } });
const purchaseCount = async () => ((await redis.sendCommand(['KEYS', 'sales:purchase:*'])) as unknown[]).length;

describe('sales service', () => {
  it('projects a created movie and sells it, publishing PurchaseCompleted with the snapshot', async () => {
    const movieId = await seedMovie('Heat', 799n);
    const traceparent = '00-11112222333344445555666677778888-1111222233334444-01';
    const response = await app.inject({ method: 'POST', url: '/purchases', headers: { traceparent }, payload: { movieId, customerId: 'alice', quantity: 2 } });
    expect(response.statusCode).toBe(201);
    const purchase = response.json();
    expect(purchase).toMatchObject({ customerId: 'alice', quantity: 2, movie: { movieId, title: 'Heat', unitPrice: { amountMinor: 799, currencyCode: 'EUR' }, catalogVersion: 1 }, total: { amountMinor: 1598 } });
    const published = async () => parseEntries(await redis.sendCommand(['XRANGE', salesPurchase.address, '-', '+']));
    await expect.poll(async () => (await published()).length, poll).toBeGreaterThan(0);
    const entries = await published();
    const encoded = fieldsToEncodedEvent(entries[0]!.fields);
    expect(encoded.envelope).toMatchObject({ id: purchase.eventId, subject: purchase.purchaseId, type: 'herald.sales.purchase.v1.PurchaseCompleted' });
    expect(encoded.envelope.traceparent).toContain('11112222333344445555666677778888');
    const data = salesPurchase.messages.PurchaseCompleted.codec.decode(encoded.data);
    expect(data).toMatchObject({ purchaseId: purchase.purchaseId, quantity: 2, total: { amountMinor: 1598n }, movie: { title: 'Heat', catalogVersion: 1 } });
  });

  it('refuses an unknown movie with 404 and a retired one with 409, writing nothing', async () => {
    const movieId = await seedMovie();
    await catalog.publish('MovieRetired', { movieId, version: 2, reason: 'gone' }, { subject: movieId, sequence: 2 });
    await projected(movieId, 2);
    const before = await purchaseCount();
    expect((await buy(randomUUID())).json()).toMatchObject({ statusCode: 404, code: 'HERALD_ERR_NOT_FOUND', field: 'body.movieId' });
    expect((await buy(movieId)).json()).toMatchObject({ statusCode: 409, code: 'HERALD_ERR_NOT_SELLABLE' });
    expect(await purchaseCount()).toBe(before);
  });

  it.each([
    { name: 'a zero quantity', body: { quantity: 0 }, field: 'body.quantity' },
    { name: 'a quantity as a string', body: { quantity: '2' }, field: 'body.quantity' },
    { name: 'a movie id that is no uuid', body: { movieId: 'dune' }, field: 'body.movieId' },
    { name: 'a missing customer', body: { customerId: undefined }, field: 'body.customerId' },
  ])('answers 400 naming the field for $name, and writes nothing', async ({ body, field }) => {
    const movieId = await seedMovie();
    const before = await purchaseCount();
    const response = await app.inject({ method: 'POST', url: '/purchases', payload: { movieId, customerId: 'bob', quantity: 1, ...body } });
    expect(response.json()).toMatchObject({ statusCode: 400, code: 'HERALD_ERR_VALIDATION', field });
    expect(await purchaseCount()).toBe(before);
  });

  it('refuses a purchase whose PurchaseCompleted would be over the channel limit with 413 naming the movie, and writes nothing', async () => {
    // A movie row whose snapshot makes the purchase event too large (the consumer now refuses a title over
    // 200 characters, so the row is written as an older Sales could have): it must be refused before
    // commit, never left to block the relay. Measured: PurchaseCompleted is the title + 444 bytes without
    // a traceparent (+66 with one), so this title is 19 bytes over the limit either way.
    const title = 'x'.repeat(1_048_576 - 425);
    const movieId = randomUUID();
    await createMovieProjection(redis).apply(randomUUID(), { kind: 'upsert', movie: { movieId, title, price: { amountMinor: 100n, currencyCode: 'EUR' }, status: 'active', version: 1 } });
    await projected(movieId, 1);
    const before = { purchases: await purchaseCount(), outbox: Number(await redis.sendCommand(['XLEN', 'sales:outbox'])), published: Number(await redis.sendCommand(['XLEN', salesPurchase.address])) };
    const response = await buy(movieId);
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ code: 'HERALD_ERR_EVENT_TOO_LARGE', field: 'body.movieId' });
    expect(response.json().message).toMatch(new RegExp(`movie ${movieId} cannot be sold: its PurchaseCompleted would be \\d+ bytes, over the 1048576 bytes sales.purchase.v1 accepts`));
    expect(await purchaseCount()).toBe(before.purchases);
    expect(Number(await redis.sendCommand(['XLEN', 'sales:outbox']))).toBe(0);
    expect(Number(await redis.sendCommand(['XLEN', salesPurchase.address]))).toBe(before.published);
    // A normal movie still sells: nothing is stuck behind the refusal.
    expect((await buy(await seedMovie('Small', 100n))).statusCode).toBe(201);
    // The hand-written row is not in the stream: remove it so the rebuild test compares like with like.
    await redis.sendCommand(['HDEL', liveProjectionKeys.movies, movieId]);
    await redis.sendCommand(['ZREM', liveProjectionKeys.index, movieId]);
  });

  it('catches a redelivered event id after it left the inbox window, by the row’s last applied id', async () => {
    const movieId = await seedMovie('Window', 100n);
    const v2Id = randomUUID();
    const v2 = { movieId, version: 2, changedFields: { paths: ['title'] }, movie: movie(movieId, 'Window 2', 100n) };
    await catalog.publish('MovieUpdated', v2, { subject: movieId, sequence: 2, id: v2Id });
    await projected(movieId, 2);
    // Drop the id from the window, as 100 000 later events would; a forged "v3" with v2's id stays a duplicate.
    await redis.sendCommand(['ZREM', 'sales:inbox:window', v2Id]);
    await catalog.publish('MovieUpdated', { ...v2, version: 3, movie: movie(movieId, 'Forged', 1n) }, { subject: movieId, sequence: 3, id: v2Id });
    await catalog.publish('MovieRetired', { movieId, version: 3, reason: 'x' }, { subject: movieId, sequence: 3 });
    expect(await projected(movieId, 3)).toMatchObject({ title: 'Window 2', price: { amountMinor: 100 }, status: 'retired' });
  });

  it('applies a redelivered event once and waits for an early one', async () => {
    const movieId = await seedMovie('Alien', 500n);
    const v2 = { movieId, version: 2, changedFields: { paths: ['title'] }, movie: movie(movieId, 'Alien 2', 500n) };
    const v3 = { movieId, version: 3, changedFields: { paths: ['price'] }, movie: movie(movieId, 'Alien 2', 650n) };
    await catalog.publish('MovieUpdated', v3, { subject: movieId, sequence: 3 }); // early: v2 is missing
    const v2Id = randomUUID();
    await sleep(100);
    await catalog.publish('MovieUpdated', v2, { subject: movieId, sequence: 2, id: v2Id });
    await catalog.publish('MovieUpdated', v2, { subject: movieId, sequence: 2, id: v2Id }); // duplicate
    expect(await projected(movieId, 3)).toMatchObject({ title: 'Alien 2', price: { amountMinor: 650 }, version: 3 });
    // The duplicate follows v2 in the stream and may be handled just after v3 became visible.
    const duplicate = /herald_projection_events_total\{event="MovieUpdated",outcome="duplicate"\} [1-9]/;
    await expect.poll(async () => (await app.inject('/metrics')).body, poll).toMatch(duplicate);
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toMatch(/herald_projection_events_total\{event="MovieUpdated",outcome="early"\} [1-9]/);
  });

  it('keeps a purchase snapshot unchanged after the movie is updated and retired', async () => {
    const movieId = await seedMovie('Ran', 1000n);
    const purchase = (await buy(movieId)).json();
    await catalog.publish('MovieUpdated', { movieId, version: 2, changedFields: { paths: ['title', 'price'] }, movie: movie(movieId, 'Ran (restored)', 1500n) }, { subject: movieId, sequence: 2 });
    await catalog.publish('MovieRetired', { movieId, version: 3, reason: 'gone' }, { subject: movieId, sequence: 3 });
    await projected(movieId, 3);
    expect((await app.inject(`/purchases/${purchase.purchaseId}`)).json()).toEqual(purchase);
  });

  it('rebuilds an identical projection from the stream', async () => {
    const before = (await app.inject('/movies?limit=100')).json();
    await redis.sendCommand(['DEL', liveProjectionKeys.movies, liveProjectionKeys.inbox]);
    const result = await rebuildProjection(redis);
    expect(result.movies).toBe(before.items.length);
    expect((await app.inject('/movies?limit=100')).json()).toEqual(before);
  });

  it('reports the consumer on /health and /ready and its counters on /metrics, labelled by group and consumer', async () => {
    const health = (await app.inject('/health')).json();
    expect(health).toMatchObject({ status: 'ok', checks: { consumer: { running: true }, relay: { ok: true } } });
    const ready = (await app.inject('/ready')).json();
    expect(ready).toMatchObject({ status: 'ready', checks: { redis: { ok: true }, consumer: { ok: true, running: true }, relay: { ok: true }, deadLetters: { ok: true } } });
    const metrics = (await app.inject('/metrics')).body;
    const labels = 'group="sales",consumer="sales-test",channel="catalog.movie.v1"';
    expect(metrics).toMatch(new RegExp(`herald_consumer_events_total\\{${labels},type="herald.catalog.movie.v1.MovieCreated",outcome="handled"\\} [1-9]`));
    expect(metrics).toMatch(new RegExp(`herald_consumer_handler_duration_seconds_count\\{${labels},type="herald.catalog.movie.v1.MovieCreated",outcome="ok"\\} [1-9]`));
    expect(metrics).toMatch(new RegExp(`herald_consumer_pending\\{${labels}\\} \\d+`));
    expect(metrics).toMatch(new RegExp(`herald_consumer_lag\\{${labels}\\} \\d+`));
    expect(metrics).toMatch(/herald_dead_letter_entries\{channel="catalog.movie.v1",stream="catalog.movie.v1.dlq"\} \d+/);
    expect(metrics).not.toMatch(/ -1$/m);
  });
});
