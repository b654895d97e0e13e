// Sales' projection of Catalog movies: only what selling needs. Each event is applied by one Lua script
// that checks the version (exactly the next one), updates the row and records the event id in the
// inbox together. It never applies an event twice and never applies one out of order.
//
// Key layout (every key starts with `sales:`; Catalog never reads them):
//   sales:movies            HASH  movieId -> row JSON {movieId,title,price{amountMinor(string),currencyCode},status,version}
//   sales:movies:index      ZSET  score 0, member movieId: GET /movies pages through it by id (BYLEX), O(page)
//   sales:inbox             SET   ids of the catalog events already applied
//   sales:rebuild:<n>:*     the same keys, built by a replay before they are swapped in
import type { RedisConnection } from 'herald/runtime';
import { LuaScript, text } from '../shared/lua-script.ts';

export interface ProjectionKeys {
  movies: string;
  /** Sorted set of every movie id (all scores 0), so a page of ids is one ZRANGE BYLEX. */
  index: string;
  inbox: string;
}

export const liveProjectionKeys: ProjectionKeys = { movies: 'sales:movies', index: 'sales:movies:index', inbox: 'sales:inbox' };

export function rebuildProjectionKeys(token: string): ProjectionKeys {
  return { movies: `sales:rebuild:${token}:movies`, index: `sales:rebuild:${token}:index`, inbox: `sales:rebuild:${token}:inbox` };
}

export interface ProjectedMovie {
  movieId: string;
  title: string;
  price: { amountMinor: bigint; currencyCode: string };
  status: 'active' | 'retired';
  /** Catalog version of the last applied event. */
  version: number;
}

/**
 * What applying an event did. `tampered`: this event id was applied before with other content (or for
 * another version). `conflict`: another event id already set this movie to this version (one of the two
 * is forged, or was republished under a new id). Both are refused, never applied.
 */
export type ApplyOutcome = 'applied' | 'duplicate' | 'early' | 'tampered' | 'conflict';

export type ProjectionChange =
  | { kind: 'upsert'; movie: ProjectedMovie }
  | { kind: 'retire'; movieId: string; version: number };

/** The event that set a row to its current version: its id and a digest of its content. */
export interface AppliedBy {
  eventId: string;
  digest: string;
}

// A row remembers the event that set its version (appliedBy), so a redelivery of that event is told
// apart from another event claiming the same version, or the same id carrying other content. Older
// versions are only known by id (the inbox); rows written before appliedBy existed skip these checks.
const applyScript = new LuaScript(`
-- KEYS: movies, inbox, index   ARGV: movieId, eventId, version, kind, rowJson, digest
local row = redis.call('HGET', KEYS[1], ARGV[1])
local current = 0
local decoded = nil
if row then
  decoded = cjson.decode(row)
  current = tonumber(decoded.version)
end
local version = tonumber(ARGV[3])
if decoded and decoded.appliedBy and decoded.appliedBy.eventId == ARGV[2] then
  if version == current and decoded.appliedBy.digest == ARGV[6] then return {'duplicate', current} end
  return {'tampered', current}
end
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 1 then return {'duplicate', -1} end
if version == current and decoded and decoded.appliedBy then return {'conflict', decoded.appliedBy.eventId} end
if version <= current then return {'duplicate', current} end
if version > current + 1 then return {'early', current} end
if ARGV[4] == 'retire' then
  if not decoded then return {'early', current} end
  decoded.status = 'retired'
  decoded.version = version
  decoded.appliedBy = { eventId = ARGV[2], digest = ARGV[6] }
  redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(decoded))
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[5])
  if version == 1 then redis.call('ZADD', KEYS[3], 0, ARGV[1]) end
end
redis.call('SADD', KEYS[2], ARGV[2])
return {'applied', version}
`);

export function rowToJson(movie: ProjectedMovie, appliedBy?: AppliedBy): string {
  const price = { amountMinor: movie.price.amountMinor.toString(), currencyCode: movie.price.currencyCode };
  const { movieId, title, status, version } = movie;
  return JSON.stringify({ movieId, title, price, status, version, ...(appliedBy ? { appliedBy } : {}) });
}

export function rowFromJson(json: string): ProjectedMovie {
  const raw = JSON.parse(json) as { movieId: string; title: string; price: { amountMinor: string | number; currencyCode: string }; status: 'active' | 'retired'; version: number };
  return { movieId: raw.movieId, title: raw.title, price: { amountMinor: BigInt(raw.price.amountMinor), currencyCode: raw.price.currencyCode }, status: raw.status, version: Number(raw.version) };
}

export interface MovieProjection {
  readonly keys: ProjectionKeys;
  /**
   * Applies one catalog event identified by `eventId` whose content has `digest`; says whether it
   * applied, was a duplicate, came early, or was refused (tampered, conflict).
   */
  apply(eventId: string, change: ProjectionChange, digest?: string): Promise<ApplyOutcome>;
  get(movieId: string): Promise<ProjectedMovie | undefined>;
  /** Every row, sorted by movie id (drift checks and tests; never on a request path). */
  all(): Promise<ProjectedMovie[]>;
  /** Up to `limit` rows with an id after `after`, sorted by id, in two commands whatever the size. */
  page(options: { after?: string; limit: number }): Promise<{ items: ProjectedMovie[]; nextCursor?: string }>;
}

