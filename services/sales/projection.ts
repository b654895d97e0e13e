// Sales' projection of Catalog movies: only what selling needs. The live consumer applies each event
// with one Redis Function (functions.lua: sales_apply) that follows the projection rule
// (projection-rule.ts), updates the row and records the event id in the bounded inbox together. It never
// applies an event twice and never applies one out of order.
//
// Key layout (every key starts with `sales:`; Catalog never reads them), per partition p of
// catalog.movie.v1 (its aggregate is the movie; p = crc32(movieId) mod partitions, partitionOf):
//   sales:movies                 HASH  movieId -> row JSON (rowCodec: {movieId,title,price{amountMinor(string),currencyCode},status,version,lastEventId,lastDigest})
//   sales:movies:index           ZSET  score 0, member movieId: GET /movies pages through it by id (BYLEX), O(page)
//   sales:inbox:window           ZSET  ids of the catalog events applied most recently, cut to INBOX_WINDOW ids
//   sales:rebuild:<n>:*          the same keys, built by a replay before they are swapped in
// With one partition on one node (the default) these are the keys; with more partitions, or on Redis
// Cluster, every key of partition p (these, the purchases of its movies and its outbox partition) embeds
// `{catalog.movie.v1#p}` after `sales:` (stream-names.ts: servicePartitionKey, partitionOutboxKey), so
// each Sales function touches one slot and the partitions spread over the cluster.
import { randomUUID } from 'node:crypto';
import { defaultInboxWindow, fcall, layoutOutboxKeys, partitionOf, partitionOutboxKey, serviceKeyLayout, servicePartitionKey, type RedisConnection, type ServiceKeyLayout, type WaitForReplicas } from 'herald/runtime';
import { catalogMovie } from '../../generated/channels/catalog-movie.ts';
import { text } from '../shared/redis-replies.ts';
import { applyToRow, changeTarget, rowCodec, type ApplyOutcome, type ProjectedMovie, type ProjectionChange } from './projection-rule.ts';

export type { ApplyOutcome, ProjectedMovie, ProjectionChange } from './projection-rule.ts';

/** The keys of one partition of a projection. */
export interface ProjectionKeys {
  movies: string;
  /** Sorted set of every movie id of the partition (all scores 0), so a page of ids is one ZRANGE BYLEX. */
  index: string;
  inbox: string;
}

/** Where a projection lives: one set of keys per partition; a movie's row is in its partition's. */
export interface ProjectionSpace {
  readonly partitions: number;
  /** The partition of a movie id. */
  partition(movieId: string): number;
  keys(partition: number): ProjectionKeys;
}

/** A projection on one set of keys (one partition): scratch keys, tests. */
export function singleSpace(keys: ProjectionKeys): ProjectionSpace {
  return { partitions: 1, partition: () => 0, keys: () => keys };
}

function spaceOf(where: ProjectionKeys | ProjectionSpace): ProjectionSpace {
  return 'partitions' in where ? where : singleSpace(where);
}

/**
 * Sales' layout follows catalog.movie.v1, the channel of its aggregate (the movie): partition p of
 * Sales holds the rows, inbox and index of the movies in that channel's partition p, their purchases and
 * Sales' outbox partition p. Tagged with more than one partition or on a cluster (`partitions` overrides
 * the contract's count: tests).
 */
export function salesLayout(options: { cluster?: boolean; partitions?: number } = {}): ServiceKeyLayout {
  return serviceKeyLayout('sales', { address: catalogMovie.address, partitions: options.partitions ?? catalogMovie.partitions ?? 1 }, options);
}

/**
 * Every key Sales writes, in a layout (the default: today's keys). `live`, `rebuild` and `outbox` at the
 * top are partition 0's, which with one partition are all of them; `inPartition(p)` gives any partition's.
 */
export function salesKeysFor(layout: ServiceKeyLayout) {
  const partition = (id: string) => partitionOf(id, layout.partitions);
  const inPartition = (p: number) => {
    const key = (...parts: string[]) => servicePartitionKey(layout, p, ...parts);
    return {
      live: { movies: key('movies'), index: key('movies', 'index'), inbox: key('inbox', 'window') } satisfies ProjectionKeys,
      rebuild: (token: string): ProjectionKeys => ({ movies: key('rebuild', token, 'movies'), index: key('rebuild', token, 'index'), inbox: key('rebuild', token, 'inbox') }),
      outbox: partitionOutboxKey(layout, p),
    };
  };
  const space = (keys: (p: number) => ProjectionKeys): ProjectionSpace => ({ partitions: layout.partitions, partition, keys });
  return {
    layout,
    /** The partition of a movie id, or of a purchase id (a purchase is in its movie's partition). */
    partition,
    inPartition,
    /** The live projection over every partition. */
    liveSpace: space((p) => inPartition(p).live),
    /** A rebuild's scratch keys over every partition. */
    rebuildSpace: (token: string) => space((p) => inPartition(p).rebuild(token)),
    /** A stored purchase: in the partition of its id, which is its movie's (purchases.ts draws it so). */
    purchase: (id: string) => servicePartitionKey(layout, partition(id), 'purchase', id),
    /** Every outbox partition: one relay reads each. */
    outboxes: layoutOutboxKeys(layout),
    ...inPartition(0),
  };
}
export type SalesKeys = ReturnType<typeof salesKeysFor>;

