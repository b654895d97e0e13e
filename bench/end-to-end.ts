// Benchmark 4: HTTP PATCH on Catalog at fixed rates (autocannon), timed until the change is visible in
// Sales' projection: Catalog's command + outbox, the relay's XADD, Sales' consumer and its Lua apply.
// Real processes (test/support/services.ts). It only reads Sales' keys; it never writes to a service's keys.
import autocannon from 'autocannon';
import { closeConnection, connectRedis, fieldsToEncodedEvent, parseEntries, streamKey } from 'herald/runtime';
import { createClient } from 'redis';
import { catalogMovie } from '../generated/channels/catalog-movie.ts';
import { MovieUpdated } from '../generated/herald/catalog/movie/v1/events.ts';
import { liveProjectionKeys, salesKeysFor, salesLayout } from '../services/sales/projection.ts';
import { masterOf } from '../test/support/cluster-ledger.ts';
import { http, startStack, type Stack, type StackOptions } from '../test/support/services.ts';
import { formatMs, median, quantile, type Benchmark, type BenchContext, type ResultRow } from './harness.ts';

const createReader = (url: string) => createClient({ url });
type Subscriber = ReturnType<typeof createReader>;

/** Requests in flight per autocannon instance are spread over this many staggered instances. */
const SLICES = 20;

interface Sent {
  title: string;
  /** Epoch ms, fractional: comparable with the millisecond in a stream entry id. */
  at: number;
}

const epochNow = () => performance.timeOrigin + performance.now();

/**
 * Watches Sales' projection: every HSET on its hash (a keyspace notification) triggers one HMGET of
 * the movies still awaited, coalesced while one is in flight. An update is visible when its row
 * carries the title the PATCH sent.
 */
export class VisibilityWatch {
  readonly awaited = new Map<string, Sent>();
  /** Title -> epoch ms of the XADD that put its event on the channel (from the entry id). */
  readonly published = new Map<string, number>();
  latencies: number[] = [];
  /** The two halves of each latency: PATCH sent -> event on the stream, and stream -> projection. */
  toStream: number[] = [];
  toProjection: number[] = [];
  overwritten = 0;
  #checking = false;
  #again = false;
  #reader: Subscriber;
  #moviesKey: string;

  /** `reader` is connected to the node that holds `moviesKey`, Sales' projection hash. */
  constructor(reader: Subscriber, moviesKey: string = liveProjectionKeys.movies) {
    this.#reader = reader;
    this.#moviesKey = moviesKey;
  }

  expect(movieId: string, title: string): void {
    if (this.awaited.has(movieId)) this.overwritten++;
    this.awaited.set(movieId, { title, at: epochNow() });
  }

  async check(): Promise<void> {
    if (this.#checking) {
      this.#again = true;
      return;
    }
    this.#checking = true;
    try {
      do {
        this.#again = false;
        const ids = [...this.awaited.keys()];
        for (let i = 0; i < ids.length; i += 1000) {
          const chunk = ids.slice(i, i + 1000);
          const rows = (await this.#reader.hmGet(this.#moviesKey, chunk)) as Array<string | null>;
          const now = epochNow();
          rows.forEach((row, j) => {
            const sent = this.awaited.get(chunk[j]!);
            if (!row || !sent || (JSON.parse(row) as { title: string }).title !== sent.title) return;
            this.latencies.push(now - sent.at);
            const published = this.published.get(sent.title);
            if (published !== undefined) {
              this.toStream.push(published - sent.at);
              this.toProjection.push(now - published);
              this.published.delete(sent.title);
            }
            this.awaited.delete(chunk[j]!);
          });
        }
      } while (this.#again);
    } finally {
      this.#checking = false;
    }
  }
}

/** Follows the channel (plain XREAD, no group) and notes when each update's event was added. */
async function tailChannel(redisUrl: string, watch: VisibilityWatch): Promise<() => Promise<void>> {
  const redis = await connectRedis(redisUrl, { name: 'bench:tail' });
  let running = true;
  let lastId = '$';
  const stream = streamKey(catalogMovie);
  const loop = (async () => {
    while (running) {
      const reply = await redis.sendCommand(['XREAD', 'COUNT', '1000', 'BLOCK', '200', 'STREAMS', stream, lastId]).catch(() => null);
      if (!reply) continue;
      const entries = parseEntries(reply instanceof Map ? [...reply.values()][0] : Object.values(reply as object)[0]);
      for (const entry of entries) {
        lastId = entry.id;
        const event = fieldsToEncodedEvent(entry.fields);
        if (event.envelope.type !== catalogMovie.messages.MovieUpdated.type) continue;
        const title = MovieUpdated.decode(event.data).movie?.title;
        if (title) watch.published.set(title, Number(entry.id.split('-')[0]));
      }
    }
  })();
  return async () => {
    running = false;
    await loop;
    await closeConnection(redis);
  };
}

async function createMovies(catalogUrl: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < count) {
      const n = next++;
      const response = await http(catalogUrl, 'POST', '/movies', { title: `bench movie ${n}`, price: { amountMinor: 999, currencyCode: 'EUR' }, genres: ['drama'], releaseYear: 2001 });
      if (response.status !== 201) throw new Error(`POST /movies answered ${response.status}: ${JSON.stringify(response.body)}`);
      ids.push(response.body.movieId as string);
    }
  }));
  return ids;
}

