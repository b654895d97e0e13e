// Pure builders of Catalog's published event payloads from domain state: the one place that maps the
// aggregate onto the contract. The Pact provider verification calls these; they must never touch I/O.
import type { OutgoingEvent } from 'herald/runtime';
import type { CatalogMovieChannel } from '../../generated/channels/catalog-movie.ts';
import type { MovieCreated, MovieRetired, MovieUpdated } from '../../generated/herald/catalog/movie/v1/events.ts';
import { MovieStatus, type Movie } from '../../generated/herald/catalog/movie/v1/movie.ts';
import type { MovieState, StoredMovieEvent } from './movie.ts';

export function movieMessage(state: MovieState): Movie {
  return {
    movieId: state.movieId,
    title: state.title,
    price: { currencyCode: state.price.currencyCode, amountMinor: state.price.amountMinor },
    genres: [...state.genres],
    releaseYear: state.releaseYear,
    status: state.status === 'retired' ? MovieStatus.RETIRED : MovieStatus.ACTIVE,
  };
}

export function movieCreated(state: MovieState): MovieCreated {
  return { movieId: state.movieId, version: state.version, movie: movieMessage(state) };
}

export function movieUpdated(state: MovieState, changedFields: readonly string[]): MovieUpdated {
  return { movieId: state.movieId, version: state.version, changedFields: { paths: [...changedFields] }, movie: movieMessage(state) };
}

export function movieRetired(state: MovieState, reason: string): MovieRetired {
  return { movieId: state.movieId, version: state.version, reason };
}

/** The channel event for a stored domain event, with its envelope options (subject, sequence, time, trace). */
export function outgoingEvent(
  event: StoredMovieEvent,
  stateAfter: MovieState,
): OutgoingEvent<CatalogMovieChannel> {
  const options = {
    subject: event.movieId,
    sequence: event.version,
    time: new Date(event.at),
    id: event.eventId,
    ...(event.traceparent ? { traceparent: event.traceparent } : {}),
  };
  switch (event.type) {
    case 'MovieCreated':
      return { name: 'MovieCreated', data: movieCreated(stateAfter), options };
    case 'MovieUpdated':
      return { name: 'MovieUpdated', data: movieUpdated(stateAfter, event.changedFields), options };
    case 'MovieRetired':
      return { name: 'MovieRetired', data: movieRetired(stateAfter, event.reason), options };
  }
}
