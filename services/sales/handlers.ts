// The Sales handlers of catalog movie events, as the generated consumer (and Pact consumer tests) call
// them: decoded event in, projection updated or the event refused. They never call Catalog.
import { DeadLetterError, inSpan, NotReadyError, type ReceivedEvent } from 'herald/runtime';
import type { CatalogMovieHandlers } from '../../generated/channels/catalog-movie.ts';
import { MovieStatus, type Movie } from '../../generated/herald/catalog/movie/v1/movie.ts';
import type { ApplyOutcome, MovieProjection, ProjectedMovie, ProjectionChange } from './projection.ts';

export interface HandlerObserver {
  /** Told about every outcome, for metrics and logs. */
  outcome?(name: string, outcome: ApplyOutcome, event: ReceivedEvent<unknown>): void;
}

function projected(event: ReceivedEvent<{ movieId: string; version: number; movie?: Movie }>): ProjectedMovie {
  const { movie, version, movieId } = event.data;
  if (!movie || !movie.price) {
    throw new DeadLetterError('rejected', `${event.name} ${event.envelope.id} of movie ${movieId} carries no movie or no price`);
  }
  if (movie.movieId && movie.movieId !== movieId) {
    throw new DeadLetterError('rejected', `${event.name} ${event.envelope.id}: movie.movieId ${movie.movieId} differs from movieId ${movieId}`);
  }
  return {
    movieId,
    title: movie.title,
    price: { amountMinor: BigInt(movie.price.amountMinor), currencyCode: movie.price.currencyCode },
    status: movie.status === MovieStatus.RETIRED ? 'retired' : 'active',
    version,
  };
}

async function applyOrWait(projection: MovieProjection, event: ReceivedEvent<{ movieId: string; version: number }>, change: ProjectionChange, observer: HandlerObserver): Promise<void> {
  if (!event.data.movieId || !event.data.version) {
    throw new DeadLetterError('rejected', `${event.name} ${event.envelope.id} has no movieId or no version`);
  }
  // Its own span, inside the event's process span: the write that made the event visible in Sales.
  const outcome = await inSpan('sales projection apply', { 'herald.movie_id': event.data.movieId, 'herald.movie_version': event.data.version }, () => projection.apply(event.envelope.id, change));
  observer.outcome?.(event.name, outcome, event);
  if (outcome === 'early') {
    throw new NotReadyError(`${event.name} v${event.data.version} of movie ${event.data.movieId} arrived before its predecessor`, {
      movieId: event.data.movieId, version: event.data.version,
    });
  }
}

/** Handlers for every message of `catalog.movie.v1`: duplicates are acked, early events wait (NotReadyError). */
export function createCatalogMovieHandlers(projection: MovieProjection, observer: HandlerObserver = {}): CatalogMovieHandlers {
  return {
    async MovieCreated(event) {
      await applyOrWait(projection, event, { kind: 'upsert', movie: projected(event) }, observer);
    },
    async MovieUpdated(event) {
      await applyOrWait(projection, event, { kind: 'upsert', movie: projected(event) }, observer);
    },
    async MovieRetired(event) {
      await applyOrWait(projection, event, { kind: 'retire', movieId: event.data.movieId, version: event.data.version }, observer);
    },
  };
}
