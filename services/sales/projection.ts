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
  /** `apply`, synchronously: a fold does no I/O per event, and a promise per event cost it dearly. */
  applyNow(eventId: string, change: ProjectionChange, digest?: Digest): ApplyOutcome;
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
  // One record per movie, updated in place by each event applied to it: a fold of N events over M
  // movies keeps M rows, where a new row per event outlived the young generation and cost most of its GC.
  const rows = new Map<string, FoldedRow>();
  const inbox = new IdWindow(window);
  /** Rows changed since the last flush (each once: FoldedRow.changed). */
  let changed: FoldedRow[] = [];
  let created: string[] = [];
  /** Ids applied since the last flush: the newest of them (at most the window) are the ring's last ones. */
  let appliedSinceFlush = 0;
  let order = 0;
  const applyNow = (eventId: string, change: ProjectionChange, digest: Digest = ''): ApplyOutcome => {
    const movieId = change.kind === 'upsert' ? change.movie.movieId : change.movieId;
    const row = rows.get(movieId);
    // The rule reads digests only when an event's id is its row's last one (a redelivery); otherwise
    // the applied event's digest is computed when its row is read or written, and only if it still is
    // the row's last event then (most are not in a rebuild).
    const redelivery = row !== undefined && row.lastEventId === eventId;
    if (redelivery) row.settle();
    const lazy = typeof digest === 'function' && !redelivery;
    const verdict = applyToRow(row, eventId, change, inbox.has(eventId), lazy ? '' : typeof digest === 'function' ? digest() : digest);
    if (verdict.outcome !== 'applied') return verdict.outcome;
    let folded = row;
    if (folded) folded.update(verdict.row!);
    else {
      folded = new FoldedRow(verdict.row!);
      rows.set(movieId, folded);
      created.push(movieId);
    }
    folded.digest = lazy ? digest : undefined;
    if (!folded.changed) {
      folded.changed = true;
      changed.push(folded);
    }
    inbox.add(eventId);
    appliedSinceFlush++;
    return 'applied';
  };
  return {
    space: singleSpace(keys),
    keysOf: () => keys,
    applyNow,
    async apply(eventId, change, digest) {
      return applyNow(eventId, change, digest);
    },
    async flush() {
      if (changed.length === 0 && appliedSinceFlush === 0) return;
      const fields: string[] = [];
      for (const row of changed) {
        row.changed = false;
        fields.push(row.movieId, rowCodec.encode(row.settle()));
      }
      const scored: string[] = [];
      // Scores keep the applied order; the swap cuts the merged inbox to the window by them. Ids older
      // than the window would be cut from keys.inbox at once: they are never sent.
      const newest = inbox.newest(appliedSinceFlush);
      order += appliedSinceFlush - newest.length;
      for (const id of newest) scored.push(String(order++), id);
      // In commands of at most flushChunk arguments: Redis applies the first while the rest are still
      // encoded and sent (one 200 000-argument ZADD took a third longer than the same in chunks).
      const pipeline = redis.multi();
      const chunked = (command: string[], args: string[]) => {
        for (let i = 0; i < args.length; i += flushChunk) pipeline.addCommand([...command, ...args.slice(i, i + flushChunk)]);
      };
      chunked(['HSET', keys.movies], fields);
      if (scored.length > 0) {
        chunked(['ZADD', keys.inbox], scored);
        pipeline.addCommand(['ZREMRANGEBYRANK', keys.inbox, '0', String(-(window + 1))]);
      }
      chunked(['ZADD', keys.index], created.flatMap((id) => ['0', id]));
      changed = [];
      created = [];
      appliedSinceFlush = 0;
      for (const reply of (await pipeline.execAsPipeline()) as unknown[]) if (reply instanceof Error) throw reply;
    },
    get inboxSize() {
      return inbox.size;
    },
    get pending() {
      return changed.length;
    },
    async get(movieId) {
      return rows.get(movieId)?.settle().view();
    },
    async all() {
      return [...rows.values()].map((row) => row.settle().view()).sort(byMovieId);
    },
    page({ after, limit }) {
      return readSpacePage(redis, singleSpace(keys), after, limit);
    },
  };
}

/** Arguments per command of a fold's flush (an even number: field-value and score-member pairs). */
const flushChunk = 2000;

/**
 * The last `window` ids added, in a ring in added order (the oldest leaves when a new one comes), with an
 * exact membership test: an open-addressing table (linear probing) of ring positions by a hash of the
 * id. A Set of the same 100 000 strings cost a rebuild more than a microsecond per event (hashing, and
 * cache misses all over its backing store); this costs two typed-array probes and, on a hash match, one
 * string comparison.
 */
export class IdWindow {
  private readonly ring: string[] = [];
  private oldest = 0;
  /** Ring position + 1 per slot; 0 is empty. */
  private slots = new Int32Array(0);
  /** The hash of the id at each slot, so a probe compares strings only on a hash match. */
  private hashes = new Int32Array(0);
  /** The hash of the id at each ring position, so the oldest id leaves without being hashed again. */
  private ringHashes = new Int32Array(0);
  private mask = -1;
  private readonly window: number;
  /** The last id hashed: a fold asks `has` and then `add` for the same id. */
  private lastId: string | undefined;
  private lastHash = 0;

