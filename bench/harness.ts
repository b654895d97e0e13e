// Shared benchmark plumbing: repeated runs with medians, number formatting, the result-table rows,
// and the redis-benchmark runner. It never decides what is measured; each bench/<name>.ts does.
import { spawn } from 'node:child_process';
import type { RedisServer } from '../src/cli/redis-server.ts';
import type { RedisConnection } from 'herald/runtime';

/** What every benchmark gets from bench/run.ts. */
export interface BenchContext {
  /** Tiny N for development and the smoke test. */
  quick: boolean;
  /** The benchmark's private redis-server (AOF as the services run it). */
  redis: RedisServer;
  /** An admin connection to it (Buffer replies), for setup and cleanup. */
  admin: RedisConnection;
  /** Multiplies the full-size N (`--scale 0.1` for a faster, still meaningful development run). */
  scale: number;
  /** How many times each figure is measured (the median is reported). */
  runs: number;
  log(message: string): void;
}

/** One line of bench/results.md. */
export interface ResultRow {
  benchmark: string;
  herald: string;
  baseline: string;
  ratio: string;
  goal: string;
  /** undefined when there is no goal. */
  met?: boolean;
}

export interface Benchmark {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<ResultRow[]>;
}

/** The N of a benchmark: `tiny` in quick mode, else `full` times the scale. */
export function sizeOf(ctx: BenchContext, tiny: number, full: number): number {
  return ctx.quick ? tiny : Math.max(tiny, Math.round(full * ctx.scale));
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Value at quantile q (0..1) of `sorted` (ascending), nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * Runs `measure` `runs` times and returns the median of every figure it reports. Runs alternate with
 * whatever else the measure does (for example ours, then raw), so a burst of load from other users of
 * the machine hits both sides alike.
 */
export async function medianOf<K extends string>(runs: number, measure: (run: number) => Promise<Record<K, number>>, log?: (m: string) => void): Promise<Record<K, number>> {
  const samples = new Map<K, number[]>();
  for (let run = 0; run < runs; run++) {
    const figures = await measure(run);
    for (const [key, value] of Object.entries(figures) as Array<[K, number]>) {
      const list = samples.get(key) ?? [];
      list.push(value);
      samples.set(key, list);
    }
    log?.(`  run ${run + 1}/${runs}: ${Object.entries(figures).map(([k, v]) => `${k}=${formatNumber(v as number)}`).join(' ')}`);
  }
  return Object.fromEntries([...samples].map(([key, values]) => [key, median(values)])) as Record<K, number>;
}

/** Events (or operations) per second of `count` done in `ms`. */
/**
 * Herald, the bare client and redis-benchmark measured side by side: both Node paths are warmed up
 * first (the JIT, node-redis's queue), then each run alternates which Node path goes first, with the
 * raw baseline between them, and the median of each is kept.
 */
export async function sideBySide(
  ctx: BenchContext,
  paths: { ours(count: number): Promise<number>; client(count: number): Promise<number>; raw(): Promise<number>; reset(): Promise<void> },
  total: number,
  warmup: number,
): Promise<{ ours: number; raw: number; client: number }> {
  await paths.ours(Math.min(total, warmup));
  await paths.client(Math.min(total, warmup));
  return medianOf(ctx.runs, async (run) => {
    const [first, second] = run % 2 === 0 ? [paths.ours, paths.client] : [paths.client, paths.ours];
    const a = await first(total);
    const r = await paths.raw();
    const b = await second(total);
    await paths.reset();
    return run % 2 === 0 ? { ours: a, raw: r, client: b } : { ours: b, raw: r, client: a };
  }, ctx.log);
}

export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : 0;
}

/** 1234567 -> "1.23 M", 45678 -> "45.7 k", 12.3 -> "12.3". */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)} k`;
  if (abs >= 1e3) return `${(value / 1e3).toFixed(2)} k`;
  if (abs >= 100) return value.toFixed(0);
  return value.toFixed(abs >= 10 ? 1 : 2);
}

export function formatRate(perSec: number, unit = 'events/s'): string {
  return `${formatNumber(perSec)} ${unit}`;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)} ms`;
}

export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a';
}

/** Markdown table of the result rows (columns: benchmark, Herald, raw baseline, ratio, goal, met). */
export function renderTable(rows: readonly ResultRow[]): string {
  const header = ['Benchmark', 'Herald', 'Raw baseline', 'Ratio', 'Goal', 'Met'];
  const cells = rows.map((row) => [row.benchmark, row.herald, row.baseline, row.ratio, row.goal, row.met === undefined ? '–' : row.met ? 'yes' : 'NO']);
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...cells.map((line) => `| ${line.map(escape).join(' | ')} |`),
  ].join('\n');
}

export interface RedisBenchmarkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Runs `redis-benchmark` (Debian's redis-tools) with a custom command and returns its requests/s.
 * Arguments go straight to execve, so `*` and binary-free values need no quoting.
 */
export async function runRedisBenchmark(options: { port: number; requests: number; clients: number; pipeline: number; command: readonly string[] }): Promise<RedisBenchmarkResult> {
  const args = ['-p', String(options.port), '-n', String(options.requests), '-c', String(options.clients), '-P', String(options.pipeline), '--csv', ...options.command];
  const { stdout, stderr, code } = await runProcess('redis-benchmark', args);
  const line = stdout.trim().split('\n').find((l) => !l.startsWith('"test"'));
  if (code !== 0 || !line) throw new Error(`redis-benchmark failed (exit ${code}): ${stderr.trim() || stdout.trim()}`);
  const cells = line.match(/"([^"]*)"/g)?.map((c) => c.slice(1, -1)) ?? [];
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  return { rps: Number(cells[1]), p50Ms: Number(cells[4]), p99Ms: Number(cells[6]) };
}

export function runProcess(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

/** Deletes benchmark keys so one run's stream length never skews the next. */
export async function deleteKeys(admin: RedisConnection, ...keys: string[]): Promise<void> {
  if (keys.length > 0) await admin.sendCommand(['UNLINK', ...keys]);
}

/**
 * The redis-benchmark command equivalent to one of our XADDs: same stream, same field names, every
 * value of the same byte length. Binary `data` becomes ASCII filler, since redis-benchmark takes its
 * arguments from argv (which cannot carry a NUL byte).
 */
export function equivalentXadd(stream: string, fields: ReadonlyArray<string | Buffer>, maxLen = 1_000_000): string[] {
  const values = fields.map((value) => (typeof value === 'string' && /^[\x20-\x7e]*$/.test(value) ? value : 'x'.repeat(Buffer.byteLength(value))));
  return ['XADD', stream, 'MAXLEN', '~', String(maxLen), '*', ...values];
}

/** Bytes of one stream entry's field names and values, as the table states the entry size. */
export function entryBytes(fields: ReadonlyArray<string | Buffer>): number {
  return fields.reduce((sum, value) => sum + Buffer.byteLength(value), 0);
}
