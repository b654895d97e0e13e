import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { RedisConnection } from 'herald/runtime';
import { createSalesService } from '../../generated/services/sales.ts';
import type { PurchaseCompleted } from '../../generated/herald/sales/purchase/v1/events.ts';
import { redisTest, type TestRedisServer } from '../../test/support/redis-fixture.ts';
import { buildApp } from './app.ts';
import { loadReportingConfig } from './config.ts';
import { reportingKeys } from './ledger.ts';

let server: TestRedisServer;
let redis: RedisConnection;
let app: FastifyInstance;
let sales: ReturnType<typeof createSalesService>['producers']['salesPurchase'];

redisTest.beforeAll(async ({ redisServer, redis: connection }) => {
  server = redisServer;
  redis = connection;
  sales = createSalesService(redis).producers.salesPurchase;
  app = await buildApp(loadReportingConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent', CONSUMER_NAME: 'reporting-test', CONSUMER_MIN_IDLE_MS: '300', INBOX_WINDOW: '100' }, []));
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

const purchase = (movieId: string, quantity: number, amountMinor: bigint, currencyCode = 'EUR', title = 'Dune'): PurchaseCompleted => ({
  purchaseId: randomUUID(), version: 1, customerId: 'alice', quantity,
  movie: { movieId, title, unitPrice: { amountMinor: amountMinor / BigInt(quantity), currencyCode }, catalogVersion: 1 },
  total: { amountMinor, currencyCode }, purchasedAt: new Date('2026-11-25T10:00:00Z'),
});
const publish = (p: PurchaseCompleted, id?: string) => sales.publish('PurchaseCompleted', p, { subject: p.purchaseId, sequence: 1, ...(id ? { id } : {}) });

const poll = { timeout: 7500, interval: 25 };

/** The movie's revenue once it counts `purchases` purchases. */
async function revenueOf(movieId: string, purchases: number) {
  const revenue = async () => {
    const response = await app.inject(`/revenue/${movieId}`);
    return response.statusCode === 200 ? response.json() : undefined;
  };
  await expect.poll(async () => (await revenue())?.purchases ?? 0, poll).toBeGreaterThanOrEqual(purchases);
  return revenue();
}

describe('reporting service', () => {
  it('sums each movie’s revenue per currency from PurchaseCompleted events', async () => {
    const movieId = randomUUID();
    await publish(purchase(movieId, 2, 2598n));
    await publish(purchase(movieId, 1, 1299n));
    await publish(purchase(movieId, 1, 1500n, 'USD'));
    expect(await revenueOf(movieId, 3)).toEqual({
      movieId, title: 'Dune', quantity: 4, purchases: 3,
      revenue: [{ currencyCode: 'EUR', amountMinor: '3897' }, { currencyCode: 'USD', amountMinor: '1500' }],
    });
  });

  it('counts a purchase once: a redelivered event id, or the same purchase under a new id after the window', async () => {
    const movieId = randomUUID();
    const first = purchase(movieId, 1, 100n);
    const id = randomUUID();
    await publish(first, id);
    await publish(first, id); // duplicate publish: same event id
    await publish(first); // same purchase, new event id (a republish after the inbox window)
    const marker = purchase(movieId, 1, 1n);
    await publish(marker);
    expect(await revenueOf(movieId, 2)).toMatchObject({ purchases: 2, quantity: 2, revenue: [{ currencyCode: 'EUR', amountMinor: '101' }] });
    expect((await app.inject('/metrics')).body).toMatch(/herald_revenue_events_total\{outcome="duplicate"\} [2-9]/);
  });

  it('keeps its inbox to INBOX_WINDOW ids', async () => {
    const movieId = randomUUID();
    for (let i = 0; i < 120; i++) await publish(purchase(movieId, 1, 1n));
    await revenueOf(movieId, 120);
    expect(Number(await redis.sendCommand(['ZCARD', reportingKeys.inbox]))).toBe(100);
  });

  it('keeps totals beyond 2^53 exact', async () => {
    const movieId = randomUUID();
    await publish(purchase(movieId, 1, 9_007_199_254_740_993n, 'JPY'));
    await publish(purchase(movieId, 1, 9_007_199_254_740_993n, 'JPY'));
    expect((await revenueOf(movieId, 2)).revenue).toEqual([{ currencyCode: 'JPY', amountMinor: '18014398509481986' }]);
  });

  it('dead-letters an event that is no sale, reports the consumer on /health and the growing DLQ on /ready', async () => {
    expect((await app.inject('/ready')).json()).toMatchObject({ checks: { deadLetters: { depth: 0 } } }); // the baseline growth is measured from
    const movieId = randomUUID();
    await publish({ ...purchase(movieId, 1, 10n), total: { amountMinor: 10n, currencyCode: 'eur' } });
    await expect.poll(async () => Number(await redis.sendCommand(['XLEN', 'sales.purchase.v1.dlq'])), poll).toBe(1);
    expect((await app.inject(`/revenue/${movieId}`)).json()).toMatchObject({ statusCode: 404, field: 'params.id' });
    expect((await app.inject('/health')).json()).toMatchObject({ status: 'ok', service: 'reporting', checks: { consumer: { running: true } } });
    // Liveness holds; readiness says the dead-letter stream grew (READY_DLQ_MAX_GROWTH is 0 by default).
    expect((await app.inject('/ready')).json()).toMatchObject({ status: 'unready', reasons: ['dead-letters-growing'], checks: { redis: { ok: true }, consumer: { running: true }, deadLetters: { depth: 1 } } });
  });

  it('pages GET /revenue in movie id order', async () => {
    const ids: string[] = [];
    let cursor = '';
    do {
      const page = (await app.inject(`/revenue?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json();
      ids.push(...page.items.map((m: { movieId: string }) => m.movieId));
      cursor = page.nextCursor ?? '';
    } while (cursor);
    expect(ids).toEqual([...ids].sort());
    expect(ids.length).toBe(Number(await redis.sendCommand(['ZCARD', reportingKeys.movies])));
    expect((await app.inject('/revenue?limit=0')).json()).toMatchObject({ statusCode: 400, field: 'query.limit' });
  });
});
