// Scenario 5: a slow consumer (every handler sleeps) under a producer burst, with a small retention.
// Backpressure: the consumer never holds more than one batch unacked. Memory stays bounded. Retention
// trims delivered entries only: every event of the burst is applied exactly once.
import { closeConnection, connectRedis, createConsumer, createProducer, parseGroups, trimSafely, type Middleware } from 'herald/runtime';
import { catalogMovie } from '../../../generated/channels/catalog-movie.ts';
import { aclConfigLines, createConsumerGroups, redisUrlFor, resolveRedisPasswords } from '../../../src/cli/redis-acl.ts';
import { createCatalogMovieHandlers } from '../../../services/sales/handlers.ts';
import { createMovieProjection } from '../../../services/sales/projection.ts';
import type { LedgerReport } from '../../support/ledger.ts';
import { startTestRedis } from '../../support/redis.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export async function slowConsumerScenario(options: { movies: number; versions: number; handlerMs: number; maxLen: number; batchSize: number }) {
  const passwords = resolveRedisPasswords({});
  const server = await startTestRedis({ extraConfig: aclConfigLines(passwords) });
  const admin = await connectRedis(server.url);
  await createConsumerGroups(admin); // the deployer's step: service users may not create groups
  const catalog = await connectRedis(redisUrlFor(server.url, 'catalog', passwords.of('catalog')), { name: 'catalog:burst' });
  const sales = await connectRedis(redisUrlFor(server.url, 'sales', passwords.of('sales')), { name: 'sales:slow' });
  const outcomes = { applied: 0, duplicate: 0, early: 0, tampered: 0, conflict: 0 };
  const slow: Middleware = (next) => async (event) => {
    await sleep(options.handlerMs);
    return next(event);
  };
  const consumer = createConsumer(sales, catalogMovie, {
    group: 'sales', consumer: 'slow',
    handlers: createCatalogMovieHandlers(createMovieProjection(sales), { outcome: (_name, outcome) => outcomes[outcome]++ }),
    middleware: [slow],
    config: { batchSize: options.batchSize, concurrency: 8, blockMs: 100 },
  });
  const producer = createProducer(catalog, catalogMovie, { source: 'herald/catalog', maxLen: options.maxLen, trimEvery: 100 });
  const total = options.movies * options.versions;
  const samples = { maxPending: 0, maxLength: 0, lengthWhenDrained: 0, heapBefore: 0, heapMax: 0 };
  try {
    await consumer.start(); // the group exists before the burst, so retention knows what it still needs
    global.gc?.();
    samples.heapBefore = process.memoryUsage().heapUsed;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const group = parseGroups(await admin.sendCommand(['XINFO', 'GROUPS', 'catalog.movie.v1'])).find((g) => g.name === 'sales');
        const length = Number(await admin.sendCommand(['XLEN', 'catalog.movie.v1']));
        samples.maxPending = Math.max(samples.maxPending, group?.pending ?? 0);
        samples.maxLength = Math.max(samples.maxLength, length);
        samples.heapMax = Math.max(samples.heapMax, process.memoryUsage().heapUsed);
        await sleep(20);
      }
    })();
    // The burst: every movie created, then updated version by version, in pipelined batches of 500.
    const started = Date.now();
    const movie = (m: number, v: number) => ({ movieId: `00000000-0000-4000-8000-${String(m).padStart(12, '0')}`, title: `Film ${m} v${v}`, price: { amountMinor: BigInt(m * 1000 + v), currencyCode: 'EUR' }, genres: [], releaseYear: 2000, status: 1 });
    const events = [];
    for (let v = 1; v <= options.versions; v++) {
      for (let m = 0; m < options.movies; m++) {
        const data = { movieId: movie(m, v).movieId, version: v, movie: movie(m, v), ...(v > 1 ? { changedFields: { paths: ['title', 'price'] } } : {}) };
        events.push({ name: v === 1 ? 'MovieCreated' as const : 'MovieUpdated' as const, data: data as never, options: { subject: data.movieId, sequence: v } });
      }
    }
    for (let i = 0; i < events.length; i += 500) await producer.publishBatch(events.slice(i, i + 500));
    const burstMs = Date.now() - started;
    const deadline = Date.now() + 120_000;
    while (outcomes.applied + outcomes.duplicate < total && Date.now() < deadline) await sleep(50);
    const drainMs = Date.now() - started;
    sampling = false;
    await sampler;
    samples.lengthWhenDrained = Number(await admin.sendCommand(['XLEN', 'catalog.movie.v1']));
    // The producer's next trim, once the group has caught up: now the stream may shrink to maxLen.
    await trimSafely(catalog, 'catalog.movie.v1', options.maxLen, total);
    const inbox = Number(await admin.sendCommand(['ZCARD', 'sales:inbox:window']));
    const dlq = Number(await admin.sendCommand(['XLEN', 'catalog.movie.v1.dlq']));
    const rows = await createMovieProjection(admin).all();
    const stale = rows.filter((r) => r.version !== options.versions).length + (options.movies - rows.length);
    const lengthAfterTrim = Number(await admin.sendCommand(['XLEN', 'catalog.movie.v1']));
    const report: LedgerReport = {
      scenario: '5 slow consumer under a burst',
      eventsChecked: total,
      lost: total - inbox + stale,
      duplicated: Math.max(0, outcomes.applied - total),
      redelivered: outcomes.duplicate,
      inDoubt: 0,
      projectionMismatches: stale,
      deadLetters: dlq > 0 ? { any: dlq } : {},
      problems: [],
    };
    return { ...report, outcomes, stats: await consumer.stats(), samples, burstMs, drainMs, lengthAfterTrim, peakHeapMb: Math.round(samples.heapMax / 1e5) / 10 };
  } finally {
    await consumer.stop();
    for (const c of [catalog, sales, admin]) await closeConnection(c).catch(() => undefined);
    await server.cleanup();
  }
}
