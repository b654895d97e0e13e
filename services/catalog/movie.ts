// The Catalog's movie aggregate: its state, its stored events, how events fold into state and how
// commands decide which event to emit. Pure: no Redis, no HTTP, no clock of its own.
import { DomainError } from '../shared/errors.ts';
import { parseJsonWithBigInts, stringifyJsonWithBigInts } from '../shared/bigint-json.ts';

export interface Money {
  currencyCode: string;
  /** Minor units (cents); bigint so no price ever passes through floating point. */
  amountMinor: bigint;
}

export type MovieStatusName = 'active' | 'retired';

export interface MovieFields {
  title: string;
  price: Money;
  genres: string[];
  releaseYear: number;
}

export interface MovieState extends MovieFields {
  movieId: string;
  status: MovieStatusName;
  version: number;
  createdAt: string;
  updatedAt: string;
  retiredReason?: string;
}

interface StoredEventBase {
  /** The CloudEvents id of the published event (UUIDv7). */
  eventId: string;
  movieId: string;
  /** Aggregate version after this event: 1, 2, 3, ... without gaps. */
  version: number;
  /** RFC 3339 time of the change; never earlier than the previous event's. */
  at: string;
  traceparent?: string;
}

/** One event as kept in the movie's event list (JSON; amounts as decimal strings). */
export type StoredMovieEvent =
  | (StoredEventBase & { type: 'MovieCreated'; fields: MovieFields })
  | (StoredEventBase & { type: 'MovieUpdated'; changes: Partial<MovieFields>; changedFields: string[] })
  | (StoredEventBase & { type: 'MovieRetired'; reason: string });

/** A stored event before it has its id (the id comes from the encoded envelope). */
export type DraftMovieEvent = StoredMovieEvent extends infer E ? (E extends StoredMovieEvent ? Omit<E, 'eventId'> & { eventId?: string } : never) : never;

/** FieldMask paths use the proto field names. */
export const fieldPaths: Record<keyof MovieFields, string> = {
  title: 'title',
  price: 'price',
  genres: 'genres',
  releaseYear: 'release_year',
};

export function applyEvent(state: MovieState | undefined, event: StoredMovieEvent): MovieState {
  const expected = (state?.version ?? 0) + 1;
  if (event.version !== expected) {
    throw new DomainError('HERALD_ERR_VERSION_CONFLICT', `movie ${event.movieId}: event version ${event.version} does not follow ${expected - 1}`);
  }
  switch (event.type) {
    case 'MovieCreated':
      return { movieId: event.movieId, ...cloneFields(event.fields), status: 'active', version: 1, createdAt: event.at, updatedAt: event.at };
    case 'MovieUpdated':
      return { ...state!, ...cloneFields({ ...state!, ...event.changes }), version: event.version, updatedAt: event.at };
    case 'MovieRetired':
      return { ...state!, status: 'retired', retiredReason: event.reason, version: event.version, updatedAt: event.at };
  }
}

export function foldEvents(start: MovieState | undefined, events: readonly StoredMovieEvent[]): MovieState | undefined {
  let state = start;
  for (const event of events) state = applyEvent(state, event);
  return state;
}

function cloneFields(fields: MovieFields): MovieFields {
  return { title: fields.title, price: { ...fields.price }, genres: [...fields.genres], releaseYear: fields.releaseYear };
}

/** The time of a new event: now, but never before the movie's last change (keeps asOf monotonic). */
export function eventTime(state: MovieState | undefined, now: Date): string {
  const last = state ? Date.parse(state.updatedAt) : 0;
  return new Date(Math.max(now.getTime(), last)).toISOString();
}

type NewEvent<T extends StoredMovieEvent['type']> = Omit<Extract<StoredMovieEvent, { type: T }>, 'eventId'>;

export function decideCreate(movieId: string, fields: MovieFields, at: string): NewEvent<'MovieCreated'> {
  return { type: 'MovieCreated', movieId, version: 1, at, fields: cloneFields(fields) };
}

/** The update event, or undefined when nothing actually changes (no event for a no-op). */
export function decideUpdate(state: MovieState, changes: Partial<MovieFields>, at: string): NewEvent<'MovieUpdated'> | undefined {
  if (state.status === 'retired') {
    throw new DomainError('HERALD_ERR_MOVIE_RETIRED', `movie ${state.movieId} is retired and can no longer be changed`);
  }
  const changed: Partial<MovieFields> = {};
  const paths: string[] = [];
  for (const key of Object.keys(fieldPaths) as Array<keyof MovieFields>) {
    const next = changes[key];
    if (next === undefined || sameValue(state[key], next)) continue;
    (changed as Record<string, unknown>)[key] = next;
    paths.push(fieldPaths[key]);
  }
  if (paths.length === 0) return undefined;
  return { type: 'MovieUpdated', movieId: state.movieId, version: state.version + 1, at, changes: changed, changedFields: paths };
}

/** The retire event, or undefined when the movie is already retired (retiring is idempotent). */
export function decideRetire(state: MovieState, reason: string, at: string): NewEvent<'MovieRetired'> | undefined {
  if (state.status === 'retired') return undefined;
  return { type: 'MovieRetired', movieId: state.movieId, version: state.version + 1, at, reason };
}

function sameValue(a: unknown, b: unknown): boolean {
  return stringifyJsonWithBigInts(a) === stringifyJsonWithBigInts(b);
}

// Stored JSON: bigint amounts travel as decimal strings and come back as bigint at the paths named here.
export function serialize(value: StoredMovieEvent | MovieState): string {
  return stringifyJsonWithBigInts(value);
}

export function parseState(json: string): MovieState {
  return parseJsonWithBigInts<MovieState>(json, ['price.amountMinor']);
}

/** A stored event: MovieCreated carries `fields.price`, MovieUpdated may carry `changes.price`. */
export function parseEvent(json: string): StoredMovieEvent {
  return parseJsonWithBigInts<StoredMovieEvent>(json, ['fields.price.amountMinor', 'changes.price.amountMinor']);
}
