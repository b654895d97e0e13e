import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeConnection, connectRedis, type RedisConnection } from 'herald/runtime';
import { startTestRedis } from '../../test/support/redis.ts';
import { createFoldingProjection, createMovieProjection, rebuildProjectionKeys, type ProjectedMovie } from './projection.ts';

let server: Awaited<ReturnType<typeof startTestRedis>>;
let redis: RedisConnection;

beforeAll(async () => {
  server = await startTestRedis();
  redis = await connectRedis(server.url);
});
afterAll(async () => {
  await closeConnection(redis);
  await server.cleanup();
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
    expect(await projection.get('m1')).toEqual({ ...row(3, 'T2'), status: 'retired' });
  });

  it('records the event id in the inbox with the row update', async () => {
    const keys = rebuildProjectionKeys('t2');
    const projection = createMovieProjection(redis, keys);
    await projection.apply('ev-a', { kind: 'upsert', movie: { ...row(1), movieId: 'm2' } });
    expect(Number(await redis.sendCommand(['SISMEMBER', keys.inbox, 'ev-a']))).toBe(1);
    // The same event id claiming a new version is not a redelivery: it is refused as tampered.
    expect(await projection.apply('ev-a', { kind: 'upsert', movie: { ...row(2), movieId: 'm2' } })).toBe('tampered');
  });

  it.each(['live', 'folding'] as const)('tells a redelivery from a tampered copy and a conflicting version (%s)', async (kind) => {
    const keys = rebuildProjectionKeys(`t4-${kind}`);
    const projection = kind === 'live' ? createMovieProjection(redis, keys) : createFoldingProjection(redis, keys);
    const m = (version: number, title: string): ProjectedMovie => ({ ...row(version, title), movieId: 'm4' });
    expect(await projection.apply('c1', { kind: 'upsert', movie: m(1, 'Heat') }, 'd-c1')).toBe('applied');
    expect(await projection.apply('c1', { kind: 'upsert', movie: m(1, 'Heat') }, 'd-c1')).toBe('duplicate');
    expect(await projection.apply('c1', { kind: 'upsert', movie: m(1, 'Heat!!') }, 'd-other')).toBe('tampered');
    expect(await projection.apply('forged', { kind: 'upsert', movie: m(1, 'Cheap') }, 'd-f')).toBe('conflict');
    expect(await projection.apply('u2', { kind: 'upsert', movie: m(2, 'Heat 2') }, 'd-u2')).toBe('applied');
    expect(await projection.apply('r3', { kind: 'retire', movieId: 'm4', version: 3 }, 'd-r3')).toBe('applied');
    expect(await projection.apply('r3', { kind: 'retire', movieId: 'm4', version: 3 }, 'd-r3')).toBe('duplicate');
    expect(await projection.apply('r3', { kind: 'retire', movieId: 'm4', version: 3 }, 'd-changed')).toBe('tampered');
    expect(await projection.apply('r3-forged', { kind: 'retire', movieId: 'm4', version: 3 }, 'd-x')).toBe('conflict');
    // An older event is known by id only: a redelivery of it is still a duplicate.
    expect(await projection.apply('c1', { kind: 'upsert', movie: m(1, 'Heat') }, 'd-c1')).toBe('duplicate');
    expect(await projection.get('m4')).toMatchObject({ title: 'Heat 2', status: 'retired', version: 3 });
  });

  it('keeps amounts beyond 2^53 exact', async () => {
    const projection = createMovieProjection(redis, rebuildProjectionKeys('t3'));
    const movie = { ...row(1), movieId: 'm3', price: { amountMinor: 900719925474099312n, currencyCode: 'JPY' } };
    await projection.apply('e', { kind: 'upsert', movie });
    await projection.apply('r', { kind: 'retire', movieId: 'm3', version: 2 });
    expect((await projection.get('m3'))?.price.amountMinor).toBe(900719925474099312n);
  });
});