/** Today's keys (one node, one partition). */
export const salesKeys = salesKeysFor(salesLayout());

export const liveProjectionKeys: ProjectionKeys = salesKeys.live;

export function rebuildProjectionKeys(token: string): ProjectionKeys {
  return salesKeys.rebuild(token);
}

/**
 * A purchase id in the partition of `movieId`: random UUIDs are drawn until one hashes to that partition
 * (on average `partitions` draws; with one partition the first), so a purchase is found from its id
 * alone, in one slot with its movie's row and outbox partition (docs/scale-out.md).
 */
export function purchaseIdFor(keys: Pick<SalesKeys, 'partition'>, movieId: string): string {
  const target = keys.partition(movieId);
  for (;;) {
    const id = randomUUID();
    if (keys.partition(id) === target) return id;
  }
}

/** An event's content digest (handlers.ts: eventDigest), or how to compute it. */
export type Digest = string | (() => string);

export interface MovieProjection {
  /** Where its rows live; `keysOf` names the partition keys of one movie. */
  readonly space: ProjectionSpace;
  keysOf(movieId: string): ProjectionKeys;
  /**
   * Applies one catalog event identified by `eventId` whose content has `digest`; says whether it
   * applied, was a duplicate, came early, or was refused (tampered, conflict). The digest may be given
   * as a function: a projection computes it only when it needs it.
   */
  apply(eventId: string, change: ProjectionChange, digest?: Digest): Promise<ApplyOutcome>;
  get(movieId: string): Promise<ProjectedMovie | undefined>;
  /** Every row, sorted by movie id (tests and tools; never on a request path). */
  all(): Promise<ProjectedMovie[]>;
  /**
   * Up to `limit` rows after the cursor `after`: sorted by id within a partition, partition after
   * partition. With one partition the cursor is the last movie id (two commands whatever the size); with
   * several it is `<partition>.<movieId>`, so a page may end in one partition and the next go on there.
   */
  page(options: { after?: string; limit: number }): Promise<{ items: ProjectedMovie[]; nextCursor?: string }>;
}

/** One page of one partition: ids from the index (ZRANGE BYLEX), rows by HMGET; `last` is the last id read. */
async function readPage(redis: RedisConnection, keys: ProjectionKeys, after: string | undefined, limit: number): Promise<{ items: ProjectedMovie[]; nextCursor?: string; taken: number; last?: string }> {
  const ids = ((await redis.sendCommand(['ZRANGE', keys.index, after ? `(${after}` : '-', '+', 'BYLEX', 'LIMIT', '0', String(limit + 1)])) as unknown[]).map(text);
  const more = ids.length > limit;
  const pageIds = ids.slice(0, limit);
  if (pageIds.length === 0) return { items: [], taken: 0 };
  const rows = (await redis.sendCommand(['HMGET', keys.movies, ...pageIds])) as unknown[];
  const items = rows.filter((r) => r !== null && r !== undefined).map((r) => rowCodec.decode(text(r)));
  const last = pageIds[pageIds.length - 1]!;
  return more ? { items, nextCursor: last, taken: pageIds.length, last } : { items, taken: pageIds.length, last };
}

/** A page across the partitions of a space (MovieProjection.page); one partition pages as it always has. */
async function readSpacePage(redis: RedisConnection, space: ProjectionSpace, after: string | undefined, limit: number): Promise<{ items: ProjectedMovie[]; nextCursor?: string }> {
  if (space.partitions === 1) {
    const { items, nextCursor } = await readPage(redis, space.keys(0), after, limit);
    return nextCursor ? { items, nextCursor } : { items };
  }
  // An unreadable cursor starts from the beginning, as Catalog's list does.
  const cursor = /^(\d+)\.(.+)$/.exec(after ?? '');
  let p = cursor && Number(cursor[1]) < space.partitions ? Number(cursor[1]) : 0;
  let from = cursor && Number(cursor[1]) < space.partitions ? cursor[2] : undefined;
  const items: ProjectedMovie[] = [];
  let taken = 0;
  let last: string | undefined;
  for (; p < space.partitions && taken < limit; p++, from = undefined) {
    const page = await readPage(redis, space.keys(p), from, limit - taken);
    items.push(...page.items);
    taken += page.taken;
    if (page.last) last = `${p}.${page.last}`;
    if (page.nextCursor) return { items, nextCursor: `${p}.${page.nextCursor}` };
  }
  // The page is full and partitions remain: go on after the last id read (its partition has no more).
  return taken >= limit && p < space.partitions && last ? { items, nextCursor: last } : { items };
}

