// Benchmark 3: one consumer instance decoding, handling (no-op) and acking a pre-filled stream, against
// a minimal node-redis XREADGROUP + XACK loop with the same batch size and no decoding, in the same run.
import { closeConnection, connectRedis, consumerDefaults, createConsumer, type ChannelHandlers, type RedisConnection } from 'herald/runtime';
import { benchStream, channel, fillStream, type BenchChannel } from './events.ts';
import { formatRate, formatRatio, medianOf, perSecond, sizeOf, type Benchmark, type BenchContext, type ResultRow } from './harness.ts';

const batchSize = consumerDefaults.batchSize;

async function herald(redis: RedisConnection, group: string, total: number): Promise<number> {
  let handled = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const noop = () => {
    if (++handled === total) finish();
  };
  const handlers = Object.fromEntries(Object.keys(channel.messages).map((name) => [name, noop])) as unknown as ChannelHandlers<BenchChannel>;
  // blockMs only bounds how long stop() waits for the last (empty) read; it is not on the hot path.
  const consumer = createConsumer(redis, channel, { group, consumer: 'bench-1', handlers, config: { batchSize, blockMs: 100 } });
  const started = performance.now();
  await consumer.start();
  await done;
  const elapsed = performance.now() - started;
  await consumer.stop();
  const stats = await consumer.stats();
  if (stats.pending !== 0 || stats.deadLettered !== 0) throw new Error(`consumer left ${stats.pending} pending, dead-lettered ${stats.deadLettered}`);
  return perSecond(total, elapsed);
}

/** The floor: read a batch, ack its ids, nothing else. */
async function raw(redis: RedisConnection, group: string, total: number): Promise<number> {
  await redis.sendCommand(['XGROUP', 'CREATE', benchStream, group, '0']);
  const started = performance.now();
  let read = 0;
  while (read < total) {
    const reply = (await redis.sendCommand(['XREADGROUP', 'GROUP', group, 'raw-1', 'COUNT', String(batchSize), 'STREAMS', benchStream, '>'])) as unknown;
    if (!reply) break;
    // RESP3 answers a map (a plain object under node-redis's default mapping) of stream -> entries.
    const entries = (reply instanceof Map ? [...reply.values()][0] : Object.values(reply as object)[0]) as Array<[Buffer, unknown]> | undefined;
    if (!entries || entries.length === 0) break;
    const ids = entries.map((entry) => entry[0].toString());
    await redis.sendCommand(['XACK', benchStream, group, ...ids]);
    read += entries.length;
  }
  if (read !== total) throw new Error(`raw loop read ${read} of ${total}`);
  return perSecond(total, performance.now() - started);
}

async function run(ctx: BenchContext): Promise<ResultRow[]> {
  const total = sizeOf(ctx, 5_000, 1_000_000);
  const redis = await connectRedis(ctx.redis.url, { name: 'bench:consumer' });
  try {
    const fillStarted = performance.now();
    await fillStream(redis, total);
    ctx.log(`  filled ${total} entries in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`);
    // A fresh group per run re-reads the same retained entries; no refill needed.
    // Which side goes first alternates between runs, so a load change on the shared machine hits both.
    const figures = await medianOf(ctx.runs, async (i) => {
      if (i % 2 === 1) {
        const rawFirst = await raw(redis, `raw-${i}`, total);
        return { ours: await herald(redis, `herald-${i}`, total), raw: rawFirst };
      }
      const ours = await herald(redis, `herald-${i}`, total);
      return { ours, raw: await raw(redis, `raw-${i}`, total) };
    }, ctx.log);
    return [{
      benchmark: `3. Consumer, 1 instance: decode + no-op handler + XACK, ${formatCount(total)} events, batch ${batchSize}`,
      herald: formatRate(figures.ours),
      baseline: `${formatRate(figures.raw)} (node-redis XREADGROUP + XACK, no decoding)`,
      ratio: formatRatio(figures.ours / figures.raw),
      goal: 'ratio ≥ 0.9',
      met: figures.ours / figures.raw >= 0.9,
    }];
  } finally {
    await closeConnection(redis);
  }
}

export function formatCount(n: number): string {
  return n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000} M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000} k` : String(n);
}

export const consumer: Benchmark = { name: 'consumer', title: 'Consumer', run };
