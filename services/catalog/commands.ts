// Catalog's commands: load the movie, decide the event, encode it for the channel and append it with
// its outbox entry in one atomic script. It never publishes directly: only the relay does.
import { randomUUID } from 'node:crypto';
import { encodedEventToFields, HeraldError, type Producer } from 'herald/runtime';
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
  return error instanceof HeraldError && error.code === 'HERALD_ERR_VERSION_CONFLICT';
}

export function createMovieCommands(store: MovieEventStore, producer: Producer<CatalogMovieChannel>, now: () => Date = () => new Date()): MovieCommands {
  const commit = async (draft: DraftMovieEvent, before: MovieState | undefined, context: CommandContext = {}): Promise<MovieState> => {
    const withTrace = { ...draft, ...(context.traceparent ? { traceparent: context.traceparent } : {}) } as DraftMovieEvent;
    const provisional = applyEvent(before, { ...withTrace, eventId: '' } as StoredMovieEvent);
    const outgoing = outgoingEvent(withTrace, provisional);
    const encoded = producer.encode(outgoing.name, outgoing.data as never, outgoing.options);
    const stored = { ...withTrace, eventId: encoded.envelope.id } as StoredMovieEvent;
    await store.append(stored, provisional, encodedEventToFields(encoded));
    return provisional;
  };

  const existing = async (movieId: string): Promise<MovieState> => {
    const state = await store.load(movieId);
    if (!state) throw new HeraldError('HERALD_ERR_NOT_FOUND', `movie ${movieId} does not exist`, { field: 'params.id' });
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
        throw new HeraldError('HERALD_ERR_VERSION_CONFLICT', `movie ${movieId} is at version ${state.version}, not ${expectedVersion}`, {
          field: 'body.expectedVersion', currentVersion: state.version,
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
          throw new HeraldError('HERALD_ERR_VERSION_CONFLICT', `movie ${movieId} is at version ${state.version}, not ${expectedVersion}`, {
            field: 'body.expectedVersion', currentVersion: state.version,
          });
        }
        const draft = decideRetire(state, reason, eventTime(state, now()));
        if (!draft) return state;
        try {
          return await commit(draft, state, context);
        } catch (error) {
          if (!isVersionConflict(error) || expectedVersion !== undefined) throw error;
          if (attempt >= retireAttempts - 1) {
            throw new HeraldError('HERALD_ERR_VERSION_CONFLICT', `movie ${movieId} kept changing while retiring it (${retireAttempts} attempts); try again`, {
              field: 'params.id', currentVersion: (error as HeraldError).details.currentVersion,
            });
          }
        }
      }
    },
  };
}
