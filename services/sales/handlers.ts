// The Sales handlers of catalog movie events, as the generated consumer (and Pact consumer tests) call
// them: decoded event in, checked against Catalog's domain rules, projection updated or the event
// refused with a reason (DLQ `rejected`). They never call Catalog.
import { createHash } from 'node:crypto';
import { DeadLetterError, inSpan, NotReadyError, type ReceivedEvent } from 'herald/runtime';
import type { CatalogMovieHandlers } from '../../generated/channels/catalog-movie.ts';
import { MovieStatus, type Movie } from '../../generated/herald/catalog/movie/v1/movie.ts';
import { maxAmountMinor } from '../shared/money-schema.ts';
import { displayText, isCurrencyCode } from '../shared/text-rules.ts';
import type { ApplyOutcome, MovieProjection, ProjectedMovie, ProjectionChange } from './projection.ts';

export interface HandlerObserver {
  /** Told about every outcome, for metrics and logs. */
  outcome?(name: string, outcome: ApplyOutcome, event: ReceivedEvent<unknown>): void;
  /**
   * Each projection write in its own span (default true). A rebuild's fold turns them off: it has no
   * parent span, and a span per event costs about as much as the fold itself.
   */
  spans?: boolean;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Catalog's own HTTP limit on titles; an event cannot legitimately carry a longer one. */
const maxTitleLength = 200;

function reject(event: ReceivedEvent<unknown>, problem: string): never {
  throw new DeadLetterError('rejected', `${event.name} ${event.envelope.id}: ${problem}`);
}

/**
 * A digest of what an event says (type, subject, sequence and the decoded payload), so a redelivery
 * of the same event is told apart from another event reusing its id.
 */
export function eventDigest(event: ReceivedEvent<unknown>): string {
  return contentDigest(event.envelope.type, event.envelope.subject, event.envelope.sequence, event.data);
}

function contentDigest(type: string, subject: string | undefined, sequence: string | undefined, data: unknown): string {
  const payload = JSON.stringify(data, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
    return value;
  });
  return createHash('sha256')
    .update(`${type}\n${subject ?? ''}\n${sequence ?? ''}\n${payload}`)
    .digest('base64url')
    .slice(0, 22);
}

/** What every catalog event must satisfy before it may touch the projection; refuses with the reason. */
function checkEnvelope(event: ReceivedEvent<{ movieId: string; version: number }>): void {
  const { movieId, version } = event.data;
  if (!movieId || !uuid.test(movieId)) reject(event, `movieId "${movieId ?? ''}" is not a UUID`);
  if (!Number.isInteger(version) || version < 1) reject(event, `version ${version} is not a positive integer`);
  if (event.envelope.subject !== undefined && event.envelope.subject !== movieId) {
    reject(event, `subject ${event.envelope.subject} differs from movieId ${movieId}`);
  }
  if (event.envelope.sequence !== undefined && event.envelope.sequence !== String(version)) {
    reject(event, `sequence ${event.envelope.sequence} differs from version ${version}`);
  }
}

function projected(event: ReceivedEvent<{ movieId: string; version: number; movie?: Movie }>): ProjectedMovie {
  const { movie, version, movieId } = event.data;
  if (!movie || !movie.price) reject(event, `movie ${movieId} carries no movie or no price`);
  if (movie.movieId && movie.movieId !== movieId) reject(event, `movie.movieId ${movie.movieId} differs from movieId ${movieId}`);
  if (!displayText.test(movie.title) || movie.title.length > maxTitleLength) {
    reject(event, `movie.title ${JSON.stringify(movie.title.slice(0, 50))} is blank, too long, or has control or bidi characters`);
  }
  const amount = BigInt(movie.price.amountMinor);
  if (amount < 0n || amount > BigInt(maxAmountMinor)) reject(event, `movie.price.amountMinor ${amount} is outside 0..${maxAmountMinor}`);
  if (!isCurrencyCode(movie.price.currencyCode)) reject(event, `movie.price.currencyCode "${movie.price.currencyCode}" is not an ISO 4217 currency`);
  return {
    movieId,
    title: movie.title,
    price: { amountMinor: amount, currencyCode: movie.price.currencyCode },
    status: movie.status === MovieStatus.RETIRED ? 'retired' : 'active',
    version,
  };
}

/**
 * How a projection may compute an event's digest later: a function holding only what the digest
 * reads, not the whole event (a rebuild keeps it until the event's row is written).
 */
function digestOf(event: ReceivedEvent<unknown>): () => string {
  const { type, subject, sequence } = event.envelope;
  const data = event.data;
  return () => contentDigest(type, subject, sequence, data);
}

/**
 * digestOf for a fold that has the event's protobuf bytes: the same digest, computed from the bytes
 * decoded again. It keeps one string of the bytes instead of the decoded payload's dozen objects, which
 * a rebuild keeps until the movie's next event and which then outlived the young generation.
 */
