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
