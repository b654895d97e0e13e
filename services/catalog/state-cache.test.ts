// The command path's state cache: one round trip per command when the cache is right, and the stored
// state (never the cached guess) decides whenever another writer made it stale.
import { afterAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { RedisConnection } from 'herald/runtime';
import { redisTest } from '../../test/support/redis-fixture.ts';
import { createCatalogService } from '../../generated/services/catalog.ts';
import { buildApp } from './app.ts';
import { createMovieCommands, type MovieCommands } from './commands.ts';
import { loadCatalogConfig } from './config.ts';
import { createMovieEventStore, type MovieEventStore } from './event-store.ts';
import { createMovieStateCache } from './state-cache.ts';
import type { MovieState } from './movie.ts';

let redis: RedisConnection;
let app: FastifyInstance;
const dune = { title: 'Dune', price: { currencyCode: 'EUR', amountMinor: 1299n }, genres: [], releaseYear: 2021 };

redisTest.beforeAll(async ({ redisServer, redis: connection }) => {
  redis = connection;
  app = await buildApp(loadCatalogConfig({ REDIS_URL: redisServer.url, LOG_LEVEL: 'silent', ROLES: 'api' }, []));
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

/** A Catalog instance of its own (own cache), counting the loads it makes from Redis. */
function instance(capacity = 100): { commands: MovieCommands; loads: () => number } {
  const store = createMovieEventStore(redis, { snapshotEvery: 3 });
  let loads = 0;
  const counting: MovieEventStore = { ...store, load: (id) => (loads++, store.load(id)) };
  const commands = createMovieCommands(counting, createCatalogService(redis).producers.catalogMovie, { cache: createMovieStateCache(capacity) });
  return { commands, loads: () => loads };
}

const stored = async (id: string) => (await app.inject(`/movies/${id}`)).json() as { version: number; title: string; status: string };

describe('movie state cache', () => {
  it('keeps at most its capacity, dropping the least recently used', () => {
    const cache = createMovieStateCache(2);
    const state = (movieId: string) => ({ movieId, version: 1 }) as MovieState;
    cache.set(state('a'));
    cache.set(state('b'));
    cache.get('a');
    cache.set(state('c'));
    expect([cache.get('a')?.movieId, cache.get('b'), cache.get('c')?.movieId, cache.size]).toEqual(['a', undefined, 'c', 2]);
    const none = createMovieStateCache(0);
    none.set(state('a'));
    expect(none.get('a')).toBeUndefined();
  });

  it('lets a command after a command on the same movie skip loading it', async () => {
    const a = instance();
    const created = await a.commands.create(dune);
    await a.commands.update(created.movieId, 1, { title: 'Dune I' });
    await a.commands.update(created.movieId, 2, { title: 'Dune II' });
    await a.commands.retire(created.movieId, 'gone', 3);
    expect(a.loads()).toBe(0);
    expect(await stored(created.movieId)).toMatchObject({ version: 4, title: 'Dune II', status: 'retired' });
  });

  it('accepts the version another instance wrote although its own cache is behind', async () => {
    const a = instance();
    const b = instance();
    const created = await a.commands.create(dune);
    await b.commands.update(created.movieId, 1, { title: 'Dune by B' });
    // A still caches version 1; the client knows version 2 and is right.
    const after = await a.commands.update(created.movieId, 2, { title: 'Dune by A' });
    expect(after).toMatchObject({ version: 3, title: 'Dune by A' });
    expect(await stored(created.movieId)).toMatchObject({ version: 3, title: 'Dune by A' });
  });

  it('answers 409 with the stored version when a stale cache matched the client', async () => {
    const a = instance();
    const b = instance();
    const created = await a.commands.create(dune);
    await b.commands.update(created.movieId, 1, { title: 'Dune by B' });
    // A's cache and the client both say version 1: the append refuses it, the reload names version 2.
    await expect(a.commands.update(created.movieId, 1, { title: 'Dune by A' })).rejects.toMatchObject({
      code: 'HERALD_ERR_VERSION_CONFLICT', details: { currentVersion: 2 },
    });
    // A no-op from the stale cache is not answered as a success either.
    await expect(b.commands.update(created.movieId, 1, { title: 'Dune by B' })).rejects.toMatchObject({ code: 'HERALD_ERR_VERSION_CONFLICT' });
    expect(await stored(created.movieId)).toMatchObject({ version: 2, title: 'Dune by B' });
  });

  it('retires without expectedVersion on the stored state when the cache is behind', async () => {
    const a = instance();
    const b = instance();
    const created = await a.commands.create(dune);
    await b.commands.update(created.movieId, 1, { title: 'Dune by B' });
    expect(await a.commands.retire(created.movieId, 'gone', undefined)).toMatchObject({ version: 3, status: 'retired', title: 'Dune by B' });
  });

  it('answers 404 for a cached movie whose keys are gone', async () => {
    const a = instance();
    const created = await a.commands.create(dune);
    const keys = (await redis.sendCommand(['KEYS', `catalog:movie:${created.movieId}:*`])) as string[];
    await redis.sendCommand(['DEL', ...keys]);
    await expect(a.commands.update(created.movieId, 1, { title: 'Dune I' })).rejects.toMatchObject({ code: 'HERALD_ERR_NOT_FOUND' });
  });
});
