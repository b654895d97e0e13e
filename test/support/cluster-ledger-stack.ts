// The stack, load and verdict the cluster fault-ledger tests share (test/e2e/services-cluster-*.test.ts):
// each test file keeps only its fault (a master killed, slots resharded) and what it checks about it.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect } from 'vitest';
import { closeConnection, type RedisConnection } from 'herald/runtime';
import { catalogKeysFor, catalogLayout } from '../../services/catalog/event-store.ts';
import { salesKeysFor, salesLayout } from '../../services/sales/projection.ts';
import { countKeysOnMasters, settled } from './cluster-ledger.ts';
import { buyMovies, createMovies, settle, updateMovies, type DriverProgress, type Workload } from './fault-driver.ts';
import { Ledger, type LedgerReport } from './ledger.ts';
import { startStack, type Stack } from './services.ts';

/**
 * The stack of a cluster fault-ledger test file: Catalog and Sales as processes on a fresh 3-master
 * cluster (each its own ACL user, the functions and groups installed by the admin, REDIS_CLUSTER_URLS and
 * the cluster default of WAIT for one replica), plus an admin connection; started in beforeAll, stopped
 * in afterAll. Read `stack` and `admin` inside the tests.
 */
export function clusterLedgerStack(): { readonly stack: Stack; readonly admin: RedisConnection } {
  const handle = {} as { stack: Stack; admin: RedisConnection };
  beforeAll(async () => {
    // A dead consumer's entries are reclaimed after 1.5 s (the harness default) once a failover is over.
    handle.stack = await startStack({ cluster: true });
    handle.admin = await handle.stack.admin();
  }, 90_000);
  afterAll(async () => {
    if (handle.admin) await closeConnection(handle.admin).catch(() => handle.admin.destroy());
    await handle.stack?.stop();
  });
  return handle;
}

export interface ClusterLedgerLoad {
  readonly ledger: Ledger;
  readonly progress: DriverProgress;
  /** Updates the load sends in all (movies × updates per movie). */
  readonly total: number;
  /** A key in the slot of all of Catalog's keys and its outbox (one partition on the cluster). */
  readonly catalogKey: string;
  /** Resolves once at least `count` updates were acknowledged. */
  updatesReached(count: number): Promise<void>;
  /**
   * Waits for the load to end and the outboxes and groups to drain, then checks the ledger: no problem,
   * lost 0, duplicated 0, no projection mismatch, and every update acknowledged in the end (the driver
   * retries what was in doubt).
   */
  verify(): Promise<LedgerReport>;
}

/** Creates the movies, then runs updates and purchases against the stack in the background. */
export async function startClusterLedgerLoad(
  { stack, admin }: { readonly stack: Stack; readonly admin: RedisConnection },
  scenario: string,
  shape: Pick<Workload, 'movies' | 'updatesPerMovie' | 'paceMs' | 'purchases'>,
): Promise<ClusterLedgerLoad> {
  const catalogKeys = catalogKeysFor(catalogLayout({ cluster: true }));
  const salesKeys = salesKeysFor(salesLayout({ cluster: true }));
  const ledger = new Ledger(scenario);
  const progress: DriverProgress = { updates: 0, purchases: 0, failures: 0 };
  const work = { catalogUrl: stack.process('catalog').url, salesUrl: stack.process('sales').url, ...shape, ledger };
  const ids = await createMovies(work, progress);
  const writer = Promise.all([updateMovies(work, ids, progress), buyMovies(work, ids, progress)]);
  // verify() awaits it; a test that fails before then must not leave its rejection unhandled.
  writer.catch(() => {});
  const total = work.movies * work.updatesPerMovie;
  return {
    ledger, progress, total,
    catalogKey: catalogKeys.outbox(0),
    async updatesReached(count) {
      while (progress.updates < count) await sleep(10);
    },
    async verify() {
      await writer;
      await settle(admin, 60_000, 0, [catalogKeys.outbox(0), salesKeys.outbox]);
      const report = await settled(() => ledger.verify(admin, { cluster: true, countKeys: (pattern) => countKeysOnMasters(stack.cluster!, pattern) }));
      expect(report.problems).toEqual([]);
      expect({ lost: report.lost, duplicated: report.duplicated, projectionMismatches: report.projectionMismatches }).toEqual({ lost: 0, duplicated: 0, projectionMismatches: 0 });
      expect(ledger.writes.length).toBeGreaterThanOrEqual(total);
      return report;
    },
  };
}

/** The ledger's figures as one line: `events N, lost 0, duplicated 0, ...`. */
export function ledgerFigures(report: LedgerReport, progress: DriverProgress): string {
  return `events ${report.eventsChecked}, lost ${report.lost}, duplicated ${report.duplicated}, redelivered ${report.redelivered}, in doubt ${report.inDoubt}, failed requests ${progress.failures}`;
}