export interface RateResult {
  p50: number;
  p99: number;
  max: number;
  streamP99: number;
  projectionP99: number;
  sent: number;
  errors: number;
  lost: number;
}

/**
 * A running stack (one node or a cluster) under end-to-end load: Sales' projection watched on the node
 * that holds it, the channel tailed on the node that holds its stream, and `movies` created and visible.
 */
export interface E2eTarget {
  readonly stack: Stack;
  readonly watch: VisibilityWatch;
  readonly movies: string[];
  /** Each movie's next expectedVersion. */
  readonly versions: Map<string, number>;
  /** Re-reads every movie's version from Sales, so a failed PATCH never poisons the next run's expectedVersion. */
  syncVersions(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a stack (`options.cluster` for a Redis Cluster) with per-event logs off, and prepares it as a target. */
export async function startTarget(ctx: BenchContext, label: string, movieCount: number, options: Pick<StackOptions, 'cluster'> = {}): Promise<E2eTarget> {
  const nodeOptions = process.env['BENCH_SERVICE_NODE_OPTIONS'];
  // Per-event logs off: at 5k updates/s they would cost the 2 shared cores more than Herald does.
  const stack = await startStack({ ...options, env: { LOG_LEVEL: 'warn', ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) } });
  try {
    return await prepareTarget(ctx, label, stack, movieCount);
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

async function prepareTarget(ctx: BenchContext, label: string, stack: Stack, movieCount: number): Promise<E2eTarget> {
  // On a cluster, Sales' hash and the channel's stream each live on one master: keyspace notifications
  // are per node, so the watch subscribes on that master, and reads from it with a plain client.
  const moviesKey = stack.cluster ? salesKeysFor(salesLayout({ cluster: true })).live.movies : liveProjectionKeys.movies;
  const nodeOf = async (key: string) => (stack.cluster ? `redis://127.0.0.1:${await masterOf(stack.cluster, key)}` : stack.redisUrl);
  const reader = createReader(await nodeOf(moviesKey));
  const subscriber = reader.duplicate();
  let stopTail: (() => Promise<void>) | undefined;
  const close = async () => {
    await stopTail?.().catch(() => {});
    await subscriber.close().catch(() => {});
    await reader.close().catch(() => {});
    await stack.stop();
  };
  try {
    await Promise.all([reader.connect(), subscriber.connect()]);
    await reader.configSet('notify-keyspace-events', 'Kh');
    const watch = new VisibilityWatch(reader, moviesKey);
    await subscriber.subscribe(`__keyspace@0__:${moviesKey}`, () => void watch.check().catch(() => {}));
    stopTail = await tailChannel(await nodeOf(streamKey(catalogMovie)), watch);

    const created = performance.now();
    const movies = await createMovies(stack.process('catalog').url, movieCount);
    const visibleBy = Date.now() + 60_000;
    while (Number(await reader.hLen(moviesKey)) < movieCount) {
      if (Date.now() > visibleBy) throw new Error(`${label}: created movies did not reach the Sales projection within 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    ctx.log(`  ${label}: created ${movieCount} movies in ${((performance.now() - created) / 1000).toFixed(1)} s`);
    const versions = new Map<string, number>();
    return {
      stack, watch, movies, versions, close,
      async syncVersions() {
        for (let i = 0; i < movies.length; i += 1000) {
          const chunk = movies.slice(i, i + 1000);
          const rows = (await reader.hmGet(moviesKey, chunk)) as Array<string | null>;
          rows.forEach((row, j) => versions.set(chunk[j]!, row ? (JSON.parse(row) as { version: number }).version : 1));
        }
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** One run at `rate` PATCH/s for `seconds`: SLICES autocannon instances, started 1000/SLICES ms apart. */
export async function runAtRate(target: E2eTarget, rate: number, seconds: number, runTag: string): Promise<RateResult> {
  const { stack, watch, movies, versions } = target;
  await target.syncVersions();
  watch.latencies = [];
  watch.toStream = [];
  watch.toProjection = [];
  let sequence = 0;
  let errors = 0;
  const slices = Math.min(SLICES, rate);
  // autocannon's limiter releases each second's quota at once; staggered slices smooth it into
  // bursts of rate/slices every 1000/slices ms.
  const perSlice = Math.max(1, Math.round(rate / slices));
  const connections = Math.max(1, Math.ceil(perSlice / 50));
  const instances = Array.from({ length: slices }, (_, slice) => new Promise<autocannon.Result>((resolve, reject) => {
    setTimeout(() => {
      const instance = autocannon({
        url: stack.process('catalog').url,
        connections,
        overallRate: perSlice,
        duration: seconds,
        requests: [{
          method: 'PATCH',
          setupRequest: (request) => {
            const n = sequence++;
            const movieId = movies[n % movies.length]!;
            const version = versions.get(movieId)!;
            versions.set(movieId, version + 1);
            const title = `bench ${runTag} ${n}`;
            watch.expect(movieId, title);
            return { ...request, path: `/movies/${movieId}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ expectedVersion: version, title }) };
          },
        }],
      }, (error, result) => (error ? reject(error) : resolve(result)));
      instance.on('response', (_client: unknown, statusCode: number) => {
        if (statusCode !== 200) errors++;
      });
    }, (slice * 1000) / slices);
  }));
  await Promise.all(instances);
  const sent = sequence;
  // Let the last updates arrive; whatever is still awaited after 10 s is reported as lost.
  const deadline = Date.now() + 10_000;
  while (watch.awaited.size > 0 && Date.now() < deadline) {
    await watch.check();
    if (watch.awaited.size > 0) await new Promise((r) => setTimeout(r, 20));
  }
  const lost = watch.awaited.size;
  watch.awaited.clear();
  watch.published.clear();
  const sorted = [...watch.latencies].sort((a, b) => a - b);
  const p99Of = (values: number[]) => quantile([...values].sort((a, b) => a - b), 0.99);
  return {
    p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] ?? Number.NaN,
    streamP99: p99Of(watch.toStream), projectionP99: p99Of(watch.toProjection), sent, errors, lost,
  };
}

