// Benchmark 5: rebuild of the Sales projection (services/sales/replay.ts, the function `herald replay`
// runs) from retained catalog events, against XRANGE-ing the same entries with no decoding or handling.
import { closeConnection, connectRedis, parseEntries, type RedisConnection } from 'herald/runtime';
import { rebuildProjection } from '../services/sales/replay.ts';
import { formatCount } from './consumer.ts';
import { benchStream, fillStream } from './events.ts';
import { formatRate, formatRatio, medianOf, perSecond, sizeOf, type Benchmark, type BenchContext, type ResultRow } from './harness.ts';

/** The floor: page through the stream with XRANGE (same page size as the rebuild), nothing else. */
async function rawRange(redis: RedisConnection, total: number, pageSize: number): Promise<number> {
  const started = performance.now();
  let from = '-';
  let read = 0;
  while (true) {
    const entries = parseEntries(await redis.sendCommand(['XRANGE', benchStream, from, '+', 'COUNT', String(pageSize)]));
    read += entries.length;
    if (entries.length < pageSize) break;
    from = `(${entries[entries.length - 1]!.id}`;
  }
  if (read !== total) throw new Error(`XRANGE read ${read} of ${total}`);
  return perSecond(total, performance.now() - started);
}

async function run(ctx: BenchContext): Promise<ResultRow[]> {
  const total = sizeOf(ctx, 5_000, 1_000_000);
  const movies = Math.min(10_000, total);
  // As `herald replay` and services/sales/replay.ts connect: no per-command timer (docs/benchmarks.md).
  const redis = await connectRedis(ctx.redis.url, { name: 'bench:replay', commandTimeoutMs: 0 });
  try {
    const fillStarted = performance.now();
    await fillStream(redis, total, movies);
    ctx.log(`  filled ${total} entries (${movies} movies) in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`);
    // A rebuild of 1 M events takes about a minute here: two runs keep `npm run bench` near 10 minutes.
    const runs = Math.min(ctx.runs, 2);
    const rebuild = async (): Promise<number> => {
      const result = await rebuildProjection(redis);
      if (result.applied !== total || result.movies !== movies || result.gaps !== 0) {
        throw new Error(`rebuild applied ${result.applied}/${total} events, ${result.movies}/${movies} movies, ${result.gaps} gaps`);
      }
      return perSecond(total, result.ms);
    };
    // Which side goes first alternates between runs, so a load change on the shared machine hits both.
    const figures = await medianOf(runs, async (i) => {
      if (i % 2 === 1) {
        const raw = await rawRange(redis, total, 500);
        return { ours: await rebuild(), raw };
      }
      const ours = await rebuild();
      return { ours, raw: await rawRange(redis, total, 500) };
    }, ctx.log);
    return [{
      benchmark: `5. Replay: rebuild the Sales projection from ${formatCount(total)} events (${formatCount(movies)} movies; median of ${runs} runs)`,
      herald: formatRate(figures.ours),
      baseline: `${formatRate(figures.raw)} (XRANGE pages of 500, no decoding)`,
      ratio: formatRatio(figures.ours / figures.raw),
      goal: 'ratio ≥ 0.8',
      met: figures.ours / figures.raw >= 0.8,
    }];
  } finally {
    await closeConnection(redis);
  }
}

export const replay: Benchmark = { name: 'replay', title: 'Replay', run };
