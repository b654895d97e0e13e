// GET /movies pages through the id index: every row once across pages, in id order, and a page costs
// one ZRANGE and one HMGET whatever the projection's size (never HVALS or HGETALL of all rows).
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { RedisConnection } from 'herald/runtime';
import { text } from '../shared/redis-replies.ts';
import { redisTest, type TestRedisServer } from '../../test/support/redis-fixture.ts';
import { buildApp } from './app.ts';
import { loadSalesConfig } from './config.ts';
import { rowCodec } from './projection-rule.ts';
import { backfillIndex, createMovieProjection, liveProjectionKeys } from './projection.ts';

let server: TestRedisServer;
let redis: RedisConnection;
let app: FastifyInstance;
const ids: string[] = [];

redisTest.beforeAll(async ({ redisServer, redis: connection }) => {
  server = redisServer;
  redis = connection;
  const projection = createMovieProjection(redis);
  for (let i = 0; i < 230; i++) {
    const movieId = randomUUID();
    ids.push(movieId);
    await projection.apply(randomUUID(), { kind: 'upsert', movie: { movieId, title: `Movie ${i}`, price: { amountMinor: 100n, currencyCode: 'EUR' }, status: 'active', version: 1 } });
  }
  ids.sort();
  app = await buildApp(loadSalesConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent', ROLES: 'api' }, []));
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

async function readAll(limit: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const response = await app.inject(`/movies?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(response.statusCode).toBe(200);
    const body = response.json() as { items: Array<{ movieId: string }>; nextCursor?: string };
    expect(body.items.length).toBeLessThanOrEqual(limit);
    seen.push(...body.items.map((m) => m.movieId));
    cursor = body.nextCursor;
  } while (cursor);
  return seen;
}

const commandCalls = async () => {
  const raw = text(await redis.sendCommand(['INFO', 'commandstats']));
  const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(raw)?.[1] ?? 0);
  return { hvals: calls('hvals'), hgetall: calls('hgetall'), zrange: calls('zrange'), hmget: calls('hmget') };
};

describe('GET /movies on sales', () => {
  it('returns every row exactly once across pages, in id order', async () => {
    expect(await readAll(100)).toEqual(ids);
    expect(await readAll(7)).toEqual(ids);
  });

  it('reads one page with one ZRANGE and one HMGET, never the whole projection', async () => {
    const before = await commandCalls();
    const response = await app.inject('/movies?limit=1');
    expect(response.json().items).toHaveLength(1);
    const after = await commandCalls();
    expect(after.hvals - before.hvals).toBe(0);
    expect(after.hgetall - before.hgetall).toBe(0);
    expect(after.zrange - before.zrange).toBe(1);
    expect(after.hmget - before.hmget).toBe(1);
  });

  it('takes a cursor of the partitioned form <partition>.<movieId>, and refuses a malformed one naming the field', async () => {
    // With one partition (the contract's) the projection's cursors are plain ids; a partitioned
    // catalog.movie.v1 gives <partition>.<movieId> (projection.ts: page), which the route must accept.
    expect((await app.inject(`/movies?limit=2&cursor=0.${ids[0]}`)).statusCode).toBe(200);
    for (const cursor of [`x.${ids[0]}`, `12345.${ids[0]}`, '3.', 'not-an-id']) {
      const response = await app.inject(`/movies?cursor=${encodeURIComponent(cursor)}`);
      expect(response.statusCode, cursor).toBe(400);
      expect(response.json().field).toBe('query.cursor');
    }
  });

  it('indexes rows written before the index existed', async () => {
    const movieId = randomUUID();
    await redis.sendCommand(['HSET', liveProjectionKeys.movies, movieId, rowCodec.encode({ movieId, title: 'Old', price: { amountMinor: 1n, currencyCode: 'EUR' }, status: 'active', version: 1 })]);
    expect(await backfillIndex(redis)).toBe(1);
    expect(await backfillIndex(redis)).toBe(0);
    expect(await readAll(100)).toEqual([...ids, movieId].sort());
  });
});
