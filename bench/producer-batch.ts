// Benchmark 1: the generated producer's publishBatch (one pipelined round trip per batch) against
// redis-benchmark sending the same XADD with the same pipeline depth, in the same run.
import { closeConnection, connectRedis, encodedEventToFields } from 'herald/runtime';
import { benchStream, createBenchProducer, movieCreatedEvent } from './events.ts';
import { deleteKeys, entryBytes, equivalentXadd, formatRate, formatRatio, sideBySide, perSecond, sizeOf, runRedisBenchmark, type Benchmark, type BenchContext, type ResultRow } from './harness.ts';

/** Events per publishBatch call = redis-benchmark's -P. 100 is also the outbox relay's default batch. */
export const pipelineDepth = 100;

async function run(ctx: BenchContext): Promise<ResultRow[]> {
  const total = sizeOf(ctx, 2_000, 300_000);
  const redis = await connectRedis(ctx.redis.url, { name: 'bench:producer-batch' });
  try {
    const producer = createBenchProducer(redis);
    const sample = movieCreatedEvent(0);
    const fields = encodedEventToFields(producer.encode(sample.name, sample.data, sample.options));
    const command = equivalentXadd(benchStream, fields);
    const ours = async (count: number): Promise<number> => {
      await deleteKeys(ctx.admin, benchStream);
      const started = performance.now();
      for (let sent = 0; sent < count; sent += pipelineDepth) {
        const batch = [];
        for (let i = sent; i < Math.min(count, sent + pipelineDepth); i++) batch.push(movieCreatedEvent(i));
        await producer.publishBatch(batch);
      }
      return perSecond(count, performance.now() - started);
    };
    // The client library's own floor: the same XADD, pre-built, through node-redis's pipeline.
    const client = async (count: number): Promise<number> => {
      await deleteKeys(ctx.admin, benchStream);
      const started = performance.now();
      for (let sent = 0; sent < count; sent += pipelineDepth) {
        const pipeline = redis.multi();
        for (let i = sent; i < Math.min(count, sent + pipelineDepth); i++) pipeline.addCommand(command);
        await pipeline.execAsPipeline();
      }
      return perSecond(count, performance.now() - started);
    };
    const raw = async (): Promise<number> => {
      await deleteKeys(ctx.admin, benchStream);
      return (await runRedisBenchmark({ port: ctx.redis.port, requests: total, clients: 1, pipeline: pipelineDepth, command })).rps;
    };
    const figures = await sideBySide(ctx, { ours, client, raw, reset: () => deleteKeys(ctx.admin, benchStream) }, total, 20_000);
    const ratio = figures.ours / figures.raw;
    return [{
      benchmark: `1. Producer, publishBatch of ${pipelineDepth} (MovieCreated, ${entryBytes(fields)} B entry, 1 connection)`,
      herald: formatRate(figures.ours),
      baseline: `${formatRate(figures.raw)} (redis-benchmark -c 1 -P ${pipelineDepth}); node-redis pipeline alone ${formatRate(figures.client)}`,
      ratio: `${formatRatio(ratio)} (${formatRatio(figures.ours / figures.client)} of node-redis)`,
      goal: 'ratio ≥ 1.0',
      met: ratio >= 1.0,
    }];
  } finally {
    await closeConnection(redis);
  }
}

export const producerBatch: Benchmark = { name: 'producer-batch', title: 'Producer, batched', run };
