import { describe, expect, it } from 'vitest';
import type { RedisConnection } from 'herald/runtime';
import { redisTest } from '../../test/support/redis-fixture.ts';
import { createFoldingProjection, createMovieProjection, IdWindow, rebuildProjectionKeys, type ProjectedMovie } from './projection.ts';

let redis: RedisConnection;

redisTest.beforeAll(({ redis: connection }) => {
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

  it('a fold keeps only its inbox window of event ids, in memory and in its inbox key', async () => {
    const keys = rebuildProjectionKeys('t-window');
    const projection = createFoldingProjection(redis, keys, { inboxWindow: 3 });
    for (let v = 1; v <= 10; v++) {
      expect(await projection.apply(`w${v}`, { kind: 'upsert', movie: { ...row(v), movieId: 'mw' } })).toBe('applied');
      await projection.flush();
    }
    expect(projection.inboxSize).toBe(3);
    expect(((await redis.sendCommand(['ZRANGE', keys.inbox, '0', '-1'])) as unknown[]).map(String)).toEqual(['w8', 'w9', 'w10']);
    // Out of the window, a redelivery is still refused: by its row's version, as the live consumer does.
    expect(await projection.apply('w2', { kind: 'upsert', movie: { ...row(2), movieId: 'mw' } })).toBe('duplicate');
    expect(await projection.apply('w9', { kind: 'upsert', movie: { ...row(9), movieId: 'mw' } })).toBe('duplicate');
  });

  it('a fold flushed after more ids than its window sends the window\'s newest ids, in applied order', async () => {
    const keys = rebuildProjectionKeys('t-ring');
    const projection = createFoldingProjection(redis, keys, { inboxWindow: 4 });
    const inbox = async () => ((await redis.sendCommand(['ZRANGE', keys.inbox, '0', '-1'])) as unknown[]).map(String);
    for (let v = 1; v <= 2; v++) await projection.apply(`r${v}`, { kind: 'upsert', movie: { ...row(v), movieId: 'mr' } });
    await projection.flush();
    expect(await inbox()).toEqual(['r1', 'r2']);
    // Seven more: the ring wraps; only the last four leave the process, oldest first.
    for (let v = 3; v <= 9; v++) await projection.apply(`r${v}`, { kind: 'upsert', movie: { ...row(v), movieId: 'mr' } });
    await projection.flush();
    expect(await inbox()).toEqual(['r6', 'r7', 'r8', 'r9']);
    await projection.apply('r10', { kind: 'upsert', movie: { ...row(10), movieId: 'mr' } });
    await projection.flush();
    expect(await inbox()).toEqual(['r7', 'r8', 'r9', 'r10']);
    expect(projection.inboxSize).toBe(4);
  });

  it('a fold computes a given digest function only for the event its row ends with, or a redelivery', async () => {
    const projection = createFoldingProjection(redis, rebuildProjectionKeys('t-lazy'));
    const computed: string[] = [];
    const digestOf = (id: string) => () => (computed.push(id), `digest-${id}`);
    for (let v = 1; v <= 3; v++) await projection.apply(`d${v}`, { kind: 'upsert', movie: { ...row(v), movieId: 'md' } }, digestOf(`d${v}`));
    expect(computed).toEqual([]);
    // The same id with other content is told apart by the digests: both are computed now.
    expect(await projection.apply('d3', { kind: 'upsert', movie: { ...row(3), movieId: 'md' } }, digestOf('d3-forged'))).toBe('tampered');
    expect(computed).toEqual(['d3', 'd3-forged']);
    expect(await projection.apply('d4', { kind: 'upsert', movie: { ...row(4), movieId: 'md' } }, digestOf('d4'))).toBe('applied');
    expect(await projection.get('md')).toMatchObject({ version: 4, lastEventId: 'd4', lastDigest: 'digest-d4' });
    expect(computed).toEqual(['d3', 'd3-forged', 'd4']);
  });

  it('a fold\'s id window answers exactly as a list of its last ids would, through wrap-around and probe chains', () => {
    // Small windows keep the table small, so probe chains collide and wrap: every removal shifts entries back.
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (const size of [1, 2, 3, 5, 8, 13, 64]) {
      const ids = new IdWindow(size);
      const model: string[] = [];
      const pool = Array.from({ length: size * 3 }, (_, i) => `id-${size}-${i}`);
      for (let step = 0; step < 2000; step++) {
        const id = pool[Math.floor(random() * pool.length)]!;
        expect(ids.has(id), `window ${size} step ${step}: ${id}`).toBe(model.includes(id));
        if (!model.includes(id)) {
          ids.add(id);
          model.push(id);
          if (model.length > size) model.shift();
        }
        expect(ids.size).toBe(model.length);
      }
      for (const id of pool) expect(ids.has(id)).toBe(model.includes(id));
      expect(ids.newest(size + 5)).toEqual(model);
      expect(ids.newest(2)).toEqual(model.slice(-2));
    }
  });
});
