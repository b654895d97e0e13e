// Rebuilds Sales' movie projection from the retained `catalog.movie.v1` stream into a fresh key space,
// with a progress bar, then swaps it in atomically. It never stops the live consumer: rows the live
// consumer advanced past the replay's end are kept (functions.lua: sales_swap). The fold is the
// projection rule itself (projection-rule.ts: applyToRow). With partitions, each partition's stream is
// folded into that partition's scratch keys and swapped onto its live keys (one slot each), all
// partitions at once.
// Run: `REDIS_URL=... node --conditions=herald-source services/sales/replay.ts [--drift]` (--drift reads
// Catalog's API at CATALOG_URL, see drift.ts).
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { channelStreamKeys, closeConnection, defaultInboxWindow, fcall, isDeadLetterError, isNotReadyError, replayChannel, type ReceivedEvent, type RedisConnection, isClusterConnection } from 'herald/runtime';
import { connectToolRedis } from '../shared/redis-connect.ts';
import { catalogMovie } from '../../generated/channels/catalog-movie.ts';
import { envInt } from '../shared/env.ts';
import { checkDrift, formatDriftReport, httpCatalogReader } from './drift.ts';
import { applyCatalogMovieNow, createCatalogMovieHandlers, payloadDigestOf } from './handlers.ts';
import { createFoldingProjection, salesKeysFor, salesLayout, type FoldingProjection, type ProjectionKeys } from './projection.ts';

export interface RebuildResult {
  applied: number;
  skipped: number;
  /** Events whose predecessor is not in the stream at all (trimmed); reported, not applied. */
  gaps: number;
  /** Events refused by the handlers' checks (as the live consumer dead-letters them); not applied. */
  refused: number;
  /** Live rows newer than the replay's end, carried over into the rebuilt projection. */
  keptNewer: number;
  movies: number;
  /** Partitions rebuilt, each in parallel with the others. */
  partitions: number;
  ms: number;
}

export interface RebuildOptions {
  /** Where the bar is drawn; none when absent (tests). */
  progress?: NodeJS.WritableStream;
  /** Ids the merged inbox keeps (INBOX_WINDOW). */
  inboxWindow?: number;
  /** Partitions of catalog.movie.v1 (and of Sales' keys); the contract's count by default (tests override it). */
  partitions?: number;
}

export interface FoldResult {
  applied: number;
  skipped: number;
  /** Events whose predecessor is not in the stream at all (trimmed); reported, not applied. */
  gaps: number;
  /** Events refused by the handlers' checks (as the live consumer dead-letters them); not applied. */
  refused: number;
}

/** A fold writes once this many rows changed (about 10 MB of commands), and at the end. */
const flushEvery = 50_000;

/**
 * Folds the retained `catalog.movie.v1` stream (or, with `partition`, that partition's stream of `channel`)
 * into `projection` with the live handlers' rules. An event ahead of its predecessor (out of stream order)
 * is set aside and retried after the pass. With `write`, what changed is flushed (every `flushEvery`
 * changed rows, and at the end) while the next batches are folded (one connection: Redis applies them in
 * order). `stop` is asked before each batch: a true answer ends the fold with an error (a sibling partition failed).
 */
