import { describe, expect, it } from 'vitest';
import { catalogMovie } from '../../generated/channels/catalog-movie.ts';
import { MovieStatus } from '../../generated/herald/catalog/movie/v1/movie.ts';
import { outgoingEvent } from './events.ts';
import { applyEvent, decideCreate, decideRetire, decideUpdate, type StoredMovieEvent } from './movie.ts';

const id = '3f1c2a9e-6b7d-4e8f-9a0b-1c2d3e4f5a6b';
const created = { ...decideCreate(id, { title: 'Dune', price: { currencyCode: 'EUR', amountMinor: 1299n }, genres: ['sf'], releaseYear: 2021 }, '2026-11-25T10:00:00.000Z'), eventId: 'e1' } as StoredMovieEvent;
const v1 = applyEvent(undefined, created);
const updated = { ...decideUpdate(v1, { price: { currencyCode: 'EUR', amountMinor: 999n } }, '2026-11-25T11:00:00.000Z')!, eventId: 'e2' } as StoredMovieEvent;
const v2 = applyEvent(v1, updated);
const retired = { ...decideRetire(v2, 'licence ended', '2026-11-25T12:00:00.000Z')!, eventId: 'e3' } as StoredMovieEvent;
const v3 = applyEvent(v2, retired);

describe('catalog event builders', () => {
  it.each([
    { name: 'MovieCreated', event: created, state: v1, expected: { movieId: id, version: 1, movie: { title: 'Dune', price: { amountMinor: 1299n }, status: MovieStatus.ACTIVE, releaseYear: 2021 } } },
    { name: 'MovieUpdated', event: updated, state: v2, expected: { version: 2, changedFields: { paths: ['price'] }, movie: { price: { amountMinor: 999n, currencyCode: 'EUR' } } } },
    { name: 'MovieRetired', event: retired, state: v3, expected: { movieId: id, version: 3, reason: 'licence ended' } },
  ])('builds $name with envelope options and survives a protobuf round trip', ({ name, event, state, expected }) => {
    const outgoing = outgoingEvent(event, state);
    expect(outgoing.name).toBe(name);
    expect(outgoing.options).toMatchObject({ subject: id, sequence: event.version, id: event.eventId, time: new Date(event.at) });
    const codec = catalogMovie.messages[outgoing.name].codec as { encode(m: unknown): { finish(): Uint8Array }; decode(b: Uint8Array): unknown };
    expect(codec.decode(codec.encode(outgoing.data).finish())).toMatchObject(expected);
  });
});
