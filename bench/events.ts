// Benchmark fixtures: realistic catalog events built with the generated codecs, the producer the
// benchmarks publish with, and a fast pipelined fill of the stream. It never measures anything itself.
import type { OutgoingEvent, RedisConnection } from 'herald/runtime';
import { catalogMovie, type CatalogMovieChannel } from '../generated/channels/catalog-movie.ts';
import { createCatalogService } from '../generated/services/catalog.ts';
import type { MovieCreated, MovieUpdated } from '../generated/herald/catalog/movie/v1/events.ts';
import { MovieStatus, type Movie } from '../generated/herald/catalog/movie/v1/movie.ts';

export const channel = catalogMovie;
export type BenchChannel = CatalogMovieChannel;
export const benchStream = catalogMovie.address;

/** Aggregate ids: UUID-shaped, stable per index, so a filled stream has `movies` distinct subjects. */
export function movieId(index: number): string {
  return `0193a5b2-7c1d-7e3f-8a9b-${index.toString(16).padStart(12, '0')}`;
}

export function movie(index: number, version: number): Movie {
  return {
    movieId: movieId(index),
    title: `Movie ${index} (take ${version})`,
    price: { currencyCode: 'EUR', amountMinor: BigInt(999 + (index % 1000)) },
    genres: ['drama', 'thriller'],
    releaseYear: 1990 + (index % 35),
    status: MovieStatus.ACTIVE,
  };
}

/** The MovieCreated that Catalog publishes for a new movie, with its envelope options. */
export function movieCreatedEvent(index: number): OutgoingEvent<BenchChannel> {
  const data: MovieCreated = { movieId: movieId(index), version: 1, movie: movie(index, 1) };
  return { name: 'MovieCreated', data, options: { subject: data.movieId, sequence: 1 } };
}

export function movieUpdatedEvent(index: number, version: number): OutgoingEvent<BenchChannel> {
  const data: MovieUpdated = { movieId: movieId(index), version, changedFields: { paths: ['title'] }, movie: movie(index, version) };
  return { name: 'MovieUpdated', data, options: { subject: data.movieId, sequence: version } };
}

/**
 * Event `i` of a stream of `movies` movies that each get created and then updated in turn:
 * every event applies cleanly to a projection (each version follows its predecessor).
 */
export function catalogEvent(i: number, movies: number): OutgoingEvent<BenchChannel> {
  const index = i % movies;
  const version = Math.floor(i / movies) + 1;
  return version === 1 ? movieCreatedEvent(index) : movieUpdatedEvent(index, version);
}

export function createBenchProducer(redis: RedisConnection, maxLen?: number) {
  return createCatalogService(redis, { producer: maxLen ? { maxLen } : {} }).producers.catalogMovie;
}

/**
 * Fills the channel's stream with `total` catalog events of `movies` movies, as fast as one
 * connection allows: batches of 1000 XADDs, four batches in flight.
 */
export async function fillStream(redis: RedisConnection, total: number, movies = Math.min(10_000, total)): Promise<void> {
  const producer = createBenchProducer(redis, total * 2);
  const batch = 1000;
  const inFlight: Promise<unknown>[] = [];
  for (let sent = 0; sent < total; sent += batch) {
    const events = [];
    for (let i = sent; i < Math.min(total, sent + batch); i++) {
      const event = catalogEvent(i, movies);
      events.push(producer.encode(event.name, event.data, event.options));
    }
    inFlight.push(producer.publishEncoded(events));
    if (inFlight.length >= 4) await inFlight.shift();
  }
  await Promise.all(inFlight);
}