export async function foldCatalogStream(
  redis: RedisConnection,
  projection: FoldingProjection,
  options: { write: boolean; onProgress?: (done: number, total: number) => void; channel?: typeof catalogMovie; partition?: number; stop?: () => boolean },
): Promise<FoldResult> {
  const handlers = createCatalogMovieHandlers(projection, { spans: false });
  const deferred: Array<() => Promise<void>> = [];
  // An event the live consumer refuses (DLQ `rejected`: domain rule, tampered, conflicting version) is
  // refused here too, counted and skipped: it must neither stop the fold nor be applied.
  let refused = 0;
  const byName = handlers as unknown as Record<string, (event: ReceivedEvent<unknown>) => Promise<void>>;
  const handle = async (event: ReceivedEvent<unknown>): Promise<void> => {
    const handler = byName[event.name]!;
    try {
      await handler(event);
    } catch (error) {
      if (isDeadLetterError(error)) {
        refused++;
        return;
      }
      if (!isNotReadyError(error)) throw error;
      deferred.push(() => handler(event));
    }
  };
  const tolerant = Object.fromEntries(Object.keys(handlers).map((name) => [name, handle])) as unknown as typeof handlers;
  let writing: Promise<void> = Promise.resolve();
  const decoders = Object.fromEntries(Object.values((options.channel ?? catalogMovie).messages).map((m) => [m.name, (bytes: Buffer) => m.codec.decode(bytes)])) as Record<string, (bytes: Buffer) => unknown>;
  const handleBatch = async (events: ReceivedEvent<unknown>[], payloads: Buffer[]): Promise<boolean> => {
    if (options.stop?.()) throw new Error('fold stopped: another partition of the rebuild failed');
    // The handlers' own checks, rule and outcomes (handlers.ts: applyCatalogMovieNow), applied without
    // a promise per event: the fold does no I/O per event. A set-aside event is retried by its handler.
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      try {
        // The digest from the payload's bytes, not the decoded payload: a fold keeps it until the movie's next event.
        applyCatalogMovieNow(projection.applyNow, event, payloadDigestOf(event, payloads[i]!, decoders[event.name]!));
      } catch (error) {
        if (isDeadLetterError(error)) {
          refused++;
          continue;
        }
        if (!isNotReadyError(error)) throw error;
        const handler = byName[event.name]!;
        deferred.push(() => handler(event));
      }
    }
    // Writes are coalesced over batches: a movie changed many times between two flushes is written once.
    if (options.write && projection.pending >= flushEvery) {
      await writing;
      writing = projection.flush();
    }
    return true;
  };
  try {
    const result = await replayChannel(redis, options.channel ?? catalogMovie, {
      handlers: tolerant, handleBatch, batchSize: 500,
      ...(options.partition !== undefined ? { partition: options.partition } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    await writing;
    const gaps = await retryDeferred(deferred, () => refused++);
    if (options.write) await projection.flush();
    return { applied: result.applied, skipped: result.skipped, gaps, refused };
  } finally {
    await writing.catch(() => {}); // a failed write has already failed the fold
  }
}

/**
 * Rebuilds every partition of the live projection at once: partition p's stream is folded into p's
 * scratch keys; when every fold succeeded, each partition is swapped in (sales_swap on p's keys, one
 * slot). A failed fold stops the others and the rebuild fails with nothing swapped; every scratch key
 * is deleted either way. With one partition on one node the keys are today's.
 */
export async function rebuildProjection(redis: RedisConnection, options: RebuildOptions = {}): Promise<RebuildResult> {
  const started = performance.now();
  // On a cluster the scratch keys carry their partition's hash tag, so sales_swap touches one slot.
  const keys = salesKeysFor(salesLayout({ cluster: isClusterConnection(redis), ...(options.partitions !== undefined ? { partitions: options.partitions } : {}) }));
  const { partitions } = keys.layout;
  const channel = partitions === (catalogMovie.partitions ?? 1) ? catalogMovie : { ...catalogMovie, partitions };
  const window = String(options.inboxWindow ?? defaultInboxWindow);
  const token = `${Date.now()}-${process.pid}`;
  const scratch = (p: number) => keys.inPartition(p).rebuild(token);
  const dropScratch = (p: number) => redis.sendCommand(['DEL', scratch(p).movies, scratch(p).inbox, scratch(p).index]);
  const every = Array.from({ length: partitions }, (_, p) => p);
  const bar = options.progress
    ? new cliProgress.SingleBar({ stream: options.progress, format: 'replay catalog.movie.v1 [{bar}] {value}/{total} events {percentage}% eta {eta}s', hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  // The bar shows every partition's events together.
  const done = every.map(() => 0);
  const totals = await Promise.all(channelStreamKeys(channel, partitions).map(async (stream) => Number(await redis.sendCommand(['XLEN', stream]))));
  bar?.start(totals.reduce((a, b) => a + b, 0), 0);
  // The first fold to fail stops the others (at their next batch) and is the rebuild's error.
  let failure: { error: unknown } | undefined;
  try {
    await Promise.all(every.map(dropScratch));
    const folds = await Promise.allSettled(every.map(async (p) => {
      // The scratch keys are fresh and only this rebuild writes them: each batch is folded in memory and
      // written with one pipelined HSET + ZADD, instead of one function call per event.
      const projection = createFoldingProjection(redis, scratch(p), { inboxWindow: options.inboxWindow ?? defaultInboxWindow });
      try {
        return await foldCatalogStream(redis, projection, {
          write: true,
          channel,
          ...(partitions > 1 ? { partition: p } : {}),
          stop: () => failure !== undefined,
          onProgress: (value, total) => {
            done[p] = value;
            totals[p] = total;
            bar?.setTotal(totals.reduce((a, b) => a + b, 0));
            bar?.update(done.reduce((a, b) => a + b, 0));
          },
        });
      } catch (error) {
        failure ??= { error };
        throw error;
      }
    }));
    if (failure) throw failure.error;
    const results = folds.map((fold) => (fold as PromiseFulfilledResult<FoldResult>).value);
    const swapped = await Promise.all(every.map(async (p) => {
      const live: ProjectionKeys = keys.inPartition(p).live;
      const kept = Number(await fcall(redis, 'sales_swap', [live.movies, live.inbox, scratch(p).movies, scratch(p).inbox, live.index, scratch(p).index], [window]));
      return { kept, movies: Number(await redis.sendCommand(['HLEN', live.movies])) };
    }));
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    return {
      applied: sum(results.map((r) => r.applied)),
      skipped: sum(results.map((r) => r.skipped)),
      gaps: sum(results.map((r) => r.gaps)),
      refused: sum(results.map((r) => r.refused)),
      keptNewer: sum(swapped.map((s) => s.kept)),
      movies: sum(swapped.map((s) => s.movies)),
      partitions,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    bar?.stop();
    await Promise.all(every.map(dropScratch));
  }
}

/** Retries set-aside events until a pass makes no progress; returns how many never applied (gaps). */
async function retryDeferred(deferred: Array<() => Promise<void>>, onRefused: () => void): Promise<number> {
  let remaining = deferred;
  while (remaining.length > 0) {
    const next: Array<() => Promise<void>> = [];
    for (const apply of remaining) {
      try {
        await apply();
      } catch (error) {
        if (isDeadLetterError(error)) {
          onRefused();
          continue;
        }
        if (!isNotReadyError(error)) throw error;
        next.push(apply);
      }
    }
    if (next.length === remaining.length) return next.length;
    remaining = next;
  }
  return 0;
}

/**
 * The Sales rebuild command: `replay.ts [--drift]`, or `herald replay` calling this with its own streams.
 * Rebuilds (progress bar on `stderr`), then optionally checks drift; returns 1 when drift is found.
 */
export async function runRebuildCommand(
  argv: readonly string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
  redisUrl: string = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  // An unknown option fails here, before anything is rebuilt.
  const { values } = parseArgs({ args: [...argv], options: { drift: { type: 'boolean', default: false } } });
  // No per-command timer: a rebuild has hundreds of commands in flight (docs/benchmarks.md).
  const redis = await connectToolRedis(redisUrl, env, { name: 'sales:replay', commandTimeoutMs: 0 });
  try {
    const result = await rebuildProjection(redis, { progress: io.stderr, inboxWindow: envInt(process.env, 'INBOX_WINDOW', defaultInboxWindow, 100, 100_000_000) });
    io.stdout.write(`rebuilt sales projection: ${result.movies} movies from ${result.applied} events (${result.skipped} undecodable skipped, ${result.refused} refused, ${result.gaps} gaps, ${result.keptNewer} newer live rows kept)${result.partitions > 1 ? ` over ${result.partitions} partitions in parallel` : ''} in ${result.ms} ms\n`);
    if (!values.drift) return 0;
    const report = await checkDrift(redis, httpCatalogReader(process.env.CATALOG_URL ?? 'http://127.0.0.1:3001'));
    io.stdout.write(formatDriftReport(report));
    return report.unrepaired === 0 ? 0 : 1;
  } finally {
    await closeConnection(redis);
  }
}

if (import.meta.main) {
  process.exitCode = await runRebuildCommand(process.argv.slice(2), process);
}
