// Rebuilds Sales' movie projection from the retained `catalog.movie.v1` stream into a fresh key space,
// with a progress bar, then swaps it in atomically. It never stops the live consumer: rows the live
// consumer advanced past the replay's end are kept (see swapScript).
// Run: `REDIS_URL=... node --conditions=herald-source services/sales/replay.ts [--drift]`.
import cliProgress from 'cli-progress';
import { closeConnection, connectRedis, isNotReadyError, replayChannel, streamKey, type ReceivedEvent, type RedisConnection } from 'herald/runtime';
import { catalogMovie } from '../../generated/channels/catalog-movie.ts';
import { LuaScript } from '../shared/lua-script.ts';
import { checkDrift, formatDriftReport } from './drift.ts';
import { createCatalogMovieHandlers } from './handlers.ts';
import { createFoldingProjection, liveProjectionKeys, rebuildProjectionKeys, type ProjectionKeys } from './projection.ts';

// Rows the live consumer applied after the replay's frozen end have a higher version than the rebuilt
// ones; they are carried over, so the swap never moves a movie backwards.
const swapScript = new LuaScript(`
-- KEYS: live movies, live inbox, new movies, new inbox
local live = redis.call('HGETALL', KEYS[1])
local kept = 0
for i = 1, #live, 2 do
  local rebuilt = redis.call('HGET', KEYS[3], live[i])
  if (not rebuilt) or tonumber(cjson.decode(live[i + 1]).version) > tonumber(cjson.decode(rebuilt).version) then
    redis.call('HSET', KEYS[3], live[i], live[i + 1])
    kept = kept + 1
  end
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('RENAME', KEYS[3], KEYS[1])
end
if redis.call('EXISTS', KEYS[4]) == 1 then
  redis.call('SUNIONSTORE', KEYS[2], KEYS[2], KEYS[4])
  redis.call('DEL', KEYS[4])
end
return kept
`);

export interface RebuildResult {
  applied: number;
  skipped: number;
  /** Events whose predecessor is not in the stream at all (trimmed); reported, not applied. */
  gaps: number;
  /** Live rows newer than the replay's end, carried over into the rebuilt projection. */
  keptNewer: number;
  movies: number;
  ms: number;
}

export interface RebuildOptions {
  /** Where the bar is drawn; none when absent (tests). */
  progress?: NodeJS.WritableStream;
  /** Target keys; the live projection by default. */
  target?: ProjectionKeys;
}

export async function rebuildProjection(redis: RedisConnection, options: RebuildOptions = {}): Promise<RebuildResult> {
  const started = performance.now();
  const target = options.target ?? liveProjectionKeys;
  const scratch = rebuildProjectionKeys(`${Date.now()}-${process.pid}`);
  await redis.sendCommand(['DEL', scratch.movies, scratch.inbox]);
  // The scratch keys are fresh and only this rebuild writes them: each batch is folded in memory and
  // written with one pipelined HSET + SADD, instead of one Lua call per event.
  const projection = createFoldingProjection(redis, scratch);
  const handlers = createCatalogMovieHandlers(projection);
  // An event ahead of its predecessor (out of stream order) is set aside and retried after the pass.
  const deferred: Array<() => Promise<void>> = [];
  const tolerant = Object.fromEntries(
    Object.entries(handlers).map(([name, handler]) => [name, async (event: never) => {
      const apply = () => (handler as (e: never) => Promise<void>)(event);
      try {
        await apply();
      } catch (error) {
        if (!isNotReadyError(error)) throw error;
        deferred.push(apply);
      }
    }]),
  ) as unknown as typeof handlers;
  const byName = tolerant as unknown as Record<string, (event: ReceivedEvent<unknown>) => Promise<void>>;
  // Stream order within the batch is every movie's version order; the previous batch's write is still
  // travelling while this one is folded (one connection: Redis applies them in order).
  let writing: Promise<void> = Promise.resolve();
  const handleBatch = async (events: ReceivedEvent<unknown>[]): Promise<boolean> => {
    for (const event of events) await byName[event.name]!(event);
    await writing;
    writing = projection.flush();
    return true;
  };

  const bar = options.progress
    ? new cliProgress.SingleBar({ stream: options.progress, format: 'replay catalog.movie.v1 [{bar}] {value}/{total} events {percentage}% eta {eta}s', hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  bar?.start(Number(await redis.sendCommand(['XLEN', streamKey(catalogMovie)])), 0);
  try {
    const result = await replayChannel(redis, catalogMovie, {
      handlers: tolerant,
      handleBatch,
      batchSize: 500,
      onProgress: (done, total) => {
        bar?.setTotal(total);
        bar?.update(done);
      },
    });
    await writing;
    const gaps = await retryDeferred(deferred);
    await projection.flush();
    const keptNewer = Number(await swapScript.run(redis, [target.movies, target.inbox, scratch.movies, scratch.inbox], []));
    const movies = Number(await redis.sendCommand(['HLEN', target.movies]));
    return { applied: result.applied, skipped: result.skipped, gaps, keptNewer, movies, ms: Math.round(performance.now() - started) };
  } finally {
    bar?.stop();
    await writing.catch(() => {}); // a failed write has already failed the rebuild
    await redis.sendCommand(['DEL', scratch.movies, scratch.inbox]);
  }
}

/** Retries set-aside events until a pass makes no progress; returns how many never applied (gaps). */
async function retryDeferred(deferred: Array<() => Promise<void>>): Promise<number> {
  let remaining = deferred;
  while (remaining.length > 0) {
    const next: Array<() => Promise<void>> = [];
    for (const apply of remaining) {
      try {
        await apply();
      } catch (error) {
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
): Promise<number> {
  // No per-command timer: a rebuild has hundreds of commands in flight (docs/benchmarks.md).
  const redis = await connectRedis(redisUrl, { name: 'sales:replay', commandTimeoutMs: 0 });
  try {
    const result = await rebuildProjection(redis, { progress: io.stderr });
    io.stdout.write(`rebuilt sales projection: ${result.movies} movies from ${result.applied} events (${result.skipped} undecodable skipped, ${result.gaps} gaps, ${result.keptNewer} newer live rows kept) in ${result.ms} ms\n`);
    if (!argv.includes('--drift')) return 0;
    const report = await checkDrift(redis);
    io.stdout.write(formatDriftReport(report));
    return report.differences.length === 0 ? 0 : 1;
  } finally {
    await closeConnection(redis);
  }
}

if (import.meta.main) {
  process.exitCode = await runRebuildCommand(process.argv.slice(2), process);
}
