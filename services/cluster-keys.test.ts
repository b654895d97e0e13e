// The services' keys on a real Redis Cluster (3 masters, 1 replica each): Catalog's movies spread over
// four partitions of catalog.movie.v1, each command one Redis Function on one slot, the movie list paged
// across the partitions with a cursor; Sales' purchase in its movie's partition and Reporting's ledger
// in its one tag; the function libraries on every master; the consumer groups on every partition stream. One cluster for
// the whole file. The single-node keys are checked unchanged without Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedisCluster, type TestRedisCluster } from '../test/support/redis.ts';
import {
  createOutboxRelay, keySlot, layoutOutboxKeys, partitionOf, partitionStreamKey, sendToEveryMaster, type RedisConnection,
} from 'herald/runtime';
import type { RedisCluster } from '../src/cli/redis-cluster.ts';
import { consumerGroups, createConsumerGroups, type ServiceAccess } from '../src/cli/redis-acl.ts';
import { createCatalogService } from '../generated/services/catalog.ts';
import { createSalesService } from '../generated/services/sales.ts';
import { createMovieCommands } from './catalog/commands.ts';
import { catalogKeys, catalogKeysFor, catalogLayout, createMovieEventStore } from './catalog/event-store.ts';
import { createMovieProjection, purchaseIdFor, salesKeys, salesKeysFor, salesLayout } from './sales/projection.ts';
import { createPurchaseService } from './sales/purchases.ts';
import { runRebuildCommand } from './sales/replay.ts';
import { catalogMovie } from '../generated/channels/catalog-movie.ts';
import { Writable } from 'node:stream';
import { createRevenueLedger, reportingKeys, reportingKeysFor, reportingLayout } from './reporting/ledger.ts';


describe('service keys on one node', () => {
  it('are the keys they were: no hash tag with one partition and no cluster', () => {
    expect([catalogKeys.events('m1'), catalogKeys.snapshots('m1'), catalogKeys.current(0), catalogKeys.index(0), catalogKeys.seq(0), catalogKeys.outbox(0)])
      .toEqual(['catalog:movie:m1:events', 'catalog:movie:m1:snapshots', 'catalog:movies:current', 'catalog:movies:index', 'catalog:movies:seq', 'catalog:outbox']);
    expect([salesKeys.live.movies, salesKeys.live.index, salesKeys.live.inbox, salesKeys.purchase('p1'), salesKeys.outbox, salesKeys.rebuild('t').movies, salesKeys.rebuild('t').index, salesKeys.rebuild('t').inbox])
      .toEqual(['sales:movies', 'sales:movies:index', 'sales:inbox:window', 'sales:purchase:p1', 'sales:outbox', 'sales:rebuild:t:movies', 'sales:rebuild:t:index', 'sales:rebuild:t:inbox']);
    // The partition-aware names give the same keys with one partition, whatever the movie or purchase.
    expect(salesKeys.layout.partitions).toBe(1);
    expect(salesKeys.inPartition(salesKeys.partition('movie-42')).live).toEqual(salesKeys.live);
    expect(salesKeys.liveSpace.keys(0)).toEqual(salesKeys.live);
    expect(salesKeys.outboxes).toEqual(['sales:outbox']);
    expect([reportingKeys.movie('m1'), reportingKeys.movies, reportingKeys.purchases, reportingKeys.inbox])
      .toEqual(['reporting:movie:m1', 'reporting:movies', 'reporting:purchases', 'reporting:inbox:window']);
  });

  it('tag every key of a movie with its partition when the channel has partitions', () => {
    const keys = catalogKeysFor(catalogLayout({ partitions: 8 }));
    // docs/scale-out.md's worked example: crc32("movie-42") mod 8 = 2.
    expect(keys.events('movie-42')).toBe('catalog:{catalog.movie.v1#2}:movie:movie-42:events');
    expect(keys.outbox(2)).toBe('catalog:outbox:{catalog.movie.v1#2}');
    expect(keys.current(2)).toBe('catalog:{catalog.movie.v1#2}:movies:current');
  });

  it('tag every Sales key of a movie with its catalog.movie.v1 partition, and draw purchase ids into it', () => {
    const keys = salesKeysFor(salesLayout({ partitions: 8 }));
    expect(keys.partition('movie-42')).toBe(2);
    expect(keys.inPartition(2).live).toEqual({ movies: 'sales:{catalog.movie.v1#2}:movies', index: 'sales:{catalog.movie.v1#2}:movies:index', inbox: 'sales:{catalog.movie.v1#2}:inbox:window' });
    expect(keys.inPartition(2).rebuild('t').movies).toBe('sales:{catalog.movie.v1#2}:rebuild:t:movies');
    expect(keys.inPartition(2).outbox).toBe('sales:outbox:{catalog.movie.v1#2}');
    expect(keys.outboxes).toHaveLength(8);
    for (let i = 0; i < 20; i++) {
      const purchaseId = purchaseIdFor(keys, 'movie-42');
      expect(keys.partition(purchaseId)).toBe(2);
      expect(keys.purchase(purchaseId)).toBe(`sales:{catalog.movie.v1#2}:purchase:${purchaseId}`);
    }
    // One node, one partition: the first draw is taken and the key is today's.
    expect(salesKeys.purchase(purchaseIdFor(salesKeys, 'movie-42'))).toMatch(/^sales:purchase:[0-9a-f-]{36}$/);
  });
});

