// One table of cases for the projection rule, run against both implementations: the pure applyToRow()
// (rebuild, drift check) and the sales_apply Redis Function (live consumer), as wire-reader.test.ts does
// for the two wire readers. A case that passes one and fails the other is a drift between them.
import { describe, expect, it } from 'vitest';
import type { RedisConnection } from 'herald/runtime';
import { redisTest } from '../../test/support/redis-fixture.ts';
import { createMovieProjection, rebuildProjectionKeys } from './projection.ts';
import { applyToRow, rowCodec, type ApplyOutcome, type ProjectedMovie, type ProjectionChange } from './projection-rule.ts';

let redis: RedisConnection;
redisTest.beforeAll(({ redis: connection }) => {
  redis = connection;
});

const row = (version: number, over: Partial<ProjectedMovie> = {}): ProjectedMovie => ({
  movieId: 'm', title: `T${version}`, price: { amountMinor: 1299n, currencyCode: 'EUR' }, status: 'active', version, lastEventId: `e${version}`, ...over,
});
const upsert = (version: number, over: Partial<ProjectedMovie> = {}): ProjectionChange => {
  const { lastEventId: _, ...movie } = row(version, over);
  return { kind: 'upsert', movie };
};
const retire = (version: number): ProjectionChange => ({ kind: 'retire', movieId: 'm', version });

interface Case {
  name: string;
  before?: ProjectedMovie;
  inbox?: string[];
  eventId: string;
  /** Digest of the event's content (handlers.ts: eventDigest). */
  digest?: string;
  change: ProjectionChange;
  expect: { outcome: ApplyOutcome; row?: ProjectedMovie };
}

const cases: Case[] = [
  { name: 'creates the first version', eventId: 'e1', change: upsert(1), expect: { outcome: 'applied', row: row(1) } },
  { name: 'applies the next version', before: row(1), eventId: 'e2', change: upsert(2), expect: { outcome: 'applied', row: row(2) } },
  { name: 'replaces every field on an update', before: row(1), eventId: 'e2', change: upsert(2, { title: 'New', price: { amountMinor: 5n, currencyCode: 'USD' } }), expect: { outcome: 'applied', row: row(2, { title: 'New', price: { amountMinor: 5n, currencyCode: 'USD' } }) } },
  { name: 'refuses another event claiming the version it has (conflict: one is forged)', before: row(2), eventId: 'x', change: upsert(2, { title: 'ghost' }), expect: { outcome: 'conflict', row: row(2) } },
  { name: 'refuses another retire claiming the version it has', before: row(2, { status: 'retired', lastEventId: 'r2' }), eventId: 'r2-forged', change: retire(2), expect: { outcome: 'conflict', row: row(2, { status: 'retired', lastEventId: 'r2' }) } },
  { name: 'skips a version it has when the row does not say which event set it', before: row(2, { lastEventId: undefined }), eventId: 'x', change: upsert(2, { title: 'ghost' }), expect: { outcome: 'duplicate', row: row(2, { lastEventId: undefined }) } },
  { name: 'skips an older version', before: row(3), eventId: 'x', change: upsert(1), expect: { outcome: 'duplicate', row: row(3) } },
  { name: 'holds an early version', before: row(1), eventId: 'e3', change: upsert(3), expect: { outcome: 'early', row: row(1) } },
  { name: 'holds a first event that is not version 1', eventId: 'e2', change: upsert(2), expect: { outcome: 'early' } },
  { name: 'retires the next version, keeping title and price', before: row(1), eventId: 'r2', change: retire(2), expect: { outcome: 'applied', row: row(2, { title: 'T1', status: 'retired', lastEventId: 'r2' }) } },
  { name: 'holds a retire of a movie it has never seen', eventId: 'r1', change: retire(1), expect: { outcome: 'early' } },
  { name: 'skips an id in the inbox window whatever version it claims', before: row(1), inbox: ['e2'], eventId: 'e2', change: upsert(2), expect: { outcome: 'duplicate', row: row(1) } },
  { name: 'skips the row’s last applied id even outside the window', before: row(2), eventId: 'e2', change: upsert(2), expect: { outcome: 'duplicate', row: row(2) } },
  { name: 'refuses the row’s last id claiming another version (tampered)', before: row(2), eventId: 'e2', change: upsert(3, { title: 'forged' }), expect: { outcome: 'tampered', row: row(2) } },
  { name: 'skips the row’s last id with the same content digest', before: row(2, { lastDigest: 'd2' }), eventId: 'e2', digest: 'd2', change: upsert(2), expect: { outcome: 'duplicate', row: row(2, { lastDigest: 'd2' }) } },
  { name: 'refuses the row’s last id with other content (tampered), even inside the window', before: row(2, { lastDigest: 'd2' }), inbox: ['e2'], eventId: 'e2', digest: 'other', change: upsert(2, { title: 'Tampered' }), expect: { outcome: 'tampered', row: row(2, { lastDigest: 'd2' }) } },
  { name: 'records the digest of the event it applies', before: row(1), eventId: 'e2', digest: 'd2', change: upsert(2), expect: { outcome: 'applied', row: row(2, { lastDigest: 'd2' }) } },
  { name: 'records the digest of a retire, dropping the previous one', before: row(1, { lastDigest: 'd1' }), eventId: 'r2', digest: 'dr', change: retire(2), expect: { outcome: 'applied', row: row(2, { title: 'T1', status: 'retired', lastEventId: 'r2', lastDigest: 'dr' }) } },
  { name: 'keeps an amount beyond 2^53 exact', before: row(1), eventId: 'e2', change: upsert(2, { price: { amountMinor: 900719925474099312n, currencyCode: 'JPY' } }), expect: { outcome: 'applied', row: row(2, { price: { amountMinor: 900719925474099312n, currencyCode: 'JPY' } }) } },
  { name: 'keeps a non-ASCII title byte for byte through a retire', before: row(1, { title: 'Amélie — 東京 "quoted" \\ / ' }), eventId: 'r2', change: retire(2), expect: { outcome: 'applied', row: row(2, { title: 'Amélie — 東京 "quoted" \\ / ', status: 'retired', lastEventId: 'r2' }) } },
];

describe('the projection rule, in TypeScript and in Redis', () => {
  it.each(cases)('applyToRow: $name', ({ before, inbox, eventId, digest, change, expect: expected }) => {
    const verdict = applyToRow(before, eventId, change, (inbox ?? []).includes(eventId), digest);
    expect(verdict.outcome).toBe(expected.outcome);
    expect(verdict.row).toEqual(expected.row);
  });

  it.each(cases.map((c, i) => ({ ...c, i })))('sales_apply: $name', async ({ i, before, inbox, eventId, digest, change, expect: expected }) => {
    const keys = rebuildProjectionKeys(`rule-${i}`);
    if (before) await redis.sendCommand(['HSET', keys.movies, 'm', rowCodec.encode(before)]);
    for (const id of inbox ?? []) await redis.sendCommand(['ZADD', keys.inbox, '1', id]);
    const projection = createMovieProjection(redis, keys);
    expect(await projection.apply(eventId, change, digest)).toBe(expected.outcome);
    expect(await projection.get('m')).toEqual(expected.row);
    // The inbox records exactly the applied ids.
    const recorded = await redis.sendCommand(['ZSCORE', keys.inbox, eventId]);
    expect(recorded !== null).toBe(expected.outcome === 'applied' || (inbox ?? []).includes(eventId));
  });
});
