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
});