/**
 * Adds to the index every row it lacks (a projection written before the index existed): one HSCAN pass
 * per partition, run once at start-up. Returns how many ids it added.
 */
export async function backfillIndex(redis: RedisConnection, where: ProjectionKeys | ProjectionSpace = salesKeys.liveSpace): Promise<number> {
  const space = spaceOf(where);
  let added = 0;
  for (let p = 0; p < space.partitions; p++) added += await backfillPartition(redis, space.keys(p));
  return added;
}

async function backfillPartition(redis: RedisConnection, keys: ProjectionKeys): Promise<number> {
  const rows = Number(await redis.sendCommand(['HLEN', keys.movies]));
  if (Number(await redis.sendCommand(['ZCARD', keys.index])) >= rows) return 0;
  let cursor = '0';
  let added = 0;
  do {
    // NOVALUES needs Redis 7.4; the fields are every other element.
    const reply = (await redis.sendCommand(['HSCAN', keys.movies, cursor, 'COUNT', '1000'])) as unknown[];
    cursor = text(reply[0]);
    const ids = (reply[1] as unknown[]).filter((_, i) => i % 2 === 0).map(text);
    if (ids.length > 0) added += Number(await redis.sendCommand(['ZADD', keys.index, ...ids.flatMap((id) => ['0', id])]));
  } while (cursor !== '0');
  return added;
}

const byMovieId = (a: ProjectedMovie, b: ProjectedMovie) => (a.movieId < b.movieId ? -1 : a.movieId > b.movieId ? 1 : 0);

/**
 * The live projection over `where`: one set of keys, or a space of partitions (salesKeysFor(...).liveSpace),
 * each event and read routed to its movie's partition keys, so sales_apply touches one slot.
 */
export function createMovieProjection(redis: RedisConnection, where: ProjectionKeys | ProjectionSpace = salesKeys.liveSpace, options: { inboxWindow?: number; waitForReplicas?: WaitForReplicas } = {}): MovieProjection {
  const window = String(options.inboxWindow ?? defaultInboxWindow);
  const space = spaceOf(where);
  const keysOf = (movieId: string) => space.keys(space.partition(movieId));
  return {
    space,
    keysOf,
    async apply(eventId, change, lazyDigest = '') {
      const digest = typeof lazyDigest === 'function' ? lazyDigest() : lazyDigest;
      const { movieId, version } = changeTarget(change);
      const keys = keysOf(movieId);
      const row = change.kind === 'upsert' ? rowCodec.encode({ ...change.movie, lastEventId: eventId, ...(digest ? { lastDigest: digest } : {}) }) : '';
      const reply = (await fcall(redis, 'sales_apply', [keys.movies, keys.inbox, keys.index], [movieId, eventId, String(version), change.kind, row, window, digest], options.waitForReplicas ? { waitForReplicas: options.waitForReplicas } : {})) as unknown[];
      return text(reply[0]) as ApplyOutcome;
    },
    async get(movieId) {
      const row = await redis.sendCommand(['HGET', keysOf(movieId).movies, movieId]);
      return row === null || row === undefined ? undefined : rowCodec.decode(text(row));
    },
    async all() {
      const rows: ProjectedMovie[] = [];
      for (let p = 0; p < space.partitions; p++) {
        const raw = await redis.sendCommand(['HVALS', space.keys(p).movies]) as unknown[];
        rows.push(...raw.map((r) => rowCodec.decode(text(r))));
      }
      return rows.sort(byMovieId);
    },
    page({ after, limit }) {
      return readSpacePage(redis, space, after, limit);
    },
  };
}

/** A projection folded in memory and written in bulk: `flush` sends what changed since the last flush. */
export interface FoldingProjection extends MovieProjection {
  /** One HSET of the changed rows and one ZADD of the applied event ids, pipelined; nothing when unchanged. */
  flush(): Promise<void>;
  /** Event ids the in-memory inbox holds now: never more than its window. */
  readonly inboxSize: number;
  /** Rows changed since the last flush. */
  readonly pending: number;
}

