// Catalog's in-memory cache of movie states, so a command costs one Redis round trip (the append
// function) instead of three (snapshot, events, append). It is only ever a guess: catalog_append refuses
// an event whose expected version is not the stored one, and the command path then drops the entry,
// reloads from Redis and decides again. Another Catalog instance, a restore or a flush can therefore
// make it stale but never make it wrong. Bounded: least recently used entries go first.
import type { MovieState } from './movie.ts';

export interface MovieStateCache {
  get(movieId: string): MovieState | undefined;
  set(state: MovieState): void;
  delete(movieId: string): void;
  readonly size: number;
}

/** A cache of at most `capacity` movies (0 = no caching: every command loads from Redis). */
export function createMovieStateCache(capacity: number): MovieStateCache {
  // A Map iterates in insertion order: re-inserting on each hit keeps the least recently used first.
  const entries = new Map<string, MovieState>();
  return {
    get(movieId) {
      const state = entries.get(movieId);
      if (state === undefined) return undefined;
      entries.delete(movieId);
      entries.set(movieId, state);
      return state;
    },
    set(state) {
      if (capacity <= 0) return;
      entries.delete(state.movieId);
      entries.set(state.movieId, state);
      if (entries.size > capacity) entries.delete(entries.keys().next().value!);
    },
    delete(movieId) {
      entries.delete(movieId);
    },
    get size() {
      return entries.size;
    },
  };
}
