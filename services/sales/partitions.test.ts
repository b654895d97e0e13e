// Sales on four partitions of catalog.movie.v1 on a real Redis Cluster (3 masters, 1 replica each): each
// movie's row, index entry and inbox entry in its partition's slot, a purchase with its movie (found from
// its id alone, its outbox entry in the movie's outbox partition, relayed from every partition), the
// projection paged across partitions with a cursor, the live partitioned consumer and the per-partition
// parallel rebuild giving the same rows, the drift check across partitions, and a rebuild whose one failed
// partition fails it all. The repository's contract declares one partition; this is the 4-partition variant.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedisCluster, type TestRedisCluster } from '../../test/support/redis.ts';
import {
  closeConnection, connectRedis, connectRedisCluster, createOutboxRelay, createPartitionedConsumer, keySlot, layoutOutboxKeys, partitionOf, partitionStreamKey, sendToEveryMaster, servicePartitionKey, type RedisConnection,
} from 'herald/runtime';
import { parseClusterNodes, type RedisCluster } from '../../src/cli/redis-cluster.ts';
import { catalogMovie } from '../../generated/channels/catalog-movie.ts';
import { salesPurchase } from '../../generated/channels/sales-purchase.ts';
import { createCatalogService } from '../../generated/services/catalog.ts';
import { createSalesService } from '../../generated/services/sales.ts';
import { createMovieCommands } from '../catalog/commands.ts';
import { catalogLayout, createMovieEventStore } from '../catalog/event-store.ts';
import type { MovieState } from '../catalog/movie.ts';
import { checkDrift, type CatalogReader } from './drift.ts';
import { createCatalogMovieHandlers } from './handlers.ts';
import { createMovieProjection, salesKeysFor, salesLayout, type ProjectedMovie } from './projection.ts';
import { createPurchaseService } from './purchases.ts';
import { rebuildProjection } from './replay.ts';

const PARTITIONS = 4;
/** catalog.movie.v1 as a contract declaring four partitions would generate it. */
const channel = { ...catalogMovie, partitions: PARTITIONS };
const keys = salesKeysFor(salesLayout({ cluster: true, partitions: PARTITIONS }));
const partitionSlot = (p: number) => keySlot(partitionStreamKey(catalogMovie, p, PARTITIONS));
const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

let started: TestRedisCluster | undefined;
let cluster: RedisCluster;
let redis: RedisConnection;

beforeAll(async () => {
  started = await startTestRedisCluster();
  ({ cluster, redis } = started);
}, 60_000);
afterAll(() => started?.cleanup());

/** Movie ids, drawn until every partition holds at least two. */
function movieIdsOnEveryPartition(): string[] {
  const ids: string[] = [];
  const count = new Array<number>(PARTITIONS).fill(0);
  while (count.some((n) => n < 2)) {
    const id = randomUUID();
    ids.push(id);
    count[partitionOf(id, PARTITIONS)]! += 1;
  }
  return ids;
}

const movie = (movieId: string, version: number, title = `Film ${movieId.slice(0, 4)}`): ProjectedMovie => ({
  movieId, title, price: { amountMinor: 250n, currencyCode: 'EUR' }, status: 'active', version,
});

/** Every key matching `pattern` on every master. */
async function keysEverywhere(pattern: string): Promise<string[]> {
  return (await sendToEveryMaster(redis, ['KEYS', pattern])).flatMap((reply) => (reply as unknown[]).map(String));
}

/** Every live key of every partition: movies, index, inbox. */
const liveKeys = () => Array.from({ length: PARTITIONS }, (_, p) => Object.values(keys.inPartition(p).live)).flat();