/** One page of a projection: ids from the index (ZRANGE BYLEX), rows by HMGET. */
async function readPage(redis: RedisConnection, keys: ProjectionKeys, after: string | undefined, limit: number) {
  const ids = ((await redis.sendCommand(['ZRANGE', keys.index, after ? `(${after}` : '-', '+', 'BYLEX', 'LIMIT', '0', String(limit + 1)])) as unknown[]).map(text);
  const more = ids.length > limit;
  const pageIds = ids.slice(0, limit);
  if (pageIds.length === 0) return { items: [] };
  const rows = (await redis.sendCommand(['HMGET', keys.movies, ...pageIds])) as unknown[];
  const items = rows.filter((r) => r !== null && r !== undefined).map((r) => rowFromJson(text(r)));
  return more ? { items, nextCursor: pageIds[pageIds.length - 1]! } : { items };
}

/**
 * Adds to the index every row it lacks (a projection written before the index existed): one HSCAN pass,
 * run once at start-up. Returns how many ids it added.
 */
export async function backfillIndex(redis: RedisConnection, keys: ProjectionKeys = liveProjectionKeys): Promise<number> {
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

export function createMovieProjection(redis: RedisConnection, keys: ProjectionKeys = liveProjectionKeys): MovieProjection {
  return {
    keys,
    async apply(eventId, change, digest = '') {
      const movieId = change.kind === 'upsert' ? change.movie.movieId : change.movieId;
      const version = change.kind === 'upsert' ? change.movie.version : change.version;
      const reply = (await applyScript.run(redis, [keys.movies, keys.inbox, keys.index], [
        movieId, eventId, String(version), change.kind, change.kind === 'upsert' ? rowToJson(change.movie, { eventId, digest }) : '', digest,
      ])) as unknown[];
      return text(reply[0]) as ApplyOutcome;
    },
    async get(movieId) {
      const row = await redis.sendCommand(['HGET', keys.movies, movieId]);
      return row === null || row === undefined ? undefined : rowFromJson(text(row));
    },
    async all() {
      const raw = await redis.sendCommand(['HVALS', keys.movies]) as unknown[];
      return raw.map((r) => rowFromJson(text(r))).sort((a, b) => (a.movieId < b.movieId ? -1 : a.movieId > b.movieId ? 1 : 0));
    },
    page({ after, limit }) {
      return readPage(redis, keys, after, limit);
    },
  };
}

/** A projection folded in memory and written in bulk: `flush` sends what changed since the last flush. */
export interface FoldingProjection extends MovieProjection {
  /** One HSET of the changed rows and one SADD of the applied event ids, pipelined; nothing when unchanged. */
  flush(): Promise<void>;
}

/**
 * The projection a rebuild writes into fresh keys that nothing else writes: the rows live in memory, so
 * applying an event is a few map operations and each batch of events costs one round trip. It applies
 * exactly as applyScript does (same outcomes, same row JSON for upserts); a retired row is written by
 * rowToJson rather than cjson, so it parses to the same row. It must never be used on live keys, which
 * the live consumer writes concurrently.
 */
export function createFoldingProjection(redis: RedisConnection, keys: ProjectionKeys): FoldingProjection {
  const rows = new Map<string, ProjectedMovie>();
  const appliedBy = new Map<string, AppliedBy>();
  // The inbox as applyScript sees it: an id applied once is a duplicate whatever version it claims.
  const inbox = new Set<string>();
  let changed = new Set<string>();
  let created: string[] = [];
  let applied: string[] = [];
  return {
    keys,
    async apply(eventId, change, digest = '') {
      const movieId = change.kind === 'upsert' ? change.movie.movieId : change.movieId;
      const version = change.kind === 'upsert' ? change.movie.version : change.version;
      const current = rows.get(movieId);
      const currentVersion = current?.version ?? 0;
      const by = appliedBy.get(movieId);
      if (by?.eventId === eventId) return version === currentVersion && by.digest === digest ? 'duplicate' : 'tampered';
      if (inbox.has(eventId)) return 'duplicate';
      if (version === currentVersion && by) return 'conflict';
      if (version <= currentVersion) return 'duplicate';
      if (version > currentVersion + 1) return 'early';
      if (change.kind === 'retire') {
        if (!current) return 'early';
        rows.set(movieId, { ...current, status: 'retired', version });
      } else {
        if (!current) created.push(movieId);
        rows.set(movieId, change.movie);
      }
      appliedBy.set(movieId, { eventId, digest });
      changed.add(movieId);
      inbox.add(eventId);
      applied.push(eventId);
      return 'applied';
    },
    async flush() {
      if (changed.size === 0 && applied.length === 0) return;
      const fields: string[] = [];
      for (const movieId of changed) fields.push(movieId, rowToJson(rows.get(movieId)!, appliedBy.get(movieId)));
      const pipeline = redis.multi();
      if (fields.length > 0) pipeline.addCommand(['HSET', keys.movies, ...fields]);
      if (created.length > 0) pipeline.addCommand(['ZADD', keys.index, ...created.flatMap((id) => ['0', id])]);
      if (applied.length > 0) pipeline.addCommand(['SADD', keys.inbox, ...applied]);
      changed = new Set();
      created = [];
      applied = [];
      for (const reply of (await pipeline.execAsPipeline()) as unknown[]) if (reply instanceof Error) throw reply;
    },
    async get(movieId) {
      return rows.get(movieId);
    },
    async all() {
      return [...rows.values()].sort((a, b) => (a.movieId < b.movieId ? -1 : a.movieId > b.movieId ? 1 : 0));
    },
    page({ after, limit }) {
      return readPage(redis, keys, after, limit);
    },
  };
}

