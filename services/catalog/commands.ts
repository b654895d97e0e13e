// Catalog's commands: load the movie, decide the event, encode it for the channel (refusing one the
// channel would refuse) and append it with its outbox entry in one atomic function. It never publishes
// directly: only the relay does.
import { randomUUID } from 'node:crypto';
import { isHeraldError, outboxEntry, uuidv7, type Producer } from 'herald/runtime';
import { DomainError, isDomainError } from '../shared/errors.ts';
import type { CatalogMovieChannel } from '../../generated/channels/catalog-movie.ts';
import type { MovieEventStore } from './event-store.ts';
import { outgoingEvent } from './events.ts';
import { createMovieStateCache, type MovieStateCache } from './state-cache.ts';
import { applyEvent, decideCreate, decideRetire, decideUpdate, eventTime, type DraftMovieEvent, type MovieFields, type MovieState, type StoredMovieEvent } from './movie.ts';

export interface CommandContext {
  /** W3C traceparent of the request; travels into the event envelope. */
  traceparent?: string;
}

export interface MovieCommands {
  create(fields: MovieFields, context?: CommandContext): Promise<MovieState>;
  update(movieId: string, expectedVersion: number, changes: Partial<MovieFields>, context?: CommandContext): Promise<MovieState>;
  retire(movieId: string, reason: string, expectedVersion: number | undefined, context?: CommandContext): Promise<MovieState>;
}

/** Times a retire without expectedVersion is decided again after losing a race to another write. */
const retireAttempts = 10;

function isVersionConflict(error: unknown): boolean {
  return isHeraldError(error) && error.code === 'HERALD_ERR_VERSION_CONFLICT';
}

export interface MovieCommandOptions {
  now?: () => Date;
  /**
   * States of recently written movies, so a command is one round trip (the append) instead of three. A
   * cached state is a guess checked by the append's expected version: when the append or the decision
   * from a cached state fails with a domain error, the command reloads from Redis and decides once more.
   * Default: no cache.
   */
  cache?: MovieStateCache;
}

function conflict(movieId: string, version: number, expectedVersion: number): DomainError {
  return new DomainError('HERALD_ERR_VERSION_CONFLICT', `movie ${movieId} is at version ${version}, not ${expectedVersion}`, {
    field: 'expectedVersion', currentVersion: version,
  });
}

export function createMovieCommands(store: MovieEventStore, producer: Producer<CatalogMovieChannel>, options: MovieCommandOptions = {}): MovieCommands {
  const now = options.now ?? (() => new Date());
  const cache = options.cache ?? createMovieStateCache(0);

  const commit = async (draft: DraftMovieEvent, before: MovieState | undefined, context: CommandContext = {}): Promise<MovieState> => {
    // The command chooses the event id: the stored event, the state and the envelope all carry it.
    const event: StoredMovieEvent = { ...draft, eventId: uuidv7(), ...(context.traceparent ? { traceparent: context.traceparent } : {}) };
    const after = applyEvent(before, event);
    // Throws HERALD_ERR_EVENT_TOO_LARGE before anything is written: the relay must never meet it.
    const encoded = producer.encodeEvent(outgoingEvent(event, after));
    try {
      await store.append(event, after, outboxEntry(producer.channel.address, encoded));
    } catch (error) {
      // A conflict means the cached state is stale; any other failure leaves the outcome unknown.
      cache.delete(event.movieId);
      throw error;
    }
    cache.set(after);
    return after;
  };

  /** The movie's state: from the cache unless `fresh`, else from Redis (and then cached). */
  const current = async (movieId: string, fresh: boolean): Promise<{ state: MovieState; cached: boolean }> => {
    if (!fresh) {
      const state = cache.get(movieId);
      if (state) return { state, cached: true };
    }
    const state = await store.load(movieId);
    if (!state) {
      cache.delete(movieId);
      throw new DomainError('HERALD_ERR_NOT_FOUND', `movie ${movieId} does not exist`, { field: 'movieId' });
    }
    cache.set(state);
    return { state, cached: false };
  };

  return {
    async create(fields, context) {
      const movieId = randomUUID();
      return commit(decideCreate(movieId, fields, eventTime(undefined, now())), undefined, context);
    },

    async update(movieId, expectedVersion, changes, context) {
      // Whatever a cached state leads to other than a committed event (a conflict, a retired movie, a
      // no-op) is confirmed on the stored state before it is answered.
      for (let fresh = false; ; fresh = true) {
        const { state, cached } = await current(movieId, fresh);
        try {
          if (state.version !== expectedVersion) throw conflict(movieId, state.version, expectedVersion);
          const draft = decideUpdate(state, changes, eventTime(state, now()));
          if (draft) return await commit(draft, state, context);
          if (!cached) return state;
        } catch (error) {
          if (!cached || !isDomainError(error)) throw error;
        }
      }
    },

    async retire(movieId, reason, expectedVersion, context) {
      // Without expectedVersion the caller means "retire whatever the version": a concurrent change is
      // not its conflict, so the retire is decided again on the new state. Idempotent: a retired movie
      // answers its state and gets no new event. A try from a cached state does not count as an attempt.
      for (let attempt = 0, fresh = false; ; fresh = true) {
        const { state, cached } = await current(movieId, fresh);
        try {
          if (expectedVersion !== undefined && state.version !== expectedVersion && state.status !== 'retired') {
            throw conflict(movieId, state.version, expectedVersion);
          }
          const draft = decideRetire(state, reason, eventTime(state, now()));
          if (draft) return await commit(draft, state, context);
          if (!cached) return state;
        } catch (error) {
          if (cached && isDomainError(error)) continue;
          if (!isVersionConflict(error) || expectedVersion !== undefined) throw error;
          if (++attempt >= retireAttempts) {
            throw new DomainError('HERALD_ERR_VERSION_CONFLICT', `movie ${movieId} kept changing while retiring it (${retireAttempts} attempts); try again`, {
              field: 'movieId', currentVersion: (error as DomainError).details.currentVersion,
            });
          }
        }
      }
    },
  };
}
