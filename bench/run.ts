// `npm run bench [-- --quick] [-- --only <name>[,<name>]]`: starts a private redis-server, runs the
// benchmarks, writes bench/results.md and prints the same table. It never touches a Redis it did not start.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { closeConnection, connectRedis } from 'herald/runtime';
import { startRedisServer } from '../src/cli/redis-server.ts';
import { functionLibraries } from '../src/cli/service-manifests.ts';
import { loadFunctionLibraries } from '../src/runtime/redis/functions.ts';
import { clusterScale } from './cluster.ts';
import { codec } from './codec.ts';
import { consumer } from './consumer.ts';
import { endToEnd } from './end-to-end.ts';
import { renderTable, type Benchmark, type BenchContext, type ResultRow } from './harness.ts';
import { producerBatch } from './producer-batch.ts';
import { producerSingle } from './producer-single.ts';
import { replay } from './replay.ts';
import { tooling } from './tooling.ts';

export const benchmarks: readonly Benchmark[] = [producerBatch, producerSingle, consumer, endToEnd, replay, codec, tooling, clusterScale];

export interface BenchRunOptions {
  quick?: boolean;
  only?: readonly string[];
  /** Where results.md goes; default bench/results.md. */
  resultsFile?: string;
  runs?: number;
  /** Multiplies every full-size N (default 1). */
  scale?: number;
  log?: (message: string) => void;
}

export interface BenchRunResult {
  rows: ResultRow[];
  markdown: string;
  failures: Array<{ name: string; error: string }>;
}

const APPENDFSYNC = 'everysec';

export async function runBenchmarks(options: BenchRunOptions = {}): Promise<BenchRunResult> {
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const quick = options.quick ?? false;
  const selected = options.only?.length ? benchmarks.filter((b) => options.only!.includes(b.name)) : benchmarks;
  const unknown = (options.only ?? []).filter((name) => !benchmarks.some((b) => b.name === name));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${benchmarks.map((b) => b.name).join(', ')}`);

  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  // AOF on, fsync every second: the setting the services run with (src/cli/redis-server.ts).
  const redis = await startRedisServer({ dir, appendfsync: APPENDFSYNC });
  const admin = await connectRedis(redis.url, { name: 'bench:admin' });
  // The admin step `herald redis setup` does: producers trim and services apply through these functions.
  await loadFunctionLibraries(admin, functionLibraries(join(import.meta.dirname, '..')));
  const load = loadavg();
  const rows: ResultRow[] = [];
  const failures: BenchRunResult['failures'] = [];
  let redisVersion = 'unknown';
  try {
    const info = String(await admin.sendCommand(['INFO', 'server']));
    redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? redisVersion;
    const ctx: BenchContext = { quick, redis, admin, runs: options.runs ?? (quick ? 1 : 3), scale: options.scale ?? 1, log };
    for (const benchmark of selected) {
      log(`▶ ${benchmark.name}: ${benchmark.title}`);
      const started = performance.now();
      try {
        rows.push(...(await benchmark.run(ctx)));
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        failures.push({ name: benchmark.name, error: message });
        rows.push({ benchmark: benchmark.title, herald: 'failed', baseline: '', ratio: '', goal: '', met: false });
        log(`  ✗ ${benchmark.name} failed: ${message}`);
      }
      log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
      await admin.sendCommand(['FLUSHALL']);
    }
  } finally {
    await closeConnection(admin).catch(() => {});
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const loadAtEnd = loadavg();
  const cpuList = cpus();
  const machine = [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpuList.length} cores, ${cpuList[0]?.model ?? 'unknown CPU'}; load average ${load.map((l) => l.toFixed(2)).join(' / ')} at start, ${loadAtEnd.map((l) => l.toFixed(2)).join(' / ')} at the end (1/5/15 min; shared with other work)`,
    `- Node ${process.version}; Redis ${redisVersion} (private redis-server on loopback, appendonly yes, appendfsync ${APPENDFSYNC}, as the services run it)`,
    `- Mode: ${quick ? 'quick (tiny N, smoke only: these figures mean nothing)' : options.scale && options.scale !== 1 ? `full N × ${options.scale}` : 'full'}; each figure is the median of ${options.runs ?? (quick ? 1 : 3)} runs`,
  ].join('\n');
  const table = renderTable(rows);
  const markdown = `# Herald benchmarks\n\nReproduce with \`npm run bench\` (about 10 minutes; \`--quick\` for a smoke run). What each row measures: docs/benchmarks.md.\n\n${table}\n\n${machine}\n`;
  writeFileSync(options.resultsFile ?? join(fileURLToPath(new URL('.', import.meta.url)), 'results.md'), markdown);
  return { rows, markdown, failures };
}

function benchOptions(argv: string[]): BenchRunOptions {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { quick: { type: 'boolean' }, only: { type: 'string' }, runs: { type: 'string' }, scale: { type: 'string' } } }));
  } catch (error) {
    throw new Error(`${(error as Error).message} (use --quick, --only <name>[,<name>], --runs <n>, --scale <factor>)`);
  }
  return {
    ...(values.quick ? { quick: true } : {}),
    ...(values.only !== undefined ? { only: values.only.split(',').filter(Boolean) } : {}),
    ...(values.runs !== undefined ? { runs: Number(values.runs) } : {}),
    ...(values.scale !== undefined ? { scale: Number(values.scale) } : {}),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const result = await runBenchmarks(benchOptions(process.argv.slice(2)));
    process.stdout.write(`${result.markdown}\n`);
    process.exitCode = result.failures.length > 0 ? 1 : 0;
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
