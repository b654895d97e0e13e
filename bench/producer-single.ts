// Benchmark 2: one awaited publish at a time (the latency-bound case of a request handler publishing
// directly) against redis-benchmark with one client and no pipelining, in the same run.
import { closeConnection, connectRedis, encodedEventToFields } from 'herald/runtime';
import { benchStream, createBenchProducer, movieCreatedEvent } from './events.ts';
import { deleteKeys, entryBytes, equivalentXadd, formatRate, formatRatio, sideBySide, perSecond, sizeOf, runRedisBenchmark, type Benchmark, type BenchContext, type ResultRow } from './harness.ts';

async function run(ctx: BenchContext): Promise<ResultRow[]> {
  const total = sizeOf(ctx, 500, 20_000);
  const redis = await connectRedis(ctx.redis.url, { name: 'bench:producer-single' });
  try {
    const producer = createBenchProducer(redis);
    const sample = movieCreatedEvent(0);
    const fields = encodedEventToFields(producer.encode(sample.name, sample.data, sample.options));
    const command = equivalentXadd(benchStream, fields);
    const ours = async (count: number): Promise<number> => {
      await deleteKeys(ctx.admin, benchStream);
      const started = performance.now();
      for (let i = 0; i < count; i++) {
        const event = movieCreatedEvent(i);
        await producer.publish(event.name, event.data, event.options);
      }
      return perSecond(count, performance.now() - started);
    };
    // The client library's own floor: the same XADD, pre-built, awaited one by one with node-redis.
    const client = async (count: number): Promise<number> => {
      await deleteKeys(ctx.admin, benchStream);
      const started = performance.now();
      for (let i = 0; i < count; i++) await redis.sendCommand(command);
      return perSecond(count, performance.now() - started);
    };
    const raw = async (): Promise<number> => {
      await deleteKeys(ctx.admin, benchStream);
      return (await runRedisBenchmark({ port: ctx.redis.port, requests: total, clients: 1, pipeline: 1, command })).rps;
    };
    const figures = await sideBySide(ctx, { ours, client, raw, reset: () => deleteKeys(ctx.admin, benchStream) }, total, 2000);
    const ratio = figures.ours / figures.raw;
    return [{
      benchmark: `2. Producer, one awaited publish at a time (${entryBytes(fields)} B entry)`,
      herald: formatRate(figures.ours),
      baseline: `${formatRate(figures.raw)} (redis-benchmark -c 1 -P 1); node-redis alone ${formatRate(figures.client)}`,
      ratio: `${formatRatio(ratio)} (${formatRatio(figures.ours / figures.client)} of node-redis)`,
      goal: 'ratio ≥ 0.8',
      met: ratio >= 0.8,
    }];
  } finally {
    await closeConnection(redis);
  }
}

export const producerSingle: Benchmark = { name: 'producer-single', title: 'Producer, one at a time', run };
