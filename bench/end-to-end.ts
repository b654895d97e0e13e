// Benchmark 4: HTTP PATCH on Catalog at fixed rates (autocannon), timed until the change is visible in
// Sales' projection: Catalog's command + outbox, the relay's XADD, Sales' consumer and its Lua apply.
// Real processes (test/support/services.ts). It only reads Sales' keys; it never writes to a service's keys.
import { readFileSync } from 'node:fs';
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
  /** Epoch ms, fractional, when the PATCH was built. */
  at: number;
}

interface Published {
  /** The MovieUpdated's title (undefined for other events). */
  title: string | undefined;
  /** Epoch ms of the XADD that put the event on the channel (from the entry id). */
  at: number;
}

const epochNow = () => performance.timeOrigin + performance.now();

/**
 * Watches Sales apply events. sales_apply records each applied event id in Sales' inbox window, scored
 * by Redis' clock in µs, in the same function call that changes the row: every change of that set (a
 * keyspace notification) triggers one ZRANGE BYSCORE of the ids added since the last one, coalesced while
 * one is in flight. The channel's tail maps an event id to the title its PATCH sent, so an update is
 * visible at the time Sales applied its event. Each check costs what was applied since the last, not what
 * is still awaited.
 */
export class VisibilityWatch {
  /** Title -> when its PATCH was sent. */
  readonly awaited = new Map<string, Sent>();
  /** Event id -> its title and when it reached the channel (the tail fills it). */
  readonly published = new Map<string, Published>();
  latencies: number[] = [];
  /** The two halves of each latency: PATCH sent -> event on the stream, and stream -> projection. */
  toStream: number[] = [];
  toProjection: number[] = [];
  /** Applied ids the tail has not reported yet: matched at a later check. */
  #unmatched: Array<{ eventId: string; appliedAt: number }> = [];
  #from = '-inf';
  #checking = false;
  #again = false;
  #reader: Subscriber;
  #inboxKey: string;

  /** `reader` is connected to the node that holds `inboxKey`, Sales' inbox window. */
  constructor(reader: Subscriber, inboxKey: string) {
    this.#reader = reader;
    this.#inboxKey = inboxKey;
  }

  expect(title: string): void {
    this.awaited.set(title, { at: epochNow() });
  }