export function payloadDigestOf(event: ReceivedEvent<unknown>, payload: Buffer, decode: (bytes: Buffer) => unknown): () => string {
  const { type, subject, sequence } = event.envelope;
  const bytes = payload.toString('latin1');
  return () => contentDigest(type, subject, sequence, decode(Buffer.from(bytes, 'latin1')));
}

/**
 * What an outcome means for the event: early ones wait (NotReadyError), tampered and conflicting ones
 * are refused (DeadLetterError `rejected`); applied and duplicate ones are done.
 */
export function settleOutcome(event: ReceivedEvent<{ movieId: string; version: number }>, outcome: ApplyOutcome): void {
  const { movieId, version } = event.data;
  if (outcome === 'early') {
    throw new NotReadyError(`${event.name} v${version} of movie ${movieId} arrived before its predecessor`, { movieId, version });
  }
  if (outcome === 'tampered') reject(event, `event id ${event.envelope.id} was applied before with other content (movie ${movieId} v${version})`);
  if (outcome === 'conflict') reject(event, `movie ${movieId} v${version} was already applied from another event; two events claim this version (one is forged, or was republished under a new id)`);
}

async function applyOrWait(projection: MovieProjection, event: ReceivedEvent<{ movieId: string; version: number }>, change: ProjectionChange, observer: HandlerObserver): Promise<void> {
  // Its own span, inside the event's process span: the write that made the event visible in Sales.
  const outcome = observer.spans === false
    ? await projection.apply(event.envelope.id, change, digestOf(event))
    : await inSpan('sales projection apply', { 'herald.movie_id': event.data.movieId, 'herald.movie_version': event.data.version }, () => projection.apply(event.envelope.id, change, digestOf(event)));
  observer.outcome?.(event.name, outcome, event);
  settleOutcome(event, outcome);
}

/**
 * Catalog's domain rules per message, as the handlers apply them: the change an event asks of the
 * projection, or DeadLetterError `rejected` with the reason. Synchronous, so a rebuild's fold (which
 * has no I/O per event) runs them without a promise per event (replay.ts).
 */
export const catalogMovieChanges: { [N in keyof CatalogMovieHandlers]: (event: Parameters<CatalogMovieHandlers[N]>[0]) => ProjectionChange } = {
  MovieCreated(event) {
    checkEnvelope(event);
    // A movie is created at version 1; a "creation" at any other version cannot come from Catalog.
    if (event.data.version !== 1) reject(event, `MovieCreated must be version 1, not ${event.data.version}`);
    return { kind: 'upsert', movie: projected(event) };
  },
  MovieUpdated(event) {
    checkEnvelope(event);
    if (event.data.version < 2) reject(event, `MovieUpdated must follow a MovieCreated (version 2 or more), not version ${event.data.version}`);
    return { kind: 'upsert', movie: projected(event) };
  },
  MovieRetired(event) {
    checkEnvelope(event);
    if (event.data.version < 2) reject(event, `MovieRetired must follow a MovieCreated (version 2 or more), not version ${event.data.version}`);
    return { kind: 'retire', movieId: event.data.movieId, version: event.data.version };
  },
};

/**
 * Applies one event to a projection that applies synchronously (a fold): the handlers' rules, the same
 * projection rule, the same outcomes, thrown the same way, with no promise. Pass the digest as the
 * handlers do (digestOf) so a fold computes it only where its row keeps it.
 */
export function applyCatalogMovieNow(
  applyNow: (eventId: string, change: ProjectionChange, digest: () => string) => ApplyOutcome,
  event: ReceivedEvent<unknown>,
  digest: () => string = digestOf(event),
): void {
  const change = (catalogMovieChanges as Record<string, (event: ReceivedEvent<unknown>) => ProjectionChange>)[event.name]!(event);
  const checked = event as ReceivedEvent<{ movieId: string; version: number }>;
  settleOutcome(checked, applyNow(checked.envelope.id, change, digest));
}

/**
 * Handlers for every message of `catalog.movie.v1`: checked, then applied; duplicates are acked, early
 * events wait (NotReadyError), refused events go to the DLQ (DeadLetterError `rejected`).
 */
export function createCatalogMovieHandlers(projection: MovieProjection, observer: HandlerObserver = {}): CatalogMovieHandlers {
  return {
    async MovieCreated(event) {
      await applyOrWait(projection, event, catalogMovieChanges.MovieCreated(event), observer);
    },
    async MovieUpdated(event) {
      await applyOrWait(projection, event, catalogMovieChanges.MovieUpdated(event), observer);
    },
    async MovieRetired(event) {
      await applyOrWait(projection, event, catalogMovieChanges.MovieRetired(event), observer);
    },
  };
}
