// Benchmark 8: the whole stack on one redis-server against the same stack on a local Redis Cluster (3
// masters, 1 replica each, WAIT for one replica after every commit: the cluster default), in the same run.
// Rows: end-to-end throughput and latency at the end-to-end rates, and the rate of one hot movie updated
// one PATCH at a time (the cap a single aggregate has on any number of masters). docs/scale-out.md has
// the scaling model these figures feed.
import { http } from '../test/support/services.ts';
import { e2eMovieCount, e2eSeconds, reportRun, runAtRate, startTarget, type E2eTarget, type RateResult } from './end-to-end.ts';
import { formatMs, formatRatio, median, quantile, type Benchmark, type BenchContext, type ResultRow } from './harness.ts';

/** The rates compared (BENCH_CLUSTER_RATES=1000,5000): one the stack keeps up with, one near saturation. */
function clusterRates(ctx: BenchContext): number[] {
  return ctx.quick ? [50] : (process.env['BENCH_CLUSTER_RATES']?.split(',').map(Number) ?? [1000, 5000]);
}

interface HotResult {
  perSecond: number;
  p99: number;
}

/**
 * One movie, updated one PATCH at a time for `seconds` (each carries the expectedVersion the previous one
 * returned, as a client that must not lose an update does): the rate one aggregate can change at.
 */
async function hotMovie(target: E2eTarget, seconds: number): Promise<HotResult> {
  const catalog = target.stack.process('catalog').url;
  const movieId = target.movies[0]!;
  const current = await http(catalog, 'GET', `/movies/${movieId}`);
  if (current.status !== 200) throw new Error(`GET /movies/${movieId} answered ${current.status}`);
  let version = current.body.version as number;
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const started = performance.now();
    const response = await http(catalog, 'PATCH', `/movies/${movieId}`, { expectedVersion: version, title: `hot ${version}` });
    if (response.status !== 200) throw new Error(`hot PATCH answered ${response.status}: ${JSON.stringify(response.body)}`);
    latencies.push(performance.now() - started);
    version = response.body.version as number;
  }
  latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / seconds, p99: quantile(latencies, 0.99) };
}

const describe = (achieved: number, results: RateResult[]) =>
  `achieved ${achieved.toFixed(0)}/s · p50 ${formatMs(median(results.map((r) => r.p50)))} · p99 ${formatMs(median(results.map((r) => r.p99)))} · Redis masters' CPU ${median(results.map((r) => r.cpuUsPerPatch['redis'] ?? 0)).toFixed(0)} µs per PATCH`;

async function run(ctx: BenchContext): Promise<ResultRow[]> {
  const rates = clusterRates(ctx);
  const seconds = e2eSeconds(ctx);
  const movieCount = e2eMovieCount(rates);
  // Both stacks run for the whole benchmark; each measurement alternates which goes first, so a load
  // change on the shared machine hits both.
  const node = await startTarget(ctx, 'one node', movieCount);
  let cluster: E2eTarget | undefined;
  try {
    cluster = await startTarget(ctx, 'cluster', movieCount, { cluster: true });
    const sides = [['node', node], ['cluster', cluster]] as const;
    const ordered = (i: number) => (i % 2 === 0 ? sides : [sides[1], sides[0]] as const);
    const rows: ResultRow[] = [];
    for (const rate of rates) {
      const results: Record<'node' | 'cluster', RateResult[]> = { node: [], cluster: [] };
      for (let i = 0; i < ctx.runs; i++) {
        for (const [name, target] of ordered(i)) {
          const result = await runAtRate(target, rate, seconds, `${name}-${rate}-${i}`);
          reportRun(ctx, `${name} run ${i + 1}/${ctx.runs} at `, rate, seconds, result);
          results[name].push(result);
        }
      }
      const achieved = (side: 'node' | 'cluster') => median(results[side].map((r) => r.sent / seconds));
      rows.push({
        benchmark: `8. Redis Cluster (3 masters + 3 replicas, WAIT 1 replica) vs 1 node: PATCH on Catalog → visible in Sales, ${rate}/s (${seconds} s)`,
        herald: `cluster: ${describe(achieved('cluster'), results.cluster)}`,
        baseline: `1 node: ${describe(achieved('node'), results.node)}`,
        ratio: `${formatRatio(achieved('cluster') / achieved('node'))} (throughput, cluster / 1 node)`,
        goal: '–',
      });
    }
    const hotSeconds = ctx.quick ? 1 : Math.max(2, Math.round(4 * ctx.scale));
    const hot: Record<'node' | 'cluster', HotResult[]> = { node: [], cluster: [] };
    for (let i = 0; i < ctx.runs; i++) {
      for (const [name, target] of ordered(i)) {
        const result = await hotMovie(target, hotSeconds);
        ctx.log(`  ${name} hot movie run ${i + 1}/${ctx.runs}: ${result.perSecond.toFixed(0)} updates/s, p99 ${formatMs(result.p99)}`);
        hot[name].push(result);
      }
    }
    const hotRate = (side: 'node' | 'cluster') => median(hot[side].map((r) => r.perSecond));
    const hotP99 = (side: 'node' | 'cluster') => formatMs(median(hot[side].map((r) => r.p99)));
    rows.push({
      benchmark: `8. One hot movie, one PATCH at a time with its expectedVersion (${hotSeconds} s): cluster vs 1 node`,
      herald: `cluster: ${hotRate('cluster').toFixed(0)} updates/s · p99 ${hotP99('cluster')}`,
      baseline: `1 node: ${hotRate('node').toFixed(0)} updates/s · p99 ${hotP99('node')}`,
      ratio: `${formatRatio(hotRate('cluster') / hotRate('node'))} (cluster / 1 node)`,
      goal: '–',
    });
    return rows;
  } finally {
    await cluster?.close();
    await node.close();
  }
}

export const clusterScale: Benchmark = { name: 'cluster', title: 'Redis Cluster vs one node', run };