  /** Starts from what Sales has applied so far: only later applies are matched. */
  async start(): Promise<void> {
    const last = (await this.#reader.sendCommand(['ZRANGE', this.#inboxKey, '-1', '-1', 'WITHSCORES'])) as unknown[];
    const flat = last.flat().map(String);
    if (flat.length >= 2) this.#from = `(${flat[1]}`;
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
        // RESP2 answers WITHSCORES as one flat list, RESP3 as pairs: accept both.
        const flat = ((await this.#reader.sendCommand(['ZRANGE', this.#inboxKey, this.#from, '+inf', 'BYSCORE', 'WITHSCORES'])) as unknown[]).flat().map(String);
        for (let i = 0; i + 1 < flat.length; i += 2) this.#unmatched.push({ eventId: flat[i]!, appliedAt: Number(flat[i + 1]) / 1000 });
        if (flat.length >= 2) this.#from = `(${flat[flat.length - 1]}`;
        this.match();
      } while (this.#again);
    } finally {
      this.#checking = false;
    }
  }

  /** Matches applied ids with what the tail has reported (the tail calls it as it learns ids). */
  match(): void {
    const still: Array<{ eventId: string; appliedAt: number }> = [];
    const tooOld = epochNow() - 30_000;
    for (const applied of this.#unmatched) {
      const published = this.published.get(applied.eventId);
      if (!published) {
        if (applied.appliedAt > tooOld) still.push(applied);
        continue;
      }
      this.published.delete(applied.eventId);
      const sent = published.title === undefined ? undefined : this.awaited.get(published.title);
      if (!sent) continue;
      this.latencies.push(applied.appliedAt - sent.at);
      this.toStream.push(published.at - sent.at);
      this.toProjection.push(applied.appliedAt - published.at);
      this.awaited.delete(published.title!);
    }
    this.#unmatched = still;
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
        const title = event.envelope.type === catalogMovie.messages.MovieUpdated.type ? MovieUpdated.decode(event.data).movie?.title : undefined;
        watch.published.set(event.envelope.id, { title, at: Number(entry.id.split('-')[0]) });
      }
      // Ids the inbox already reported are matched as soon as the tail knows them.
      if (entries.length > 0) watch.match();
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
  /**
   * CPU time per PATCH sent, in µs, by component: each service process (/proc/<pid>/stat), the Redis
   * masters (INFO cpu; a cluster's replicas are left out) and this process (autocannon and the watch).
   */
  cpuUsPerPatch: Record<string, number>;
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
  const salesKeys = stack.cluster ? salesKeysFor(salesLayout({ cluster: true })).live : liveProjectionKeys;
  const moviesKey = salesKeys.movies;
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
    await reader.configSet('notify-keyspace-events', 'Kz');
    const watch = new VisibilityWatch(reader, salesKeys.inbox);
    await watch.start();
    await subscriber.subscribe(`__keyspace@0__:${salesKeys.inbox}`, () => void watch.check().catch(() => {}));
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

/** CPU seconds (user + system) a process has used so far, from /proc (Linux; USER_HZ is 100 there). */
function processCpuSeconds(pid: number): number {
  // The fields after the command name, which is in parentheses and may hold spaces: utime and stime are
  // fields 14 and 15 of the line, 12th and 13th after the name.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds the stack's Redis masters have used so far (INFO cpu on each). */
async function redisCpuSeconds(stack: Stack): Promise<number> {
  const ports = stack.cluster ? await stack.cluster.masterPorts() : [Number(new URL(stack.redisUrl).port)];
  let total = 0;
  for (const port of ports) {
    const redis = await connectRedis(`redis://127.0.0.1:${port}`, { name: 'bench:cpu' });
    try {
      const info = String(await redis.sendCommand(['INFO', 'cpu']));
      total += Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1]);
    } finally {
      await closeConnection(redis);
    }
  }
  return total;
}

/** CPU seconds used so far by each part of the chain: every service, the Redis masters, the load generator. */
async function cpuSnapshot(stack: Stack): Promise<Record<string, number>> {
  const seconds: Record<string, number> = {};
  for (const service of stack.all()) {
    const pid = service.process?.pid;
    if (pid !== undefined) seconds[service.label] = processCpuSeconds(pid);
  }
  seconds['redis'] = await redisCpuSeconds(stack);
  const own = process.cpuUsage();
  seconds['load generator'] = (own.user + own.system) / 1e6;
  return seconds;
}

/** "catalog 180 µs · ... = 450 µs per PATCH, 2.25 cores at 5000/s": where a rate's CPU goes. */
export function formatCpu(perPatch: Record<string, number>, rate: number): string {
  const total = Object.values(perPatch).reduce((sum, us) => sum + us, 0);
  const parts = Object.entries(perPatch).map(([name, us]) => `${name} ${us.toFixed(0)} µs`).join(' · ');
  return `CPU per PATCH: ${parts} = ${total.toFixed(0)} µs, ${(total * rate / 1e6).toFixed(2)} cores at ${rate}/s`;
}

/** Medians of each component's CPU per PATCH over runs. */
export function medianCpu(results: readonly RateResult[]): Record<string, number> {
  return Object.fromEntries(Object.keys(results[0]?.cpuUsPerPatch ?? {}).map((name) => [name, median(results.map((r) => r.cpuUsPerPatch[name] ?? 0))]));
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
  const cpuBefore = await cpuSnapshot(stack);
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
            watch.expect(title);
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
  const cpuAfter = await cpuSnapshot(stack);
  const cpuUsPerPatch = Object.fromEntries(Object.entries(cpuAfter).map(([name, after]) => [name, ((after - (cpuBefore[name] ?? 0)) * 1e6) / Math.max(1, sequence)]));
  watch.awaited.clear();
  watch.published.clear();
  const sorted = [...watch.latencies].sort((a, b) => a - b);
  const p99Of = (values: number[]) => quantile([...values].sort((a, b) => a - b), 0.99);
  return {
    cpuUsPerPatch,
    p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] ?? Number.NaN,
    streamP99: p99Of(watch.toStream), projectionP99: p99Of(watch.toProjection), sent, errors, lost,
  };
}

/** The line a run logs, and the check that it lost nothing. */
export function reportRun(ctx: BenchContext, label: string, rate: number, seconds: number, result: RateResult): void {
  ctx.log(`  ${label}${rate}/s: ${formatCpu(result.cpuUsPerPatch, rate)}`);
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
        herald: `p50 ${formatMs(p50)} · p99 ${formatMs(p99)} · max ${formatMs(max)}<br>p99 of its parts: PATCH → on the stream ${formatMs(streamP99)}, stream → projection ${formatMs(projectionP99)}<br>${formatCpu(medianCpu(results), rate)}`,
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
