// A Redis that cannot answer (paused, out of memory, busy with a script, stopped) turns requests into
// 503 HERALD_ERR_UNAVAILABLE with Retry-After, never a hang and never 500 HERALD_ERR_INTERNAL.
import { afterAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { closeConnection, connectRedis, type RedisConnection } from 'herald/runtime';
import { redisTest, type TestRedisServer } from '../../test/support/redis-fixture.ts';
import { buildApp } from './app.ts';
import { loadCatalogConfig } from './config.ts';
import { setTimeout as sleep } from 'node:timers/promises';

let server: TestRedisServer;
let admin: RedisConnection;
let app: FastifyInstance;
const dune = { title: 'Dune', price: { amountMinor: 1299, currencyCode: 'EUR' }, genres: [], releaseYear: 2021 };

redisTest.beforeAll(async ({ redisServer, redis: connection }) => {
  server = redisServer;
  admin = connection;
  app = await buildApp(loadCatalogConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent', ROLES: 'api' }, []));
  await app.ready();
});
afterAll(async () => {
  server.process.kill('SIGCONT');
  await app?.close();
});

async function createMovie() {
  const response = await app.inject({ method: 'POST', url: '/movies', payload: dune });
  expect(response.statusCode).toBe(201);
  return response.json() as { movieId: string };
}

async function untilAnswers(url: string) {
  let response: Awaited<ReturnType<FastifyInstance['inject']>> | undefined;
  await expect.poll(async () => (response = await app.inject(url)).statusCode, { timeout: 10_000, interval: 50, message: `${url} never answered 200 again` }).toBe(200);
  return response!;
}

describe('catalog while Redis cannot answer', () => {
  it('answers 503 with Retry-After while Redis is paused (SIGSTOP), and recovers after SIGCONT', async () => {
    const { movieId } = await createMovie();
    server.process.kill('SIGSTOP');
    try {
      const [read, write, ready, live] = await Promise.all([
        app.inject(`/movies/${movieId}`),
        app.inject({ method: 'POST', url: '/movies', payload: dune }),
        app.inject('/ready'),
        app.inject('/health'),
      ]);
      for (const response of [read, write]) {
        expect(response.statusCode).toBe(503);
        expect(response.headers['retry-after']).toBe('1');
        expect(response.json()).toMatchObject({ code: 'HERALD_ERR_UNAVAILABLE' });
      }
      // Readiness names Redis; liveness stays up, since restarting the process would not help.
      expect(ready.statusCode).toBe(503);
      expect(ready.json().checks.redis.ok).toBe(false);
      expect(ready.json().reasons).toEqual([expect.stringMatching(/^redis-/)]);
      expect(live.statusCode).toBe(200);
    } finally {
      server.process.kill('SIGCONT');
    }
    expect((await untilAnswers(`/movies/${movieId}`)).json().movieId).toBe(movieId);
  });

  it('answers 503 with Retry-After 5 when Redis is out of memory, and writes nothing', async () => {
    await untilAnswers('/movies');
    const before = Number(await admin.sendCommand(['ZCARD', 'catalog:movies:index']));
    await admin.sendCommand(['CONFIG', 'SET', 'maxmemory', '1']);
    try {
      const response = await app.inject({ method: 'POST', url: '/movies', payload: dune });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json()).toMatchObject({ code: 'HERALD_ERR_UNAVAILABLE' });
    } finally {
      await admin.sendCommand(['CONFIG', 'SET', 'maxmemory', '0']);
    }
    expect(Number(await admin.sendCommand(['ZCARD', 'catalog:movies:index']))).toBe(before);
  });

  it('answers 503 while a script keeps Redis BUSY', async () => {
    const { movieId } = await createMovie();
    await admin.sendCommand(['CONFIG', 'SET', 'busy-reply-threshold', '50']);
    const blocker = await connectRedis(server.url, { commandTimeoutMs: 0 });
    // About a second of busy loop: long past the 50 ms threshold, short of the 2 s socket timeout.
    const busy = blocker.sendCommand(['EVAL', 'local i = 0 while i < 100000000 do i = i + 1 end return i', '0']).catch(() => undefined);
    try {
      await sleep(200);
      const response = await app.inject(`/movies/${movieId}`);
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
    } finally {
      await busy;
      await closeConnection(blocker).catch(() => blocker.destroy());
      await admin.sendCommand(['CONFIG', 'SET', 'busy-reply-threshold', '5000']);
    }
    await untilAnswers(`/movies/${movieId}`);
  });

  it('answers 503 with Retry-After while Redis is down, not 500', async () => {
    const { movieId } = await createMovie();
    await server.stop();
    const response = await app.inject(`/movies/${movieId}`);
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json()).toMatchObject({ code: 'HERALD_ERR_UNAVAILABLE' });
  });
});