  constructor(window: number) {
    this.window = window;
    this.grow();
  }

  get size(): number {
    return this.ring.length;
  }

  has(id: string): boolean {
    const hash = this.hashFor(id);
    const { slots, hashes, mask, ring } = this;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const at = slots[i]!;
      if (at === 0) return false;
      if (hashes[i] === hash && ring[at - 1] === id) return true;
    }
  }

  add(id: string): void {
    const hash = this.hashFor(id);
    let position = this.ring.length;
    if (position < this.window) {
      this.ring.push(id);
      if (this.ring.length * 2 > this.slots.length) this.grow();
      else this.insert(hash, position);
      return;
    }
    position = this.oldest;
    this.remove(position);
    this.ring[position] = id;
    this.oldest = (position + 1) % this.window;
    this.insert(hash, position);
  }

  private hashFor(id: string): number {
    if (id !== this.lastId) {
      this.lastId = id;
      this.lastHash = hashOf(id);
    }
    return this.lastHash;
  }

  /** The newest `count` ids (at most the window), oldest first. */
  newest(count: number): string[] {
    const { ring, window } = this;
    const n = Math.min(count, ring.length);
    const first = ring.length < window ? ring.length - n : this.oldest - n + window;
    const ids: string[] = new Array(n);
    for (let i = 0; i < n; i++) ids[i] = ring[(first + i) % window]!;
    return ids;
  }

  private insert(hash: number, position: number): void {
    const { slots, mask } = this;
    let i = hash & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = position + 1;
    this.hashes[i] = hash;
    this.ringHashes[position] = hash;
  }

  /** Empties the slot of ring position `position`, then shifts back the entries probing past it. */
  private remove(position: number): void {
    const { slots, hashes, mask } = this;
    let i = this.ringHashes[position]! & mask;
    while (slots[i] !== position + 1) i = (i + 1) & mask;
    for (let j = (i + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = hashes[j]! & mask;
      // The entry at j may move into the hole at i unless its home lies cyclically in (i, j].
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        slots[i] = slots[j]!;
        hashes[i] = hashes[j]!;
        i = j;
      }
    }
    slots[i] = 0;
  }

  /** Doubles the table (at most twice the window, so it stays at most half full) and re-inserts the ring. */
  private grow(): void {
    let capacity = Math.max(16, this.slots.length * 2);
    while (capacity < 2 * this.ring.length) capacity *= 2;
    this.slots = new Int32Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.ringHashes = new Int32Array(capacity / 2);
    this.mask = capacity - 1;
    for (let position = 0; position < this.ring.length; position++) this.insert(hashOf(this.ring[position]!), position);
  }
}

/** FNV-1a over the UTF-16 code units: a 32-bit hash of a string, computed without allocating. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash;
}

/**
 * A folding projection's row: the fields of a ProjectedMovie, in one fixed shape, changed in place.
 * Its price object is its own (never the event's); a field keeps its old value when the new one is
 * equal, so an event's strings and bigints die young unless they changed the row.
 */
class FoldedRow implements ProjectedMovie {
  movieId: string;
  title: string;
  price: { amountMinor: bigint; currencyCode: string };
  status: 'active' | 'retired';
  version: number;
  lastEventId: string | undefined;
  lastDigest: string | undefined;
  /** How to compute the last event's digest, until it is computed (settle). */
  digest: Digest | undefined = undefined;
  /** Listed among the rows to write at the next flush. */
  changed = false;

  constructor(row: ProjectedMovie) {
    this.movieId = row.movieId;
    this.title = row.title;
    this.price = { amountMinor: row.price.amountMinor, currencyCode: row.price.currencyCode };
    this.status = row.status;
    this.version = row.version;
    this.lastEventId = row.lastEventId;
    this.lastDigest = row.lastDigest;
  }

  update(row: ProjectedMovie): void {
    if (this.title !== row.title) this.title = row.title;
    if (this.price.amountMinor !== row.price.amountMinor) this.price.amountMinor = row.price.amountMinor;
    if (this.price.currencyCode !== row.price.currencyCode) this.price.currencyCode = row.price.currencyCode;
    this.status = row.status;
    this.version = row.version;
    this.lastEventId = row.lastEventId;
    this.lastDigest = row.lastDigest;
  }

  /** Computes the last event's digest if it is still pending. */
  settle(): this {
    const digest = this.digest;
    if (digest !== undefined) {
      this.digest = undefined;
      const value = typeof digest === 'function' ? digest() : digest;
      if (value) this.lastDigest = value;
    }
    return this;
  }

  /** A ProjectedMovie of its own (a caller may keep it while the fold goes on). */
  view(): ProjectedMovie {
    return {
      movieId: this.movieId, title: this.title, price: { amountMinor: this.price.amountMinor, currencyCode: this.price.currencyCode }, status: this.status, version: this.version,
      ...(this.lastEventId ? { lastEventId: this.lastEventId } : {}),
      ...(this.lastDigest ? { lastDigest: this.lastDigest } : {}),
    };
  }
}