/** The line a run logs, and the check that it lost nothing. */
export function reportRun(ctx: BenchContext, label: string, rate: number, seconds: number, result: RateResult): void {
  ctx.log(`  ${label}${rate}/s: sent ${result.sent} (${(result.sent / seconds).toFixed(0)}/s), p50 ${formatMs(result.p50)}, p99 ${formatMs(result.p99)} (to stream ${formatMs(result.streamP99)}, stream to projection ${formatMs(result.projectionP99)}), max ${formatMs(result.max)}, errors ${result.errors}, lost ${result.lost}`);
  if (result.lost > 0 || result.errors > 0) throw new Error(`${label}${rate}/s: ${result.errors} PATCH errors, ${result.lost} updates never visible in Sales`);
}

/** The end-to-end rates: BENCH_E2E_RATES=1000 runs one rate. */
export function e2eRates(ctx: BenchContext): number[] {
  return ctx.quick ? [50] : (process.env['BENCH_E2E_RATES']?.split(',').map(Number) ?? [100, 1000, 5000]);
}

export function e2eSeconds(ctx: BenchContext): number {
  return ctx.quick ? 1 : Math.max(2, Math.round(8 * ctx.scale));
}

/** Each movie is updated at most every 2 s, far longer than any latency: updates never race. */
export function e2eMovieCount(rates: readonly number[]): number {
  return Math.max(200, 2 * Math.max(...rates));
}

async function run(ctx: BenchContext): Promise<ResultRow[]> {
  // BENCH_SERVICE_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/p' profiles Catalog and Sales (profiles
  // are written when the stack stops).
  const rates = e2eRates(ctx);
  const seconds = e2eSeconds(ctx);
  const target = await startTarget(ctx, 'one node', e2eMovieCount(rates));
  try {
    const rows: ResultRow[] = [];
    for (const rate of rates) {
      const results: RateResult[] = [];
      for (let i = 0; i < ctx.runs; i++) {
        const result = await runAtRate(target, rate, seconds, `${rate}-${i}`);
        reportRun(ctx, `run ${i + 1}/${ctx.runs} at `, rate, seconds, result);
        results.push(result);
      }
      const p50 = median(results.map((r) => r.p50));
      const p99 = median(results.map((r) => r.p99));
      const max = median(results.map((r) => r.max));
      const achieved = median(results.map((r) => r.sent / seconds));
      const streamP99 = median(results.map((r) => r.streamP99));
      const projectionP99 = median(results.map((r) => r.projectionP99));
      rows.push({
        benchmark: `4. End to end: PATCH on Catalog → visible in Sales projection, ${rate}/s (${seconds} s, achieved ${achieved.toFixed(0)}/s)`,
        herald: `p50 ${formatMs(p50)} · p99 ${formatMs(p99)} · max ${formatMs(max)}<br>p99 of its parts: PATCH → on the stream ${formatMs(streamP99)}, stream → projection ${formatMs(projectionP99)}`,
        baseline: '–',
        ratio: '–',
        // Issue 15: the 5 k/s rate must really be sent (the services keep up), with p99 < 50 ms.
        goal: rate === 1000 ? 'p99 < 25 ms' : rate === 5000 ? 'achieved 5000/s, p99 < 50 ms' : 'p99 < 5 s (seeds)',
        met: rate === 1000 ? p99 < 25 : rate === 5000 ? achieved >= 0.98 * rate && p99 < 50 : p99 < 5000,
      });
    }
    return rows;
  } finally {
    await target.close();
  }
}

export const endToEnd: Benchmark = { name: 'end-to-end', title: 'End to end', run };
