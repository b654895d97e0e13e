// Catalog's event store in Redis: per-movie event lists, periodic snapshots, the movie index, and the
// outbox, all written by one Redis Function (functions.lua: catalog_append) so a command is atomic. It
// never publishes to the channel itself.
//
// Key layout (every key starts with `catalog:`; Sales never reads them):
//   catalog:movie:<id>:events     LIST   stored events as JSON, index i holds version i+1
//   catalog:movie:<id>:snapshots  ZSET   score = version, member = state JSON (every SNAPSHOT_EVERY events)
//   catalog:movies:current        HASH   id -> current state JSON (the read model behind GET /movies)
//   catalog:movies:index          ZSET   score = creation sequence, member = id (stable paging order)
//   catalog:movies:seq            STRING the creation sequence counter
//   catalog:outbox                STREAM outbox entries (channel + envelope fields + data) waiting for the relay
//   catalog:outbox:parked         STREAM entries the relay could never publish, with the reason
import { fcallWithOutbox, outboxKey, type RedisConnection, type RedisValue } from 'herald/runtime';
import { DomainError } from '../shared/errors.ts';
import { text } from '../shared/redis-replies.ts';
import { foldEvents, parseEvent, parseState, serialize, type MovieState, type StoredMovieEvent } from './movie.ts';

export const catalogKeys = {
  events: (id: string) => `catalog:movie:${id}:events`,
  snapshots: (id: string) => `catalog:movie:${id}:snapshots`,
  current: 'catalog:movies:current',
  index: 'catalog:movies:index',
  seq: 'catalog:movies:seq',
  outbox: outboxKey('catalog'),
} as const;


export interface MoviePage {
  items: MovieState[];
  /** Opaque cursor of the next page; absent on the last page. */
  nextCursor?: string;
}

export interface MovieEventStore {
  /** Appends one event if the movie is still at `expectedVersion`; writes state, snapshot and outbox with it. */
  append(event: StoredMovieEvent, stateAfter: MovieState, outboxEntry: readonly RedisValue[]): Promise<void>;
  /** Current state: latest snapshot plus the events after it. */
  load(movieId: string): Promise<MovieState | undefined>;
  /** State as it was at `asOf` (events with `at <= asOf`), or undefined if the movie did not exist yet. */
  loadAsOf(movieId: string, asOf: Date): Promise<MovieState | undefined>;
  history(movieId: string): Promise<StoredMovieEvent[]>;
  /**
   * Up to `limit` events with a version above `afterVersion`, oldest first: one LRANGE of the page and one
   * LLEN, whatever the length of the history. `exists` is false when the movie has no events at all.
   */
  historyPage(movieId: string, options: { afterVersion: number; limit: number }): Promise<{ exists: boolean; events: StoredMovieEvent[]; nextCursor?: string }>;
  list(options: { cursor?: string; limit: number }): Promise<MoviePage>;
}

export function createMovieEventStore(redis: RedisConnection, options: { snapshotEvery: number }): MovieEventStore {
  const rangeOfEvents = async (movieId: string, from: number): Promise<StoredMovieEvent[]> => {
    const raw = (await redis.sendCommand(['LRANGE', catalogKeys.events(movieId), String(from), '-1'])) as unknown[];
    return raw.map((json) => parseEvent(text(json)));
  };

  return {
    async append(event, stateAfter, outboxEntry) {
      const reply = (await fcallWithOutbox(redis, 'catalog_append', {
        outbox: catalogKeys.outbox,
        entry: outboxEntry,
        keys: [catalogKeys.events(event.movieId), catalogKeys.snapshots(event.movieId), catalogKeys.current, catalogKeys.index, catalogKeys.seq],
        args: [event.movieId, String(event.version - 1), serialize(event), serialize(stateAfter), String(options.snapshotEvery)],
      })) as unknown[];
      if (text(reply[0]) === 'conflict') {
        throw new DomainError('HERALD_ERR_VERSION_CONFLICT', `movie ${event.movieId} is at version ${text(reply[1])}, not ${event.version - 1}`, {
          field: 'expectedVersion', currentVersion: Number(text(reply[1])),
        });
      }
    },

    async load(movieId) {
      const latest = (await redis.sendCommand(['ZRANGE', catalogKeys.snapshots(movieId), '-1', '-1'])) as unknown[];
      const snapshot = latest.length > 0 ? parseState(text(latest[0])) : undefined;
      return foldEvents(snapshot, await rangeOfEvents(movieId, snapshot?.version ?? 0));
    },

    async loadAsOf(movieId, asOf) {
      const limit = asOf.getTime();
      const all = (await redis.sendCommand(['ZRANGE', catalogKeys.snapshots(movieId), '0', '-1'])) as unknown[];
      let start: MovieState | undefined;
      for (const json of all) {
        const snapshot = parseState(text(json));
        if (Date.parse(snapshot.updatedAt) <= limit) start = snapshot;
      }
      const events = await rangeOfEvents(movieId, start?.version ?? 0);
      const cut = events.findIndex((e) => Date.parse(e.at) > limit);
      return foldEvents(start, cut < 0 ? events : events.slice(0, cut));
    },

    async history(movieId) {
      return rangeOfEvents(movieId, 0);
    },

    async historyPage(movieId, { afterVersion, limit }) {
      const key = catalogKeys.events(movieId);
      const [raw, length] = (await redis.multi()
        .addCommand(['LRANGE', key, String(afterVersion), String(afterVersion + limit - 1)])
        .addCommand(['LLEN', key])
        .execAsPipeline()) as [unknown[], unknown];
      const total = Number(length);
      const events = raw.map((json) => parseEvent(text(json)));
      const last = afterVersion + events.length;
      return { exists: total > 0, events, ...(last < total ? { nextCursor: String(last) } : {}) };
    },

    async list({ cursor, limit }) {
      const after = cursor && /^\d+$/.test(cursor) ? `(${cursor}` : '-inf';
      const raw = (await redis.sendCommand(['ZRANGE', catalogKeys.index, after, '+inf', 'BYSCORE', 'LIMIT', '0', String(limit), 'WITHSCORES'])) as unknown[];
      const pairs = flattenPairs(raw);
      if (pairs.length === 0) return { items: [] };
      const states = (await redis.sendCommand(['HMGET', catalogKeys.current, ...pairs.map((p) => p.member)])) as unknown[];
      const items = states.filter((s) => s !== null && s !== undefined).map((s) => parseState(text(s)));
      const last = pairs[pairs.length - 1]!;
      return pairs.length === limit ? { items, nextCursor: String(last.score) } : { items };
    },
  };
}

/** ZRANGE WITHSCORES answers [[m, s], ...] under RESP3 and [m, s, ...] under RESP2. */
function flattenPairs(raw: unknown[]): Array<{ member: string; score: number }> {
  const flat = raw.flatMap((item) => (Array.isArray(item) ? item : [item]));
  const pairs: Array<{ member: string; score: number }> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push({ member: text(flat[i]), score: Number(text(flat[i + 1])) });
  return pairs;
}
