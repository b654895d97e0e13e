import { describe, expect, it } from 'vitest';
import type { RedisConnection } from 'herald/runtime';
import { redisTest } from '../../test/support/redis-fixture.ts';
import { catalogKeys, createMovieEventStore } from './event-store.ts';
import { applyEvent, decideCreate, decideUpdate, type MovieFields, type MovieState, type StoredMovieEvent } from './movie.ts';

let redis: RedisConnection;

redisTest.beforeAll(({ redis: connection }) => {
  redis = connection;
});

const fields: MovieFields = { title: 'Heat', price: { currencyCode: 'EUR', amountMinor: 799n }, genres: [], releaseYear: 1995 };

async function seed(store: ReturnType<typeof createMovieEventStore>, movieId: string, updates: number, start = Date.parse('2026-01-01T00:00:00Z')) {
  let state: MovieState | undefined;
  const at = (i: number) => new Date(start + i * 60_000).toISOString();
  const first = { ...decideCreate(movieId, fields, at(0)), eventId: `${movieId}-1` } as StoredMovieEvent;
  state = applyEvent(undefined, first);
  await store.append(first, state, ['id', first.eventId]);
  for (let i = 1; i <= updates; i++) {
    const event = { ...decideUpdate(state, { title: `Heat ${i}` }, at(i))!, eventId: `${movieId}-${i + 1}` } as StoredMovieEvent;
    state = applyEvent(state, event);
    await store.append(event, state, ['id', event.eventId]);
  }
  return state;
}

describe('catalog event store', () => {
  it('appends events, snapshots every N and folds back to the same state', async () => {
    const store = createMovieEventStore(redis, { snapshotEvery: 3 });
    const final = await seed(store, 'm-snap', 7);
    expect(await store.load('m-snap')).toEqual(final);
    const snapshots = (await redis.sendCommand(['ZRANGE', catalogKeys.snapshots('m-snap'), '0', '-1', 'WITHSCORES'])) as unknown[];
    expect(snapshots.flat().length / 2).toBe(2); // versions 3 and 6
    expect((await store.history('m-snap')).map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('writes one outbox entry per committed event, in the same script', async () => {
    const before = Number(await redis.sendCommand(['XLEN', catalogKeys.outbox(0)]));
    const store = createMovieEventStore(redis, { snapshotEvery: 0 });
    await seed(store, 'm-outbox', 2);
    expect(Number(await redis.sendCommand(['XLEN', catalogKeys.outbox(0)])) - before).toBe(3);
  });

  it('refuses a stale expected version and writes nothing', async () => {
    const store = createMovieEventStore(redis, { snapshotEvery: 0 });
    const state = await seed(store, 'm-stale', 1);
    const outboxBefore = Number(await redis.sendCommand(['XLEN', catalogKeys.outbox(0)]));
    const stale = { ...decideUpdate({ ...state, version: 1 }, { title: 'Late' }, new Date().toISOString())!, eventId: 'late' } as StoredMovieEvent;
    await expect(store.append(stale, state, ['id', 'late'])).rejects.toMatchObject({ code: 'HERALD_ERR_VERSION_CONFLICT' });
    expect((await store.history('m-stale')).length).toBe(2);
    expect(Number(await redis.sendCommand(['XLEN', catalogKeys.outbox(0)]))).toBe(outboxBefore);
  });

  it('answers the state as of a past time, using snapshots where they help', async () => {
    const store = createMovieEventStore(redis, { snapshotEvery: 2 });
    await seed(store, 'm-asof', 5, Date.parse('2026-02-01T00:00:00Z'));
    expect((await store.loadAsOf('m-asof', new Date('2026-02-01T00:03:30Z')))?.title).toBe('Heat 3');
    expect((await store.loadAsOf('m-asof', new Date('2026-02-01T00:00:00Z')))?.version).toBe(1);
    expect(await store.loadAsOf('m-asof', new Date('2026-01-31T00:00:00Z'))).toBeUndefined();
    expect((await store.loadAsOf('m-asof', new Date('2030-01-01T00:00:00Z')))?.version).toBe(6);
  });

  it('pages the movie list with a cursor in creation order', async () => {
    const store = createMovieEventStore(redis, { snapshotEvery: 0 });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((m) => m.movieId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['m-snap', 'm-outbox', 'm-stale', 'm-asof']);
  });
});
