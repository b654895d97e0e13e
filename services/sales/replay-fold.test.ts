import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fieldsToEncodedEvent, parseEntries, type RedisConnection } from 'herald/runtime';
import { catalogMovie } from '../../generated/channels/catalog-movie.ts';
import { createCatalogService } from '../../generated/services/catalog.ts';
import { MovieStatus } from '../../generated/herald/catalog/movie/v1/movie.ts';
import { redisTest } from '../../test/support/redis-fixture.ts';
import { createCatalogMovieHandlers } from './handlers.ts';
import { createMovieProjection, liveProjectionKeys } from './projection.ts';
import { rebuildProjection } from './replay.ts';

let redis: RedisConnection;
let catalog: ReturnType<typeof createCatalogService>['producers']['catalogMovie'];

redisTest.beforeAll(({ redis: connection }) => {
  redis = connection;
  catalog = createCatalogService(redis).producers.catalogMovie;
});

const movie = (movieId: string, title: string) => ({
  movieId, title, price: { currencyCode: 'EUR', amountMinor: 999n }, genres: [], releaseYear: 2021, status: MovieStatus.ACTIVE,
});
const created = (movieId: string, id: string, title = 'One') =>
  catalog.publish('MovieCreated', { movieId, version: 1, movie: movie(movieId, title) }, { subject: movieId, sequence: 1, id });
const updated = (movieId: string, version: number, id: string, title = `Take ${version}`) =>
  catalog.publish('MovieUpdated', { movieId, version, changedFields: { paths: ['title'] }, movie: movie(movieId, title) }, { subject: movieId, sequence: version, id });

describe('sales projection rebuild', () => {
  it('applies each event once in version order, waits for early ones, counts refusals and gaps, keeps newer live rows', async () => {
    const [early, gap, invalid, tampered, live] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    // v3 comes before v2 in the stream: set aside, then applied; v2 again under its own id is a redelivery.
    await created(early, 'early-1');
    await updated(early, 3, 'early-3');
    await updated(early, 2, 'early-2');
    await updated(early, 2, 'early-2');
    // v2 was trimmed away: v3 never applies.
    await created(gap, 'gap-1');
    await updated(gap, 3, 'gap-3');
    // A blank title breaks Catalog's rules: refused, as the live consumer dead-letters it.
    await created(invalid, 'invalid-1');
    await updated(invalid, 2, 'invalid-2', ' ');
    // The row's last event id again, claiming another version: tampered, refused.
    await created(tampered, 'tampered-1');
    await updated(tampered, 2, 'tampered-1');
    // The live consumer is already past the stream's end for this movie (v2 applied live only).
    await created(live, 'live-1');
    const liveProjection = createMovieProjection(redis, liveProjectionKeys);
    expect(await liveProjection.apply('live-1', { kind: 'upsert', movie: { movieId: live, title: 'One', price: { amountMinor: 999n, currencyCode: 'EUR' }, status: 'active', version: 1 } })).toBe('applied');
    expect(await liveProjection.apply('live-2', { kind: 'upsert', movie: { movieId: live, title: 'Live', price: { amountMinor: 999n, currencyCode: 'EUR' }, status: 'active', version: 2 } })).toBe('applied');

    const result = await rebuildProjection(redis, { inboxWindow: 100 });
    expect(result).toMatchObject({ applied: 11, skipped: 0, gaps: 1, refused: 2, keptNewer: 1, movies: 5 });

    const rows = createMovieProjection(redis, liveProjectionKeys);
    expect(await rows.get(early)).toMatchObject({ version: 3, title: 'Take 3', lastEventId: 'early-3' });
    expect(await rows.get(gap)).toMatchObject({ version: 1, lastEventId: 'gap-1' });
    expect(await rows.get(invalid)).toMatchObject({ version: 1, title: 'One', lastEventId: 'invalid-1' });
    expect(await rows.get(tampered)).toMatchObject({ version: 1, lastEventId: 'tampered-1' });
    expect(await rows.get(live)).toMatchObject({ version: 2, title: 'Live', lastEventId: 'live-2' });
    // The rebuilt row keeps its last event's digest: a redelivery of that event is a duplicate, the same id
    // with other content is refused as tampered, as on rows the live consumer wrote.
    expect((await rows.get(early))?.lastDigest).toMatch(/^[\w-]{22}$/);
    // The live handlers see the same event again, decoded from the stream as the consumer decodes it.
    const entry = parseEntries(await redis.sendCommand(['XRANGE', catalogMovie.address, '-', '+']))
      .map((e) => ({ streamId: e.id, encoded: fieldsToEncodedEvent(e.fields) }))
      .find((e) => e.encoded.envelope.id === 'early-3')!;
    const data = catalogMovie.messages.MovieUpdated.codec.decode(entry.encoded.data);
    const outcomes: string[] = [];
    const handlers = createCatalogMovieHandlers(rows, { outcome: (_name, outcome) => outcomes.push(outcome) });
    const redelivered = { envelope: entry.encoded.envelope, data, name: 'MovieUpdated', channel: catalogMovie.address, streamId: entry.streamId, deliveryCount: 2 };
    await handlers.MovieUpdated(redelivered);
    await expect(handlers.MovieUpdated({ ...redelivered, data: { ...data, movie: { ...data.movie!, title: 'Forged' } } })).rejects.toMatchObject({ name: 'DeadLetterError' });
    expect(outcomes).toEqual(['duplicate', 'tampered']);
    // The applied ids are in the inbox window, the refused ones are not.
    const inbox = ((await redis.sendCommand(['ZRANGE', liveProjectionKeys.inbox, '0', '-1'])) as unknown[]).map(String);
    expect(inbox).toEqual(expect.arrayContaining(['early-1', 'early-2', 'early-3', 'gap-1', 'invalid-1', 'tampered-1', 'live-1', 'live-2']));
    expect(inbox).not.toContain('invalid-2');
    expect(inbox).not.toContain('gap-3');
  });
});
