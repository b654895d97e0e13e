import { describe, expect, it } from 'vitest';
import type { Envelope, RedisConnection } from 'herald/runtime';
import { catalogMovie } from '../../generated/channels/catalog-movie.ts';
import { MovieStatus } from '../../generated/herald/catalog/movie/v1/movie.ts';
import { redisTest } from '../../test/support/redis-fixture.ts';
import { createCatalogMovieHandlers, eventDigest, payloadDigestOf } from './handlers.ts';
import { createMovieProjection, rebuildProjectionKeys } from './projection.ts';

let redis: RedisConnection;
redisTest.beforeAll(({ redis: connection }) => {
  redis = connection;
});

const movieId = '3f1c2a9e-6b7d-4e8f-9a0b-1c2d3e4f5a6b';
const envelope = (id: string): Envelope => ({ specversion: '1.0', id, source: 'herald/catalog', type: 't', time: '2026-11-25T10:00:00.000Z', datacontenttype: 'application/protobuf', dataschema: 's' });
const received = <T>(name: string, id: string, data: T) => ({ envelope: envelope(id), data, name, channel: catalogMovie.address, streamId: '1-0', deliveryCount: 1 });
// Bodies as a Pact consumer test would hand them over: proto3 JSON, decoded by the generated codec.
const created = catalogMovie.messages.MovieCreated.codec.fromJSON({
  movieId, version: 1, movie: { movieId, title: 'Dune', price: { currencyCode: 'EUR', amountMinor: '1299' }, genres: ['sf'], releaseYear: 2021, status: 'MOVIE_STATUS_ACTIVE' },
});

