// Sales' projection of Catalog movies: only what selling needs. Each event is applied by one Lua script
// that checks the version (exactly the next one), updates the row and records the event id in the
// inbox together. It never applies an event twice and never applies one out of order.
//
// Key layout (every key starts with `sales:`; Catalog never reads them):
//   sales:movies            HASH  movieId -> row JSON {movieId,title,price{amountMinor(string),currencyCode},status,version}
//   sales:inbox             SET   ids of the catalog events already applied
//   sales:rebuild:<n>:*     the same two keys, built by a replay before they are swapped in
import type { RedisConnection } from 'herald/runtime';
import { LuaScript, text } from '../shared/lua-script.ts';

export interface ProjectionKeys {
  movies: string;
  inbox: string;
}

export const liveProjectionKeys: ProjectionKeys = { movies: 'sales:movies', inbox: 'sales:inbox' };

export function rebuildProjectionKeys(token: string): ProjectionKeys {
  return { movies: `sales:rebuild:${token}:movies`, inbox: `sales:rebuild:${token}:inbox` };
}

export interface ProjectedMovie {
  movieId: string;
  title: string;
  price: { amountMinor: bigint; currencyCode: string };
  status: 'active' | 'retired';
  /** Catalog version of the last applied event. */
  version: number;
}

export type ApplyOutcome = 'applied' | 'duplicate' | 'early';

export type ProjectionChange =
  | { kind: 'upsert'; movie: ProjectedMovie }
  | { kind: 'retire'; movieId: string; version: number };

const applyScript = new LuaScript(`
-- KEYS: movies, inbox   ARGV: movieId, eventId, version, kind, rowJson
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 1 then return {'duplicate', -1} end
local row = redis.call('HGET', KEYS[1], ARGV[1])
local current = 0
local decoded = nil
if row then
  decoded = cjson.decode(row)
  current = tonumber(decoded.version)
end
local version = tonumber(ARGV[3])
if version <= current then return {'duplicate', current} end
if version > current + 1 then return {'early', current} end
if ARGV[4] == 'retire' then
  if not decoded then return {'early', current} end
  decoded.status = 'retired'
  decoded.version = version
  redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(decoded))
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[5])
end
redis.call('SADD', KEYS[2], ARGV[2])
return {'applied', version}
`);

export function rowToJson(movie: ProjectedMovie): string {
  return JSON.stringify({ ...movie, price: { amountMinor: movie.price.amountMinor.toString(), currencyCode: movie.price.currencyCode } });
}

export function rowFromJson(json: string): ProjectedMovie {
  const raw = JSON.parse(json) as { movieId: string; title: string; price: { amountMinor: string | number; currencyCode: string }; status: 'active' | 'retired'; version: number };
  return { movieId: raw.movieId, title: raw.title, price: { amountMinor: BigInt(raw.price.amountMinor), currencyCode: raw.price.currencyCode }, status: raw.status, version: Number(raw.version) };
}

export interface MovieProjection {
  readonly keys: ProjectionKeys;
  /** Applies one catalog event identified by `eventId`; says whether it applied, was a duplicate or came early. */
  apply(eventId: string, change: ProjectionChange): Promise<ApplyOutcome>;
  get(movieId: string): Promise<ProjectedMovie | undefined>;
  /** Every row, sorted by movie id. */
  all(): Promise<ProjectedMovie[]>;
}

export function createMovieProjection(redis: RedisConnection, keys: ProjectionKeys = liveProjectionKeys): MovieProjection {
  return {
    keys,
    async apply(eventId, change) {
      const movieId = change.kind === 'upsert' ? change.movie.movieId : change.movieId;
      const version = change.kind === 'upsert' ? change.movie.version : change.version;
      const reply = (await applyScript.run(redis, [keys.movies, keys.inbox], [
        movieId, eventId, String(version), change.kind, change.kind === 'upsert' ? rowToJson(change.movie) : '',
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
  // The inbox as applyScript sees it: an id applied once is a duplicate whatever version it claims.
  const inbox = new Set<string>();
  let changed = new Set<string>();
  let applied: string[] = [];
  return {
    keys,
    async apply(eventId, change) {
      if (inbox.has(eventId)) return 'duplicate';
      const movieId = change.kind === 'upsert' ? change.movie.movieId : change.movieId;
      const version = change.kind === 'upsert' ? change.movie.version : change.version;
      const current = rows.get(movieId);
      const currentVersion = current?.version ?? 0;
      if (version <= currentVersion) return 'duplicate';
      if (version > currentVersion + 1) return 'early';
      if (change.kind === 'retire') {
        if (!current) return 'early';
        rows.set(movieId, { ...current, status: 'retired', version });
      } else {
        rows.set(movieId, change.movie);
      }
      changed.add(movieId);
      inbox.add(eventId);
      applied.push(eventId);
      return 'applied';
    },
    async flush() {
      if (changed.size === 0 && applied.length === 0) return;
      const fields: string[] = [];
      for (const movieId of changed) fields.push(movieId, rowToJson(rows.get(movieId)!));
      const pipeline = redis.multi();
      if (fields.length > 0) pipeline.addCommand(['HSET', keys.movies, ...fields]);
      if (applied.length > 0) pipeline.addCommand(['SADD', keys.inbox, ...applied]);
      changed = new Set();
      applied = [];
      for (const reply of (await pipeline.execAsPipeline()) as unknown[]) if (reply instanceof Error) throw reply;
    },
    async get(movieId) {
      return rows.get(movieId);
    },
    async all() {
      return [...rows.values()].sort((a, b) => (a.movieId < b.movieId ? -1 : a.movieId > b.movieId ? 1 : 0));
    },
  };
}

