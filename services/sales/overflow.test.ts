// A total that does not fit int64 (the wire type of PurchaseCompleted.total.amount_minor) is a 400
// naming body.quantity, with nothing stored and nothing in the outbox: never a wrapped `total 0`.
import { randomUUID } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { RedisConnection } from 'herald/runtime';
import { redisTest, type TestRedisServer } from '../../test/support/redis-fixture.ts';
import { buildApp } from './app.ts';
import { loadSalesConfig } from './config.ts';
import { createMovieProjection } from './projection.ts';
import { purchaseKeys } from './purchases.ts';

let server: TestRedisServer;
let redis: RedisConnection;
let app: FastifyInstance;

redisTest.beforeAll(async ({ redisServer, redis: connection }) => {
  server = redisServer;
  redis = connection;
  app = await buildApp(loadSalesConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent', ROLES: 'api' }, []));
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

it('refuses price 2^62 × quantity 4 with 400 naming body.quantity and writes nothing', async () => {
  const movieId = randomUUID();
  // A row as an older Sales (before incoming amounts were bounded) could have stored it.
  await createMovieProjection(redis).apply(randomUUID(), { kind: 'upsert', movie: { movieId, title: 'Huge', price: { amountMinor: 2n ** 62n, currencyCode: 'EUR' }, status: 'active', version: 1 } });
  const response = await app.inject({ method: 'POST', url: '/purchases', payload: { movieId, customerId: 'alice', quantity: 4 } });
  expect(response.statusCode).toBe(400);
  expect(response.json()).toMatchObject({ code: 'HERALD_ERR_VALIDATION', field: 'body.quantity' });
  expect(Number(await redis.sendCommand(['XLEN', purchaseKeys.outbox]))).toBe(0);
  expect(((await redis.sendCommand(['KEYS', 'sales:purchase:*'])) as unknown[]).length).toBe(0);
  // One below the limit still sells: 2^62 × 1.
  const one = await app.inject({ method: 'POST', url: '/purchases', payload: { movieId, customerId: 'alice', quantity: 1 } });
  expect(one.statusCode).toBe(201);
  expect(one.json().total.amountMinor).toBe(Number(2n ** 62n));
});
