// `npm run test:faults`: kill and restart parts of the stack under load, then check the ledger.
// Each scenario runs on its own redis-server and processes; the ledger summary is printed at the end.
import { afterAll, describe, expect, test } from 'vitest';
import { formatLedgerSummary, type LedgerReport } from '../support/ledger.ts';
import { killConsumerScenario } from './scenarios/kill-consumer.ts';
import { killRelayScenario } from './scenarios/kill-relay.ts';
import { poisonScenario } from './scenarios/poison-events.ts';
import { restartRedisScenario } from './scenarios/restart-redis.ts';
import { slowConsumerScenario } from './scenarios/slow-consumer.ts';
import { twoConsumersScenario } from './scenarios/two-consumers.ts';
import { redisUnavailableScenario } from './scenarios/redis-unavailable.ts';
import { hostileProducerScenario } from './scenarios/hostile-producer.ts';
import { aofRewriteRestartScenario } from './scenarios/aof-rewrite-restart.ts';
import { wholeStackKillScenario } from './scenarios/whole-stack-kill.ts';

const reports: LedgerReport[] = [];
const measured: string[] = [];

function expectClean(report: LedgerReport, note: Record<string, unknown> = {}): void {
  reports.push(report);
  measured.push(`  ${report.scenario}: ${JSON.stringify(note)}`);
  expect(report.problems).toEqual([]);
  expect({ lost: report.lost, duplicated: report.duplicated, projectionMismatches: report.projectionMismatches }).toEqual({ lost: 0, duplicated: 0, projectionMismatches: 0 });
}

afterAll(() => {
  process.stdout.write(`${formatLedgerSummary(reports)}Measured:\n${measured.join('\n')}\n\n`);
});

describe('fault suite', () => {
  test('1. SIGKILL the Sales consumer every few seconds while 10k updates flow', async () => {
    const r = await killConsumerScenario({ movies: 40, updatesPerMovie: 250, killEveryMs: 2500 });
    expect(r.kills).toBeGreaterThanOrEqual(2);
    expectClean(r, { kills: r.kills, seconds: Math.round(r.ms / 1000) });
  });

  test('2. SIGKILL the Catalog outbox relay between commit and publish', async () => {
    const r = await killRelayScenario({ movies: 20, updatesPerMovie: 100, killEveryMs: 800, paceMs: 60 });
    expect(r.kills).toBeGreaterThanOrEqual(2);
    expect(r.committedUnpublishedAtKill).toBeGreaterThan(0);
    expectClean(r, { kills: r.kills, maxCommittedUnpublished: r.committedUnpublishedAtKill, republished: r.redelivered });
  });

  for (const appendfsync of ['everysec', 'always'] as const) {
    test(`3. restart redis-server mid-stream (SIGTERM, then SIGKILL) with appendfsync ${appendfsync}`, async () => {
      const r = await restartRedisScenario({ appendfsync, movies: 20, updatesPerMovie: 60 });
      expect(r.connectionErrorsLogged).toBeGreaterThan(0); // the outage was logged, and (ledger) without a password
      expectClean(r, { restarts: r.restarts, acknowledgedWritesLost: r.lost, aofDelayedFsync: r.aofDelayedFsync, updatesPerSecond: r.updatesPerSecond, failedRequestsRetried: r.failedRequests });
    });
  }

  test('4. poison, undecodable, unknown-schema and unknown-type events in a busy stream', async () => {
    const r = await poisonScenario({ movies: 20, updatesPerMovie: 50, injectEveryMs: 150 });
    for (const reason of ['undecodable', 'unknown-schema', 'unknown-type', 'rejected']) expect(r.deadLetters[reason], reason).toBeGreaterThan(0);
    expectClean(r, { deadLetters: r.deadLetters });
  });

  test('5. a slow consumer under a producer burst: backpressure, bounded memory, safe retention', async () => {
    const batchSize = 50;
    const r = await slowConsumerScenario({ movies: 100, versions: 50, handlerMs: 2, maxLen: 500, batchSize });
    // The consumer reads one batch ahead while it handles the current one: at most two batches unacked.
    expect(r.samples.maxPending, JSON.stringify({ outcomes: r.outcomes, stats: r.stats })).toBeLessThanOrEqual(2 * batchSize);
    expect(r.samples.lengthWhenDrained).toBeGreaterThan(500); // undelivered entries were kept past maxLen
    expect(r.lengthAfterTrim).toBeLessThanOrEqual(600); // and trimmed once delivered
    expectClean(r, { burstMs: r.burstMs, drainMs: r.drainMs, maxPending: r.samples.maxPending, maxStreamLength: r.samples.maxLength, lengthAfterTrim: r.lengthAfterTrim, peakHeapMb: r.peakHeapMb });
  });

  test('6. two Sales consumers in one group, one SIGKILLed: the survivor reclaims', async () => {
    const r = await twoConsumersScenario({ movies: 20, updatesPerMovie: 60 });
    expect(r.pendingAtKill).toBeGreaterThan(0);
    expect(r.pendingOfDeadAfter).toBe(0);
    expectClean(r, { pendingOfKilledConsumer: r.pendingAtKill, afterReclaim: r.pendingOfDeadAfter, writerDoneMsAfterKill: r.writerDoneMs, settledMsAfterKill: r.settledMs });
  });

  test('7. Redis paused (SIGSTOP 3 s) and out of memory (2 s) under load: 503 with Retry-After, then recovery', async () => {
    const r = await redisUnavailableScenario({ movies: 10, updatesPerMovie: 40, pauseMs: 3000, oomMs: 2000 });
    expect(r.paused503).toBeGreaterThan(0);
    expect(r.oom503).toBeGreaterThan(0);
    expectClean(r, { pausedProbes: r.pausedProbes, paused503: r.paused503, slowestPausedMs: r.slowestPausedMs, oomProbes: r.oomProbes, oom503: r.oom503, failedRequestsRetried: r.failedRequestsRetried });
  });

  test('8. a hostile producer (forged versions, a reused id, €€€, oversize) and 20k junk entries', async () => {
    const r = await hostileProducerScenario({ movies: 10, updatesPerMovie: 30, quiet: 5, junk: 20_000 });
    expect(r.deadLetters).toMatchObject({ rejected: 3, 'too-large': 1, undecodable: 20_000 });
    expect(r.repaired).toBe(1);
    expectClean(r, { deadLetters: r.deadLetters, driftFound: r.driftFound, repaired: r.repaired, deadLetterLogLines: r.deadLetterLines, salesLogBytes: r.salesLogBytes });
  });

  test('9. SIGKILL the whole stack (herald dev, Redis, every service) under load, restart herald dev', async () => {
    const r = await wholeStackKillScenario({ movies: 10, updatesPerMovie: 40 });
    expect(r.processesKilled).toBe(5); // herald dev, redis-server, Catalog, Sales, Reporting
    expectClean(r, { processesKilled: r.processesKilled, failedRequestsRetried: r.failedRequestsRetried });
  });

  test('10. an AOF rewrite mid-stream, then a restart from the rewritten AOF: nothing lost, lag back to 0', async () => {
    const r = await aofRewriteRestartScenario({ movies: 10, updatesPerMovie: 40 });
    expectClean(r, { rewrittenAtUpdate: r.rewrittenAtUpdate, lag: r.lag, redisOwnLag: r.redisOwnLag, failedRequestsRetried: r.failedRequestsRetried });
  });
});
