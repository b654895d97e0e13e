// Sales, as consumer of Catalog's movie events, states what it relies on: the ids, version, title,
// price and status of the movie, and the `type`/`dataschema` metadata. Each Pact body goes through
// the generated codec into the real Sales handlers, which update a real projection in Redis.
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import type { RedisConnection } from 'herald/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogMovie } from '../generated/channels/catalog-movie.ts';
import { createCatalogMovieHandlers } from '../services/sales/handlers.ts';
import { createMovieProjection, rebuildProjectionKeys, type MovieProjection } from '../services/sales/projection.ts';
import { redisTest } from '../test/support/redis-fixture.ts';
import { dataschemaPattern, receivedFromPact, stagedPactDir } from './pact-support.ts';

const { like, integer, regex } = MatchersV3;
process.env.PACT_DO_NOT_TRACK = 'true';

const movieId = '3f1c2a9e-6b7d-4e8f-9a0b-1c2d3e4f5a6b';
const uuid = (example: string) => regex('^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', example);
/** What Sales reads from a Movie: not genres, not release year. */
const movie = (status: 'MOVIE_STATUS_ACTIVE' | 'MOVIE_STATUS_RETIRED' = 'MOVIE_STATUS_ACTIVE') => ({
  movieId: uuid(movieId),
  title: like('Dune'),
  price: { currencyCode: regex('^[A-Z]{3}$', 'EUR'), amountMinor: regex('^-?\\d+$', '1299') },
  status: regex('^MOVIE_STATUS_(ACTIVE|RETIRED)$', status),
});
const metadataOf = (name: keyof typeof catalogMovie.messages) => ({
  type: catalogMovie.messages[name].type,
  dataschema: regex(dataschemaPattern(catalogMovie.messages[name]), catalogMovie.messages[name].dataschema),
});

const staged = stagedPactDir();
const pact = new PactV4({ consumer: 'sales', provider: 'catalog', dir: staged.dir, logLevel: 'error' });
let redis: RedisConnection;
let projection: MovieProjection;

redisTest.beforeAll(({ redis: connection }) => {
  redis = connection;
});
afterAll(async () => {
  staged.publish();
});

function freshProjection(): MovieProjection {
  projection = createMovieProjection(redis, rebuildProjectionKeys(crypto.randomUUID()));
  return projection;
}

describe('sales consumes catalog movie events (pact)', () => {
  it('projects a MovieCreated: id, title, price and status', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a MovieCreated event', (b) =>
        b.withJSONContent({ movieId: uuid(movieId), version: integer(1), movie: movie() }).withMetadata(metadataOf('MovieCreated')))
      .executeTest(async (m) => {
        const handlers = createCatalogMovieHandlers(freshProjection());
        await handlers.MovieCreated(receivedFromPact(catalogMovie.messages.MovieCreated, m, catalogMovie.address));
        const row = await projection.get(movieId);
        expect(row).toMatchObject({ movieId, title: 'Dune', status: 'active', version: 1, price: { amountMinor: 1299n, currencyCode: 'EUR' } });
      });
  });

  it('projects a MovieUpdated on top of the previous version', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a MovieUpdated event', (b) =>
        b.withJSONContent({ movieId: uuid(movieId), version: integer(2), movie: { ...movie(), price: { currencyCode: regex('^[A-Z]{3}$', 'EUR'), amountMinor: regex('^-?\\d+$', '999') } } })
          .withMetadata(metadataOf('MovieUpdated')))
      .executeTest(async (m) => {
        const handlers = createCatalogMovieHandlers(freshProjection());
        await projection.apply(crypto.randomUUID(), { kind: 'upsert', movie: { movieId, title: 'Dune', price: { amountMinor: 1299n, currencyCode: 'EUR' }, status: 'active', version: 1 } });
        await handlers.MovieUpdated(receivedFromPact(catalogMovie.messages.MovieUpdated, m, catalogMovie.address));
        expect(await projection.get(movieId)).toMatchObject({ version: 2, price: { amountMinor: 999n } });
      });
  });

  it('marks a movie retired on MovieRetired (only the id and version are needed)', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a MovieRetired event', (b) =>
        b.withJSONContent({ movieId: uuid(movieId), version: integer(2) }).withMetadata(metadataOf('MovieRetired')))
      .executeTest(async (m) => {
        const handlers = createCatalogMovieHandlers(freshProjection());
        await projection.apply(crypto.randomUUID(), { kind: 'upsert', movie: { movieId, title: 'Dune', price: { amountMinor: 1299n, currencyCode: 'EUR' }, status: 'active', version: 1 } });
        await handlers.MovieRetired(receivedFromPact(catalogMovie.messages.MovieRetired, m, catalogMovie.address));
        expect(await projection.get(movieId)).toMatchObject({ status: 'retired', version: 2 });
      });
  });
});
