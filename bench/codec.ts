// Benchmark 6: protobuf encode+decode round trips per second of each event with its generated codec,
// against JSON.stringify + JSON.parse of the same object. Pure CPU: no Redis.
import type { MessageCodec } from 'herald/runtime';
import { MovieCreated, MovieRetired, MovieUpdated } from '../generated/herald/catalog/movie/v1/events.ts';
import { PurchaseCompleted } from '../generated/herald/sales/purchase/v1/events.ts';
import { movie, movieId } from './events.ts';
import { formatRate, formatRatio, medianOf, type Benchmark, type BenchContext, type ResultRow } from './harness.ts';

interface Case<T> {
  name: string;
  codec: MessageCodec<T>;
  message: T;
}

// int64 money amounts are bigint, which JSON cannot carry: they become strings, as in proto3 JSON.
const bigintAsString = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);

const cases: Array<Case<any>> = [
  { name: 'MovieCreated', codec: MovieCreated, message: { movieId: movieId(7), version: 1, movie: movie(7, 1) } satisfies MovieCreated },
  { name: 'MovieUpdated', codec: MovieUpdated, message: { movieId: movieId(7), version: 2, changedFields: { paths: ['title', 'price'] }, movie: movie(7, 2) } satisfies MovieUpdated },
  { name: 'MovieRetired', codec: MovieRetired, message: { movieId: movieId(7), version: 3, reason: 'licence expired' } satisfies MovieRetired },
  {
    name: 'PurchaseCompleted',
    codec: PurchaseCompleted,
    message: {
      purchaseId: '0193a5b2-7c1d-7e3f-8a9b-00000000beef',
      version: 1,
      customerId: 'customer-42',
      movie: { movieId: movieId(7), title: 'Movie 7 (take 2)', unitPrice: { currencyCode: 'EUR', amountMinor: 1299n }, catalogVersion: 2 },
      quantity: 2,
      total: { currencyCode: 'EUR', amountMinor: 2598n },
      purchasedAt: new Date('2026-11-25T12:00:00.000Z'),
    } satisfies PurchaseCompleted,
  },
];

/** Round trips per second of `roundTrip`, timed over about `ms` milliseconds in chunks of 1000. */
function rate(roundTrip: () => unknown, ms: number): number {
  let done = 0;
  let sink: unknown;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 1000; i++) sink = roundTrip();
    done += 1000;
    elapsed = performance.now() - started;
  }
  if (sink === undefined) throw new Error('round trip produced nothing');
  return (done * 1000) / elapsed;
}

async function run(ctx: BenchContext): Promise<ResultRow[]> {
  const ms = ctx.quick ? 20 : Math.max(20, Math.round(1000 * ctx.scale));
  const rows: ResultRow[] = [];
  for (const { name, codec, message } of cases) {
    const protobuf = () => codec.decode(codec.encode(message).finish());
    const json = () => JSON.parse(JSON.stringify(message, bigintAsString));
    // Warm both paths up before timing, so neither pays the JIT's first compilations.
    rate(protobuf, ms / 4);
    rate(json, ms / 4);
    const figures = await medianOf(ctx.runs, async () => ({ protobuf: rate(protobuf, ms), json: rate(json, ms) }), ctx.log);
    const bytes = codec.encode(message).finish().length;
    const jsonBytes = Buffer.byteLength(JSON.stringify(message, bigintAsString));
    rows.push({
      benchmark: `6. Codec round trip, ${name} (protobuf ${bytes} B, JSON ${jsonBytes} B)`,
      herald: formatRate(figures.protobuf, 'round trips/s'),
      baseline: `${formatRate(figures.json, 'round trips/s')} (JSON.stringify + JSON.parse)`,
      ratio: formatRatio(figures.protobuf / figures.json),
      goal: '–',
    });
  }
  return rows;
}

export const codec: Benchmark = { name: 'codec', title: 'Codec', run };