describe('sales catalog-movie handlers', () => {
  it('apply a created movie, ack a duplicate, and refuse an early event with NotReadyError', async () => {
    const projection = createMovieProjection(redis, rebuildProjectionKeys('handlers'));
    const handlers = createCatalogMovieHandlers(projection);
    await expect(handlers.MovieRetired(received('MovieRetired', 'e3', { movieId, version: 3, reason: 'x' }))).rejects.toMatchObject({ name: 'NotReadyError' });
    await handlers.MovieCreated(received('MovieCreated', 'e1', created));
    await handlers.MovieCreated(received('MovieCreated', 'e1', created));
    expect(await projection.get(movieId)).toEqual({ movieId, title: 'Dune', price: { amountMinor: 1299n, currencyCode: 'EUR' }, status: 'active', version: 1, lastEventId: 'e1', lastDigest: expect.any(String) });
    await handlers.MovieUpdated(received('MovieUpdated', 'e2', { movieId, version: 2, changedFields: { paths: ['title'] }, movie: { ...created.movie!, title: 'Dune I' } }));
    await handlers.MovieRetired(received('MovieRetired', 'e3', { movieId, version: 3, reason: 'x' }));
    expect(await projection.get(movieId)).toMatchObject({ title: 'Dune I', status: 'retired', version: 3 });
  });

  it('dead-letters an event without a movie or a price', async () => {
    const handlers = createCatalogMovieHandlers(createMovieProjection(redis, rebuildProjectionKeys('handlers-bad')));
    await expect(handlers.MovieCreated(received('MovieCreated', 'bad', { movieId, version: 1 }))).rejects.toMatchObject({ name: 'DeadLetterError', reason: 'rejected' });
    const noPrice = { movieId, version: 1, movie: { movieId, title: 'x', genres: [], releaseYear: 2000, status: MovieStatus.ACTIVE } };
    await expect(handlers.MovieCreated(received('MovieCreated', 'bad2', noPrice))).rejects.toMatchObject({ name: 'DeadLetterError' });
  });

  const bad = (changes: Record<string, unknown>) => ({ ...created, movie: { ...created.movie!, ...changes } });
  it.each([
    { name: 'currency €€€', data: bad({ price: { currencyCode: '€€€', amountMinor: 1n } }), reason: /currencyCode "€€€" is not an ISO 4217 currency/ },
    { name: 'currency XXX', data: bad({ price: { currencyCode: 'XXX', amountMinor: 1n } }), reason: /currencyCode "XXX"/ },
    { name: 'a negative price', data: bad({ price: { currencyCode: 'EUR', amountMinor: -1n } }), reason: /amountMinor -1 is outside/ },
    { name: 'a price of 2^62', data: bad({ price: { currencyCode: 'EUR', amountMinor: 2n ** 62n } }), reason: /amountMinor 4611686018427387904 is outside/ },
    { name: 'a blank title', data: bad({ title: '   ' }), reason: /movie.title/ },
    { name: 'a bidi override in the title', data: bad({ title: 'a\u202eb' }), reason: /movie.title/ },
    { name: 'a movie id that is no UUID', data: { ...created, movieId: 'dune' }, reason: /movieId "dune" is not a UUID/ },
    { name: 'a creation at version 5', data: { ...created, version: 5 }, reason: /MovieCreated must be version 1, not 5/ },
  ])('dead-letters ($reason) an event with $name, applying nothing', async ({ data, reason }) => {
    const projection = createMovieProjection(redis, rebuildProjectionKeys('handlers-domain'));
    const handlers = createCatalogMovieHandlers(projection);
    const error = await Promise.resolve().then(() => handlers.MovieCreated(received('MovieCreated', 'domain', data as typeof created))).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ name: 'DeadLetterError', reason: 'rejected', message: expect.stringMatching(reason) });
    expect(await projection.all()).toEqual([]);
  });

  it('dead-letters a reused event id with other content, and a second event claiming an applied version', async () => {
    const projection = createMovieProjection(redis, rebuildProjectionKeys('handlers-forged'));
    const handlers = createCatalogMovieHandlers(projection);
    await handlers.MovieCreated(received('MovieCreated', 'real-1', created));
    await handlers.MovieCreated(received('MovieCreated', 'real-1', created)); // a redelivery: fine
    const cheaper = bad({ price: { currencyCode: 'EUR', amountMinor: 1n } });
    await expect(handlers.MovieCreated(received('MovieCreated', 'real-1', cheaper))).rejects.toMatchObject({ reason: 'rejected', message: expect.stringMatching(/applied before with other content/) });
    // A forged v2 gets in first; Catalog's real v2 is then refused loudly, not acked as a duplicate.
    await handlers.MovieUpdated(received('MovieUpdated', 'forged-2', { movieId, version: 2, changedFields: { paths: ['price'] }, movie: cheaper.movie }));
    const real2 = { movieId, version: 2, changedFields: { paths: ['title'] }, movie: { ...created.movie!, title: 'Dune I' } };
    await expect(handlers.MovieUpdated(received('MovieUpdated', 'real-2', real2))).rejects.toMatchObject({ reason: 'rejected', message: expect.stringMatching(/v2 was already applied from another event/) });
    expect(await projection.get(movieId)).toMatchObject({ version: 2, price: { amountMinor: 1n } });
  });

  it('a digest from the payload bytes equals the digest of the decoded event', () => {
    const codec = catalogMovie.messages.MovieUpdated.codec;
    const data = { movieId, version: 2, changedFields: { paths: ['title', 'price'] }, movie: { ...created.movie!, title: 'Dünë — ☂', genres: ['sf', 'épopée'] } };
    const bytes = Buffer.from(codec.encode(codec.create(data)).finish());
    const event = { ...received('MovieUpdated', 'e2', codec.decode(bytes)), envelope: { ...envelope('e2'), subject: movieId, sequence: '2' } };
    const digest = payloadDigestOf(event, bytes, (b) => codec.decode(b));
    expect(digest()).toBe(eventDigest(event));
    // Another payload under the same envelope digests differently.
    const other = Buffer.from(codec.encode(codec.create({ ...data, movie: { ...data.movie, title: 'Dune' } })).finish());
    expect(payloadDigestOf(event, other, (b) => codec.decode(b))()).not.toBe(eventDigest(event));
  });
});