describe('services on a Redis Cluster', () => {
  let started: TestRedisCluster | undefined;
  let cluster: RedisCluster;
  let redis: RedisConnection;

  beforeAll(async () => {
    started = await startTestRedisCluster();
    ({ cluster, redis } = started);
  }, 60_000);
  afterAll(() => started?.cleanup());

  it('has every service library on every master', async () => {
    const names = (await sendToEveryMaster(redis, ['FUNCTION', 'LIST'])).map((reply) => JSON.stringify(reply, (_, v) => (Buffer.isBuffer(v) || v?.type === 'Buffer' ? String(Buffer.from(v)) : v)));
    expect(names.length).toBe(3);
    for (const listing of names) for (const library of ['herald', 'catalog', 'sales', 'reporting']) expect(listing).toContain(`"${library}"`);
  });

  it('runs Catalog on four partitions: one slot per command, the list paged across partitions', async () => {
    const layout = catalogLayout({ cluster: true, partitions: 4 });
    const keys = catalogKeysFor(layout);
    const store = createMovieEventStore(redis, { snapshotEvery: 2, layout });
    const commands = createMovieCommands(store, createCatalogService(redis).producers.catalogMovie);
    const created = [];
    for (let i = 0; i < 13; i++) created.push(await commands.create({ title: `Film ${i}`, price: { currencyCode: 'EUR', amountMinor: 100n + BigInt(i) }, genres: [], releaseYear: 2000 + i }));
    const byPartition = new Set(created.map((m) => partitionOf(m.movieId, 4)));
    expect(byPartition.size).toBeGreaterThan(1);
    // Update every movie twice (a snapshot at version 2), all on its partition's slot.
    for (const movie of created) {
      const p = partitionOf(movie.movieId, 4);
      for (const key of [keys.events(movie.movieId), keys.snapshots(movie.movieId), keys.current(p), keys.index(p), keys.seq(p)]) expect(keySlot(key)).toBe(keySlot(keys.outbox(p)));
      await commands.update(movie.movieId, 1, { title: `${movie.title} (cut)` });
      await commands.retire(movie.movieId, 'gone', 2);
    }
    expect((await store.load(created[5]!.movieId))).toMatchObject({ version: 3, status: 'retired', title: 'Film 5 (cut)' });

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.list({ limit: 4, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((m) => m.movieId));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 20);
    expect(seen.sort()).toEqual(created.map((m) => m.movieId).sort());

    // Every committed event is in the outbox of its movie's partition: 13 movies × 3 events.
    const outboxes = await Promise.all(layoutOutboxKeys(layout).map(async (key) => Number(await redis.sendCommand(['XLEN', key]))));
    expect(outboxes.reduce((a, b) => a + b, 0)).toBe(39);
    for (const [p, length] of outboxes.entries()) expect(length).toBe(3 * created.filter((m) => partitionOf(m.movieId, 4) === p).length);
  });

  it('rebuilds Sales\' projection on the cluster from the relayed channel (REDIS_CLUSTER_URLS)', async () => {
    // Relay the four outbox partitions of the Catalog test above to catalog.movie.v1.
    const layout = catalogLayout({ cluster: true, partitions: 4 });
    const relays = layoutOutboxKeys(layout).map((outboxKey) => createOutboxRelay(redis, { outboxKey, channels: [catalogMovie], blockMs: 50 }));
    for (const relay of relays) await relay.start();
    await expect.poll(async () => Number(await redis.sendCommand(['XLEN', catalogMovie.address])), { timeout: 10_000 }).toBe(39);
    for (const relay of relays) await relay.stop();
    let out = '';
    const io = { stdout: new Writable({ write(chunk, _e, done) { out += String(chunk); done(); } }), stderr: new Writable({ write(_c, _e, done) { done(); } }) };
    expect(await runRebuildCommand([], io, 'redis://127.0.0.1:1', { REDIS_CLUSTER_URLS: cluster.rootUrls.join(',') })).toBe(0);
    expect(out).toMatch(/rebuilt sales projection: 13 movies from 39 events/);
    const rows = await createMovieProjection(redis, salesKeysFor(salesLayout({ cluster: true })).live).all();
    expect(rows).toHaveLength(13);
    expect(rows.every((row) => row.status === 'retired' && row.version === 3)).toBe(true);
  });

  it('runs a Sales purchase in its movie\'s partition tag and Reporting\'s ledger in its one tag', async () => {
    const keys = salesKeysFor(salesLayout({ cluster: true }));
    // Sales follows catalog.movie.v1's partitions (the contract declares one): partition 0's tag.
    expect(keys.live.movies).toBe('sales:{catalog.movie.v1#0}:movies');
    const projection = createMovieProjection(redis, keys.live);
    expect(await projection.apply('e-c1', { kind: 'upsert', movie: { movieId: 'm-c', title: 'Heat', price: { amountMinor: 500n, currencyCode: 'EUR' }, status: 'active', version: 1 } })).toBe('applied');
    const purchases = createPurchaseService(redis, projection, createSalesService(redis).producers.salesPurchase, undefined, keys);
    const purchase = await purchases.buy({ movieId: 'm-c', customerId: 'c1', quantity: 3 });
    expect(purchase.total.amountMinor).toBe(1500n);
    expect(await purchases.get(purchase.purchaseId)).toEqual(purchase);
    expect(Number(await redis.sendCommand(['XLEN', keys.outbox]))).toBe(1);

    const ledger = createRevenueLedger(redis, { keys: reportingKeysFor(reportingLayout({ cluster: true })) });
    const line = { purchaseId: purchase.purchaseId, movieId: 'm-c', title: 'Heat', quantity: 3, currencyCode: 'EUR', amountMinor: 1500n, purchasedAt: purchase.purchasedAt };
    expect(await ledger.record(purchase.eventId, line)).toBe('applied');
    expect(await ledger.record(purchase.eventId, line)).toBe('duplicate');
    expect(await ledger.get('m-c')).toMatchObject({ quantity: 3, purchases: 1, revenue: [{ currencyCode: 'EUR', amountMinor: 1500n }] });
  });

  it('confirms a commit on the replicas with WAIT, and reports one no replica confirmed as failed', async () => {
    const store = createMovieEventStore(redis, { snapshotEvery: 0, layout: catalogLayout({ cluster: true }), waitForReplicas: { replicas: 1, timeoutMs: 2000 } });
    const commands = createMovieCommands(store, createCatalogService(redis).producers.catalogMovie);
    const movie = await commands.create({ title: 'Replicated', price: { currencyCode: 'EUR', amountMinor: 1n }, genres: [], releaseYear: 2001 });
    expect((await store.load(movie.movieId))?.version).toBe(1);
    // Two replicas are asked for, each master has one: the write is on the master, but reported failed.
    const greedy = createMovieCommands(createMovieEventStore(redis, { snapshotEvery: 0, layout: catalogLayout({ cluster: true }), waitForReplicas: { replicas: 2, timeoutMs: 100 } }), createCatalogService(redis).producers.catalogMovie);
    await expect(greedy.update(movie.movieId, 1, { title: 'Twice' })).rejects.toMatchObject({ code: 'HERALD_ERR_NOT_REPLICATED' });
  });

  it('creates a consumer group on every partition stream of a partitioned channel', async () => {
    const access: ServiceAccess[] = [{ name: 'shipping', keyPrefix: 'shipping', redisCommands: [], sends: [], receives: ['shop.orders.v1'], partitions: { 'shop.orders.v1': 3 } }];
    expect(consumerGroups(access).map((g) => g.stream)).toEqual(['{shop.orders.v1#0}', '{shop.orders.v1#1}', '{shop.orders.v1#2}']);
    expect(await createConsumerGroups(redis, access)).toHaveLength(3);
    for (let p = 0; p < 3; p++) {
      const groups = JSON.stringify(await redis.sendCommand(['XINFO', 'GROUPS', partitionStreamKey('shop.orders.v1', p, 3)]), (_, v) => (v?.type === 'Buffer' ? String(Buffer.from(v)) : v));
      expect(groups).toContain('shipping');
    }
  });
});
