import { describe, expect, it } from 'vitest';
import { applyEvent, decideCreate, decideRetire, decideUpdate, foldEvents, parseEvent, parseState, serialize, type MovieFields, type MovieState, type StoredMovieEvent } from './movie.ts';

const dune: MovieFields = { title: 'Dune', price: { currencyCode: 'EUR', amountMinor: 1299n }, genres: ['sf'], releaseYear: 2021 };
const id = '3f1c2a9e-6b7d-4e8f-9a0b-1c2d3e4f5a6b';

function created(): MovieState {
  return applyEvent(undefined, { ...decideCreate(id, dune, '2026-01-01T00:00:00.000Z'), eventId: 'e1' });
}

describe('movie aggregate', () => {
  it('folds create, update and retire into the current state', () => {
    const events: StoredMovieEvent[] = [
      { ...decideCreate(id, dune, '2026-01-01T00:00:00.000Z'), eventId: 'e1' },
      { type: 'MovieUpdated', movieId: id, version: 2, at: '2026-01-02T00:00:00.000Z', eventId: 'e2', changes: { price: { currencyCode: 'EUR', amountMinor: 999n } }, changedFields: ['price'] },
      { type: 'MovieRetired', movieId: id, version: 3, at: '2026-01-03T00:00:00.000Z', eventId: 'e3', reason: 'licence ended' },
    ];
    const state = foldEvents(undefined, events)!;
    expect(state).toMatchObject({ title: 'Dune', price: { amountMinor: 999n }, status: 'retired', version: 3, retiredReason: 'licence ended', updatedAt: '2026-01-03T00:00:00.000Z' });
  });

  it.each([
    { name: 'an unchanged title emits nothing', changes: { title: 'Dune' }, paths: undefined },
    { name: 'a new price names the price path', changes: { price: { currencyCode: 'EUR', amountMinor: 1000n } }, paths: ['price'] },
    { name: 'release year uses the proto field name', changes: { releaseYear: 2022, title: 'Dune' }, paths: ['release_year'] },
    { name: 'several fields are listed in proto order', changes: { genres: ['drama'], title: 'Dune 2' }, paths: ['title', 'genres'] },
  ])('update: $name', ({ changes, paths }) => {
    const event = decideUpdate(created(), changes as Partial<MovieFields>, '2026-01-02T00:00:00.000Z');
    expect(event?.changedFields).toEqual(paths);
  });

  it('refuses to update a retired movie with HERALD_ERR_MOVIE_RETIRED', () => {
    const retired = applyEvent(created(), { ...decideRetire(created(), 'gone', '2026-01-02T00:00:00.000Z')!, eventId: 'e2' });
    expect(() => decideUpdate(retired, { title: 'x' }, '2026-01-03T00:00:00.000Z')).toThrow(expect.objectContaining({ code: 'HERALD_ERR_MOVIE_RETIRED' }));
    expect(decideRetire(retired, 'again', '2026-01-03T00:00:00.000Z')).toBeUndefined();
  });

  it('rejects an event whose version does not follow the state', () => {
    expect(() => applyEvent(created(), { type: 'MovieRetired', movieId: id, version: 3, at: 'x', eventId: 'e3', reason: '' })).toThrow(/does not follow 1/);
  });

  it('round-trips bigint amounts through stored JSON, states and events', () => {
    const big = { ...created(), price: { currencyCode: 'JPY', amountMinor: 900719925474099300n } };
    expect(parseState(serialize(big)).price.amountMinor).toBe(900719925474099300n);
    const update = { ...decideUpdate(created(), { price: big.price }, '2026-01-02T00:00:00.000Z')!, eventId: 'e2' } as StoredMovieEvent;
    expect(parseEvent(serialize(update))).toEqual(update);
  });

  it('revives bigints only at declared paths: a title that looks like a number stays a string', () => {
    const state = { ...created(), title: '1234567890123456789', price: { currencyCode: 'EUR', amountMinor: 5n } };
    expect(parseState(serialize(state))).toEqual(state);
  });
});