describe('Sales on four partitions of catalog.movie.v1 on a Redis Cluster', () => {
  const ids = movieIdsOnEveryPartition();
  const live = () => createMovieProjection(redis, keys.liveSpace);

  it('applies each catalog event in its movie\'s partition: row, index and inbox entry on that partition\'s slot', async () => {
    const projection = live();
    for (const [i, movieId] of ids.entries()) expect(await projection.apply(`e-${i}`, { kind: 'upsert', movie: movie(movieId, 1) })).toBe('applied');
    for (const [i, movieId] of ids.entries()) {
      const p = partitionOf(movieId, PARTITIONS);
      const own = keys.inPartition(p);
      expect(projection.keysOf(movieId)).toEqual(own.live);
      for (const key of [...Object.values(own.live), own.outbox]) expect(keySlot(key)).toBe(partitionSlot(p));
      expect(Number(await redis.sendCommand(['HEXISTS', own.live.movies, movieId]))).toBe(1);
      expect(await redis.sendCommand(['ZSCORE', own.live.index, movieId])).not.toBeNull();
      expect(await redis.sendCommand(['ZSCORE', own.live.inbox, `e-${i}`])).not.toBeNull();
      for (let q = 0; q < PARTITIONS; q++) {
        if (q !== p) expect(Number(await redis.sendCommand(['HEXISTS', keys.inPartition(q).live.movies, movieId]))).toBe(0);
      }
      expect(await projection.get(movieId)).toMatchObject({ movieId, version: 1 });
    }
    // The same event again is a duplicate, found in its partition's inbox.
    expect(await projection.apply('e-0', { kind: 'upsert', movie: movie(ids[0]!, 1) })).toBe('duplicate');
    expect((await projection.all()).map((row) => row.movieId)).toEqual([...ids].sort());
  });

  it('buys in the movie\'s partition: row check, purchase and outbox entry on one slot, the purchase found by its id, every outbox partition relayed', async () => {
    const purchases = createPurchaseService(redis, live(), createSalesService(redis).producers.salesPurchase, undefined, keys);
    const bought = [];
    for (const movieId of ids) {
      const purchase = await purchases.buy({ movieId, customerId: 'c1', quantity: 2 });
      const p = partitionOf(movieId, PARTITIONS);
      expect(keys.partition(purchase.purchaseId)).toBe(p);
      expect(keySlot(keys.purchase(purchase.purchaseId))).toBe(partitionSlot(p));
      expect(Number(await redis.sendCommand(['EXISTS', keys.purchase(purchase.purchaseId)]))).toBe(1);
      expect(await purchases.get(purchase.purchaseId)).toEqual(purchase);
      bought.push({ p, purchase });
    }
    expect(await purchases.get(randomUUID())).toBeUndefined();
    for (let p = 0; p < PARTITIONS; p++) {
      expect(Number(await redis.sendCommand(['XLEN', keys.inPartition(p).outbox]))).toBe(bought.filter((b) => b.p === p).length);
    }
    // One relay per outbox partition (as app.ts runs them) publishes every purchase to sales.purchase.v1.
    const relays = keys.outboxes.map((outboxKey) => createOutboxRelay(redis, { outboxKey, channels: [salesPurchase], blockMs: 50 }));
    for (const relay of relays) await relay.start();
    await expect.poll(async () => Number(await redis.sendCommand(['XLEN', salesPurchase.address])), { timeout: 10_000 }).toBe(ids.length);
    for (const relay of relays) await relay.stop();
    for (const outbox of keys.outboxes) expect(Number(await redis.sendCommand(['XLEN', outbox]))).toBe(0);
  });

  it('pages across the partitions: every movie exactly once, partition by partition, with <partition>.<movieId> cursors', async () => {
    const projection = live();
    const inOrder = [...ids].sort((a, b) => partitionOf(a, PARTITIONS) - partitionOf(b, PARTITIONS) || (a < b ? -1 : 1));
    for (const limit of [1, 3, ids.length, 100]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await projection.page({ limit, ...(cursor ? { after: cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.items.map((row) => row.movieId));
        cursor = page.nextCursor;
        if (cursor) expect(cursor).toMatch(new RegExp(`^[0-3]\\.${uuid}$`));
        pages += 1;
      } while (cursor && pages < 100);
      expect(seen).toEqual(inOrder);
    }
  });

  it('rebuilds every partition from its stream in parallel: the live consumer\'s rows, newer live rows kept, no scratch key left, no drift', async () => {
    // Start from an empty projection: the movies now come from Catalog through the 4-partition channel.
    await Promise.all(liveKeys().map((key) => redis.sendCommand(['DEL', key])));
    const store = createMovieEventStore(redis, { snapshotEvery: 0, layout: catalogLayout({ cluster: true, partitions: PARTITIONS }) });
    const commands = createMovieCommands(store, createCatalogService(redis).producers.catalogMovie);
    const created: MovieState[] = [];
    const perPartition = new Array<number>(PARTITIONS).fill(0);
    for (let i = 0; perPartition.some((n) => n < 2) && i < 200; i++) {
      const state = await commands.create({ title: `Film ${i}`, price: { currencyCode: 'EUR', amountMinor: 100n + BigInt(i) }, genres: [], releaseYear: 2000 });
      created.push(state);
      perPartition[partitionOf(state.movieId, PARTITIONS)]! += 1;
    }
    for (const [i, state] of created.entries()) {
      await commands.update(state.movieId, 1, { title: `${state.title} (cut)` });
      if (i % 3 === 0) await commands.retire(state.movieId, 'gone', 2);
    }
    const events = created.length * 2 + created.filter((_, i) => i % 3 === 0).length;
    // Catalog's relays (one per outbox partition) publish to the four partition streams.
    const relays = layoutOutboxKeys(catalogLayout({ cluster: true, partitions: PARTITIONS })).map((outboxKey) => createOutboxRelay(redis, { outboxKey, channels: [channel], blockMs: 50 }));
    for (const relay of relays) await relay.start();
    const streamLengths = () => Promise.all(Array.from({ length: PARTITIONS }, async (_, p) => Number(await redis.sendCommand(['XLEN', partitionStreamKey(catalogMovie, p, PARTITIONS)]))));
    await expect.poll(async () => (await streamLengths()).reduce((a, b) => a + b, 0), { timeout: 10_000 }).toBe(events);
    for (const relay of relays) await relay.stop();
    expect((await streamLengths()).every((n) => n > 0)).toBe(true);

    // The live consumer: what the generated facade gives a partitioned channel, with Sales' handlers.
    const consumer = createPartitionedConsumer(redis, channel, {
      group: 'sales', consumer: 'sales-1', handlers: createCatalogMovieHandlers(live()),
      config: { blockMs: 50, retryBackoffMs: 5, claimIntervalMs: 50, minIdleMs: 200 }, sessionTimeoutMs: 1500, heartbeatMs: 300,
    });
    await consumer.start();
    const finalVersion = (i: number) => (i % 3 === 0 ? 3 : 2);
    await expect.poll(async () => {
      const rows = await live().all();
      return rows.length === created.length && created.every((state, i) => rows.find((row) => row.movieId === state.movieId)?.version === finalVersion(i));
    }, { timeout: 15_000 }).toBe(true);
    await consumer.stop();
    const liveRows = await live().all();

    // A row lost from partition p's keys comes back; a row the live consumer took past the replay's end stays.
    const lost = created[1]!.movieId;
    const ahead = created[2]!;
    await redis.sendCommand(['HDEL', keys.inPartition(keys.partition(lost)).live.movies, lost]);
    const newer = { ...liveRows.find((row) => row.movieId === ahead.movieId)!, version: 3, title: 'Newer than the replay' };
    expect(await live().apply(randomUUID(), { kind: 'upsert', movie: { movieId: newer.movieId, title: newer.title, price: newer.price, status: newer.status, version: 3 } })).toBe('applied');

    const result = await rebuildProjection(redis, { partitions: PARTITIONS });
    expect(result).toMatchObject({ applied: events, skipped: 0, gaps: 0, refused: 0, keptNewer: 1, movies: created.length, partitions: PARTITIONS });
    const rebuilt = await live().all();
    const strip = (row: ProjectedMovie) => ({ movieId: row.movieId, title: row.title, price: row.price, status: row.status, version: row.version });
    expect(rebuilt.map(strip)).toEqual(liveRows.map((row) => (row.movieId === ahead.movieId ? strip({ ...row, ...newer }) : strip(row))));
    // Swapped per partition: each partition's keys hold exactly its movies; the scratch keys are gone.
    for (let p = 0; p < PARTITIONS; p++) {
      const own = keys.inPartition(p).live;
      expect(Number(await redis.sendCommand(['HLEN', own.movies]))).toBe(perPartition[p]);
      expect(Number(await redis.sendCommand(['ZCARD', own.index]))).toBe(perPartition[p]);
    }
    expect(await keysEverywhere('sales:*rebuild*')).toEqual([]);

    // The drift check reads every partition: only the row ahead of Catalog differs, and a repair fixes it.
    const catalog = storeReader(store);
    const report = await checkDrift(redis, catalog, { keys: keys.liveSpace, settleMs: 10 });
    expect(report).toMatchObject({ catalogMovies: created.length, projectionMovies: created.length, unrepaired: 1 });
    expect(new Set(report.differences.map((d) => d.movieId))).toEqual(new Set([ahead.movieId]));
    expect((await checkDrift(redis, catalog, { keys: keys.liveSpace, settleMs: 10, repair: true })).repaired).toBe(1);
    expect((await checkDrift(redis, catalog, { keys: keys.liveSpace, settleMs: 10 })).differences).toEqual([]);
  });

  it('keeps applying with WAIT after its partition\'s slot moved to another master (a pipeline\'s MOVED refreshes the slot map)', async () => {
    // With WAIT, sales_apply and WAIT go in one pipeline, which node-redis does not redirect by itself.
    const projection = createMovieProjection(redis, keys.liveSpace, { waitForReplicas: { replicas: 1, timeoutMs: 2000 } });
    const movieId = ids.find((id) => partitionOf(id, PARTITIONS) === 1)!;
    const own = keys.inPartition(1).live;
    await redis.sendCommand(['HDEL', own.movies, movieId]);
    expect(await projection.apply(randomUUID(), { kind: 'upsert', movie: movie(movieId, 1) })).toBe('applied');
    const to = await moveSlot(partitionSlot(1));
    // The client still maps the slot to the old master: the pipeline meets MOVED, the map is refreshed and
    // the pipeline is sent again to the new master, where the row now is.
    expect(await projection.apply(randomUUID(), { kind: 'upsert', movie: movie(movieId, 2, 'Moved') })).toBe('applied');
    const node = await connectRedis(`redis://127.0.0.1:${to}`, { name: 'moved-slot' });
    try {
      expect(String(await node.sendCommand(['HGET', own.movies, movieId]))).toContain('"version":2');
    } finally {
      await closeConnection(node);
    }
  });

  it('fails the whole rebuild when one partition fails: nothing swapped, every scratch key deleted', async () => {
    // A user that may HSET every partition's Sales keys but partition 2's: that partition's fold fails
    // when it writes its scratch rows, after the other partitions have written theirs.
    const partitionKeys = (p: number) => servicePartitionKey(keys.layout, p, '*');
    expect(partitionKeys(2)).toBe('sales:{catalog.movie.v1#2}:*');
    await sendToEveryMaster(redis, ['ACL', 'SETUSER', 'rebuilder', 'reset', 'on', '>pw', '+@all', '-hset', '~*', '&*', `(+hset ${[0, 1, 3].map((p) => `~${partitionKeys(p)}`).join(' ')})`]);
    // A row lost from every other partition: a partition swapped in anyway would bring its row back.
    for (const p of [0, 1, 3]) {
      const own = keys.inPartition(p).live;
      const [movieId] = ((await redis.sendCommand(['ZRANGE', own.index, '0', '0'])) as unknown[]).map(String);
      expect(Number(await redis.sendCommand(['HDEL', own.movies, movieId!]))).toBe(1);
    }
    const dump = () => Promise.all(liveKeys().map(async (key) => ((await redis.sendCommand(['DUMP', key])) as Buffer | null)?.toString('base64') ?? null));
    const before = await dump();
    expect(before.every((value) => value !== null)).toBe(true);
    const rebuilder = await connectRedisCluster(cluster.rootUrls, { username: 'rebuilder', password: 'pw' });
    try {
      await expect(rebuildProjection(rebuilder, { partitions: PARTITIONS })).rejects.toThrow(/NOPERM/);
    } finally {
      await closeConnection(rebuilder);
    }
    expect(await dump()).toEqual(before);
    expect(await keysEverywhere('sales:*rebuild*')).toEqual([]);
  });
});

/** Catalog's state as the drift check reads it: its store, paged across its partitions. */
/** Moves one slot to another master by hand (IMPORTING, MIGRATING, MIGRATE its keys, SETSLOT NODE); returns the new master's port. */
async function moveSlot(slot: number): Promise<number> {
  const on = async <T>(port: number, work: (node: RedisConnection) => Promise<T>): Promise<T> => {
    const node = await connectRedis(`redis://127.0.0.1:${port}`, { name: 'move-slot' });
    try {
      return await work(node);
    } finally {
      await closeConnection(node);
    }
  };
  const masters = parseClusterNodes(String(await on(cluster.nodes[0]!.port, (node) => node.sendCommand(['CLUSTER', 'NODES'])))).filter((n) => n.flags.includes('master'));
  const owns = (slots: string[]) => slots.some((range) => {
    const [from, to = from] = range.split('-').map(Number);
    return slot >= from! && slot <= to!;
  });
  const source = masters.find((n) => owns(n.slots))!;
  const target = masters.find((n) => n !== source)!;
  await on(target.port, (node) => node.sendCommand(['CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', source.id]));
  await on(source.port, async (node) => {
    await node.sendCommand(['CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', target.id]);
    for (;;) {
      const keys = ((await node.sendCommand(['CLUSTER', 'GETKEYSINSLOT', String(slot), '100'])) as unknown[]).map(String);
      if (keys.length === 0) break;
      await node.sendCommand(['MIGRATE', '127.0.0.1', String(target.port), '', '0', '5000', 'KEYS', ...keys]);
    }
  });
  for (const master of [target, source, ...masters.filter((n) => n !== source && n !== target)]) {
    await on(master.port, (node) => node.sendCommand(['CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id]));
  }
  return target.port;
}

function storeReader(store: ReturnType<typeof createMovieEventStore>): CatalogReader {
  const projected = (state: MovieState): ProjectedMovie => ({ movieId: state.movieId, title: state.title, price: state.price, status: state.status, version: state.version });
  return {
    async *list() {
      let cursor: string | undefined;
      do {
        const page = await store.list({ limit: 3, ...(cursor ? { cursor } : {}) });
        for (const state of page.items) yield projected(state);
        cursor = page.nextCursor;
      } while (cursor);
    },
    async get(movieId) {
      const state = await store.load(movieId);
      return state ? projected(state) : undefined;
    },
  };
}
