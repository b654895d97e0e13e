// Sales' projection of Catalog movies: only what selling needs. The live consumer applies each event
// with one Redis Function (functions.lua: sales_apply) that follows the projection rule
// (projection-rule.ts), updates the row and records the event id in the bounded inbox together. It never
// applies an event twice and never applies one out of order.
//
// Key layout (every key starts with `sales:`; Catalog never reads them):
//   sales:movies                 HASH  movieId -> row JSON (rowCodec: {movieId,title,price{amountMinor(string),currencyCode},status,version,lastEventId})
//   sales:inbox:window           ZSET  ids of the catalog events applied most recently, cut to INBOX_WINDOW ids
//   sales:rebuild:<n>:*          the same two keys, built by a replay before they are swapped in
import { defaultInboxWindow, fcall, type RedisConnection } from 'herald/runtime';
import { text } from '../shared/redis-replies.ts';
import { applyToRow, changeTarget, rowCodec, type ApplyOutcome, type ProjectedMovie, type ProjectionChange } from './projection-rule.ts';

export type { ApplyOutcome, ProjectedMovie, ProjectionChange } from './projection-rule.ts';

export interface ProjectionKeys {
  movies: string;
  inbox: string;
}

export const liveProjectionKeys: ProjectionKeys = { movies: 'sales:movies', inbox: 'sales:inbox:window' };

export function rebuildProjectionKeys(token: string): ProjectionKeys {
  return { movies: `sales:rebuild:${token}:movies`, inbox: `sales:rebuild:${token}:inbox` };
}

export interface MovieProjection {
  readonly keys: ProjectionKeys;
  /** Applies one catalog event identified by `eventId`; says whether it applied, was a duplicate or came early. */
  apply(eventId: string, change: ProjectionChange): Promise<ApplyOutcome>;
  get(movieId: string): Promise<ProjectedMovie | undefined>;
  /** Every row, sorted by movie id. */
  all(): Promise<ProjectedMovie[]>;
}

const byMovieId = (a: ProjectedMovie, b: ProjectedMovie) => (a.movieId < b.movieId ? -1 : a.movieId > b.movieId ? 1 : 0);

export function createMovieProjection(redis: RedisConnection, keys: ProjectionKeys = liveProjectionKeys, options: { inboxWindow?: number } = {}): MovieProjection {
  const window = String(options.inboxWindow ?? defaultInboxWindow);
  return {
    keys,
    async apply(eventId, change) {
      const { movieId, version } = changeTarget(change);
      const row = change.kind === 'upsert' ? rowCodec.encode({ ...change.movie, lastEventId: eventId }) : '';
      const reply = (await fcall(redis, 'sales_apply', [keys.movies, keys.inbox], [movieId, eventId, String(version), change.kind, row, window])) as unknown[];
      return text(reply[0]) as ApplyOutcome;
    },
    async get(movieId) {
      const row = await redis.sendCommand(['HGET', keys.movies, movieId]);
      return row === null || row === undefined ? undefined : rowCodec.decode(text(row));
    },
    async all() {
      const raw = await redis.sendCommand(['HVALS', keys.movies]) as unknown[];
      return raw.map((r) => rowCodec.decode(text(r))).sort(byMovieId);
    },
  };
}

/** A projection folded in memory and written in bulk: `flush` sends what changed since the last flush. */
export interface FoldingProjection extends MovieProjection {
  /** One HSET of the changed rows and one ZADD of the applied event ids, pipelined; nothing when unchanged. */
  flush(): Promise<void>;
}

/**
 * The projection a rebuild (and the drift check, which never flushes) folds in memory with applyToRow:
 * applying an event is a few map operations and each batch of events costs one round trip. Its inbox is
 * every id it applied, so within one fold no id applies twice. It must never be flushed onto live keys,
 * which the live consumer writes concurrently.
 */
export function createFoldingProjection(redis: RedisConnection, keys: ProjectionKeys): FoldingProjection {
  const rows = new Map<string, ProjectedMovie>();
  const inbox = new Set<string>();
  let changed = new Set<string>();
  let applied: string[] = [];
  let order = 0;
  return {
    keys,
    async apply(eventId, change) {
      const { movieId } = changeTarget(change);
      const verdict = applyToRow(rows.get(movieId), eventId, change, inbox.has(eventId));
      if (verdict.outcome !== 'applied') return verdict.outcome;
      rows.set(movieId, verdict.row!);
      changed.add(movieId);
      inbox.add(eventId);
      applied.push(eventId);
      return 'applied';
    },
    async flush() {
      if (changed.size === 0 && applied.length === 0) return;
      const fields: string[] = [];
      for (const movieId of changed) fields.push(movieId, rowCodec.encode(rows.get(movieId)!));
      const scored: string[] = [];
      // Scores keep the applied order; the swap cuts the merged inbox to the window by them.
      for (const id of applied) scored.push(String(order++), id);
      const pipeline = redis.multi();
      if (fields.length > 0) pipeline.addCommand(['HSET', keys.movies, ...fields]);
      if (scored.length > 0) pipeline.addCommand(['ZADD', keys.inbox, ...scored]);
      changed = new Set();
      applied = [];
      for (const reply of (await pipeline.execAsPipeline()) as unknown[]) if (reply instanceof Error) throw reply;
    },
    async get(movieId) {
      return rows.get(movieId);
    },
    async all() {
      return [...rows.values()].sort(byMovieId);
    },
  };
}