/**
 * The projection a rebuild (and the drift check, which never flushes) folds in memory with applyToRow:
 * applying an event is a few map operations and each batch of events costs one round trip. Its inbox is
 * bounded as the live one is: the last `inboxWindow` ids it applied, in memory and in `keys.inbox` (a
 * swap keeps no more of them anyway); an older redelivery is caught by its row's version, as live. It
 * must never be flushed onto live keys, which the live consumer writes concurrently.
 */
export function createFoldingProjection(redis: RedisConnection, keys: ProjectionKeys, options: { inboxWindow?: number } = {}): FoldingProjection {
  const window = Math.max(1, options.inboxWindow ?? defaultInboxWindow);
  const rows = new Map<string, ProjectedMovie>();
  // The window's ids, and the same ids in a ring in applied order: the oldest leaves when a new one comes.
  const inbox = new Set<string>();
  const ring: string[] = [];
  let oldest = 0;
  const remember = (eventId: string) => {
    inbox.add(eventId);
    if (ring.length < window) {
      ring.push(eventId);
      return;
    }
    inbox.delete(ring[oldest]!);
    ring[oldest] = eventId;
    oldest = (oldest + 1) % window;
  };
  let changed = new Set<string>();
  /** Rows whose last event's digest is not computed yet: movie id -> how to compute it. */
  const unsettled = new Map<string, () => string>();
  const settled = (movieId: string): ProjectedMovie | undefined => {
    const row = rows.get(movieId);
    const digest = unsettled.get(movieId);
    if (!row || !digest) return row;
    unsettled.delete(movieId);
    const value = digest();
    const complete = value ? { ...row, lastDigest: value } : row;
    rows.set(movieId, complete);
    return complete;
  };
  let created: string[] = [];
  let applied: string[] = [];
  let order = 0;
  return {
    space: singleSpace(keys),
    keysOf: () => keys,
    async apply(eventId, change, digest = '') {
      const { movieId } = changeTarget(change);
      // The rule reads digests only when an event's id is its row's last one (a redelivery); otherwise
      // the applied event's digest is computed when its row is read or written, and only if it still is
      // the row's last event then (most are not in a rebuild).
      const redelivery = rows.get(movieId)?.lastEventId === eventId;
      const before = redelivery ? settled(movieId) : rows.get(movieId);
      const lazy = typeof digest === 'function' && !redelivery;
      const verdict = applyToRow(before, eventId, change, inbox.has(eventId), lazy ? '' : typeof digest === 'function' ? digest() : digest);
      if (verdict.outcome !== 'applied') return verdict.outcome;
      if (!before) created.push(movieId);
      rows.set(movieId, verdict.row!);
      if (lazy) unsettled.set(movieId, digest);
      else unsettled.delete(movieId);
      changed.add(movieId);
      remember(eventId);
      applied.push(eventId);
      // Ids older than the window would be cut from keys.inbox by the next flush: never sent at all.
      if (applied.length >= 2 * window) applied = applied.slice(-window);
      return 'applied';
    },
    async flush() {
      if (changed.size === 0 && applied.length === 0) return;
      const fields: string[] = [];
      for (const movieId of changed) fields.push(movieId, rowCodec.encode(settled(movieId)!));
      const scored: string[] = [];
      // Scores keep the applied order; the swap cuts the merged inbox to the window by them.
      for (const id of applied) scored.push(String(order++), id);
      const pipeline = redis.multi();
      if (fields.length > 0) pipeline.addCommand(['HSET', keys.movies, ...fields]);
      if (scored.length > 0) {
        pipeline.addCommand(['ZADD', keys.inbox, ...scored]);
        pipeline.addCommand(['ZREMRANGEBYRANK', keys.inbox, '0', String(-(window + 1))]);
      }
      if (created.length > 0) pipeline.addCommand(['ZADD', keys.index, ...created.flatMap((id) => ['0', id])]);
      changed = new Set();
      created = [];
      applied = [];
      for (const reply of (await pipeline.execAsPipeline()) as unknown[]) if (reply instanceof Error) throw reply;
    },
    get inboxSize() {
      return inbox.size;
    },
    get pending() {
      return changed.size;
    },
    async get(movieId) {
      return settled(movieId);
    },
    async all() {
      for (const movieId of [...unsettled.keys()]) settled(movieId);
      return [...rows.values()].sort(byMovieId);
    },
    page({ after, limit }) {
      return readSpacePage(redis, singleSpace(keys), after, limit);
    },
  };
}
