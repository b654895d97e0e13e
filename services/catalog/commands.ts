// Catalog's commands: load the movie, decide the event, encode it for the channel (refusing one the
// channel would refuse) and append it with its outbox entry in one atomic function. It never publishes
// directly: only the relay does.
import { randomUUID } from 'node:crypto';
import { isHeraldError, outboxEntry, uuidv7, type Producer } from 'herald/runtime';
import { DomainError } from '../shared/errors.ts';
import type { CatalogMovieChannel } from '../../generated/channels/catalog-movie.ts';
import type { MovieEventStore } from './event-store.ts';
import { outgoingEvent } from './events.ts';
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

export function createMovieCommands(store: MovieEventStore, producer: Producer<CatalogMovieChannel>, now: () => Date = () => new Date()): MovieCommands {
  const commit = async (draft: DraftMovieEvent, before: MovieState | undefined, context: CommandContext = {}): Promise<MovieState> => {
    // The command chooses the event id: the stored event, the state and the envelope all carry it.
    const event: StoredMovieEvent = { ...draft, eventId: uuidv7(), ...(context.traceparent ? { traceparent: context.traceparent } : {}) };
    const after = applyEvent(before, event);
    // Throws HERALD_ERR_EVENT_TOO_LARGE before anything is written: the relay must never meet it.
    const encoded = producer.encodeEvent(outgoingEvent(event, after));
    await store.append(event, after, outboxEntry(producer.channel.address, encoded));
    return after;
  };

  const existing = async (movieId: string): Promise<MovieState> => {
    const state = await store.load(movieId);
    if (!state) throw new DomainError('HERALD_ERR_NOT_FOUND', `movie ${movieId} does not exist`, { field: 'movieId' });
    return state;
  };

  return {
    async create(fields, context) {
      const movieId = randomUUID();
      return commit(decideCreate(movieId, fields, eventTime(undefined, now())), undefined, context);
    },

    async update(movieId, expectedVersion, changes, context) {
      const state = await existing(movieId);
      if (state.version !== expectedVersion) {
        throw new DomainError('HERALD_ERR_VERSION_CONFLICT', `movie ${movieId} is at version ${state.version}, not ${expectedVersion}`, {
          field: 'expectedVersion', currentVersion: state.version,
        });
      }
      const draft = decideUpdate(state, changes, eventTime(state, now()));
      return draft ? commit(draft, state, context) : state;
    },

    async retire(movieId, reason, expectedVersion, context) {
      // Without expectedVersion the caller means "retire whatever the version": a concurrent change is
      // not its conflict, so the retire is decided again on the new state. Idempotent: a retired movie
      // answers its state and gets no new event.
      for (let attempt = 0; ; attempt++) {
        const state = await existing(movieId);
        if (expectedVersion !== undefined && state.version !== expectedVersion && state.status !== 'retired') {
          throw new DomainError('HERALD_ERR_VERSION_CONFLICT', `movie ${movieId} is at version ${state.version}, not ${expectedVersion}`, {
            field: 'expectedVersion', currentVersion: state.version,
          });
        }
        const draft = decideRetire(state, reason, eventTime(state, now()));
        if (!draft) return state;
        try {
          return await commit(draft, state, context);
        } catch (error) {
          if (!isVersionConflict(error) || expectedVersion !== undefined) throw error;
          if (attempt >= retireAttempts - 1) {
            throw new DomainError('HERALD_ERR_VERSION_CONFLICT', `movie ${movieId} kept changing while retiring it (${retireAttempts} attempts); try again`, {
              field: 'movieId', currentVersion: (error as DomainError).details.currentVersion,
            });
          }
        }
      }
    },
  };
}
