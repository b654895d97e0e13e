import { describe, expect, it } from 'vitest';
import type { RedisConnection } from 'herald/runtime';
import { redisTest, type TestRedisServer } from '../../test/support/redis-fixture.ts';
import { createMovieProjection, rebuildProjectionKeys, type ProjectedMovie } from './projection.ts';

let server: TestRedisServer;
let redis: RedisConnection;

redisTest.beforeAll(({ redisServer, redis: connection }) => {
  server = redisServer;
  redis = connection;
});

const row = (version: number, title = `T${version}`): ProjectedMovie => ({
  movieId: 'm1', title, price: { amountMinor: 1299n, currencyCode: 'EUR' }, status: 'active', version,
});

describe('sales movie projection', () => {
  it('applies only the next version: duplicates are skipped, early ones refused', async () => {
    const projection = createMovieProjection(redis, rebuildProjectionKeys('t1'));
    expect(await projection.apply('e2', { kind: 'upsert', movie: row(2) })).toBe('early');
    expect(await projection.apply('e1', { kind: 'upsert', movie: row(1) })).toBe('applied');
    expect(await projection.apply('e1', { kind: 'upsert', movie: row(1) })).toBe('duplicate');
    // Another event claiming the version e1 set is a conflict: one of the two is forged.
    expect(await projection.apply('e1-again', { kind: 'upsert', movie: row(1, 'ghost') })).toBe('conflict');
    expect(await projection.apply('e2', { kind: 'upsert', movie: row(2) })).toBe('applied');
    expect(await projection.apply('e3', { kind: 'retire', movieId: 'm1', version: 3 })).toBe('applied');
    expect(await projection.get('m1')).toEqual({ ...row(3, 'T2'), status: 'retired', lastEventId: 'e3' });
  });

  it('records the event id in the inbox with the row update', async () => {
    const keys = rebuildProjectionKeys('t2');
    const projection = createMovieProjection(redis, keys);
    await projection.apply('ev-a', { kind: 'upsert', movie: { ...row(1), movieId: 'm2' } });
    expect(await redis.sendCommand(['ZSCORE', keys.inbox, 'ev-a'])).not.toBeNull();
    // The same event id claiming a new version is not a redelivery: it is refused as tampered.
    expect(await projection.apply('ev-a', { kind: 'upsert', movie: { ...row(2), movieId: 'm2' } })).toBe('tampered');
  });

  it('keeps amounts beyond 2^53 exact', async () => {
    const projection = createMovieProjection(redis, rebuildProjectionKeys('t3'));
    const movie = { ...row(1), movieId: 'm3', price: { amountMinor: 900719925474099312n, currencyCode: 'JPY' } };
    await projection.apply('e', { kind: 'upsert', movie });
    await projection.apply('r', { kind: 'retire', movieId: 'm3', version: 2 });
    expect((await projection.get('m3'))?.price.amountMinor).toBe(900719925474099312n);
  });
});
