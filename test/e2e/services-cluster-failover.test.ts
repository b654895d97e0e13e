// The fault ledger on a real Redis Cluster: Catalog and Sales (each its own ACL user, REDIS_CLUSTER_URLS,
// and the cluster default of WAIT for one replica after every commit) under a steady load of updates and
// purchases, while the master that holds Catalog's keys and outbox is killed with SIGKILL. Its replica
// takes over, the dead node comes back as a replica, and the ledger must find every acknowledged write,
// every committed event on the channel and applied once by Sales, and no purchase twice: lost 0,
// duplicated 0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeConnection, type RedisConnection } from 'herald/runtime';
import { countKeysOnMasters, masterOf, settled } from '../support/cluster-ledger.ts';
import { catalogKeysFor, catalogLayout } from '../../services/catalog/event-store.ts';
import { salesKeysFor, salesLayout } from '../../services/sales/projection.ts';
import { buyMovies, createMovies, settle, updateMovies, type DriverProgress } from '../support/fault-driver.ts';
import { Ledger } from '../support/ledger.ts';
import { startStack, type Stack } from '../support/services.ts';

let stack: Stack;
let admin: RedisConnection;

beforeAll(async () => {
  // A dead consumer's entries are reclaimed after 1.5 s (the harness default) once the failover is over.
  stack = await startStack({ cluster: true });
  admin = await stack.admin();
}, 90_000);
afterAll(async () => {
  await closeConnection(admin).catch(() => admin.destroy());
  await stack?.stop();
});

describe('the fault ledger on a Redis Cluster', () => {
  it('loses and duplicates nothing when the master of Catalog\'s keys is killed under load', async () => {
    const catalogKeys = catalogKeysFor(catalogLayout({ cluster: true }));
    const salesKeys = salesKeysFor(salesLayout({ cluster: true }));
    const ledger = new Ledger('cluster: SIGKILL the master of Catalog\'s slot');
    const progress: DriverProgress = { updates: 0, purchases: 0, failures: 0 };
    const work = { catalogUrl: stack.process('catalog').url, salesUrl: stack.process('sales').url, movies: 8, updatesPerMovie: 40, paceMs: 20, purchases: 60, ledger };
    const ids = await createMovies(work, progress);
    const writer = Promise.all([updateMovies(work, ids, progress), buyMovies(work, ids, progress)]);

    const total = work.movies * work.updatesPerMovie;
    while (progress.updates < total / 3) await new Promise((r) => setTimeout(r, 10));
    const victimPort = await masterOf(stack.cluster!, catalogKeys.outbox(0));
    const victim = stack.cluster!.nodes.find((n) => n.port === victimPort)!;
    const updatesAtKill = progress.updates;
    await victim.kill();
    // The replica takes over; then the dead node starts again and rejoins as its replica, as an
    // orchestrator would restart it (until then WAIT for one replica cannot be met on that shard).
    await stack.cluster!.waitHealthy(30_000);
    const promoted = await masterOf(stack.cluster!, catalogKeys.outbox(0));
    const updatesAtFailover = progress.updates;
    await stack.cluster!.restartNode(victimPort);
    await stack.cluster!.waitHealthy(30_000);
    const updatesAtRejoin = progress.updates;
    await writer;

    expect(promoted).not.toBe(victimPort);
    // The load ran across the whole fault: before the kill, and on after the node had rejoined. (Between
    // the two, Catalog's one shard may accept nothing: its writes wait for a replica until the rejoin.)
    expect(updatesAtKill).toBeGreaterThan(0);
    expect(updatesAtRejoin).toBeLessThan(total);
    await settle(admin, 60_000, 0, [catalogKeys.outbox(0), salesKeys.outbox]);
    const report = await settled(() => ledger.verify(admin, { cluster: true, countKeys: (pattern) => countKeysOnMasters(stack.cluster!, pattern) }));
    expect(report.problems).toEqual([]);
    expect({ lost: report.lost, duplicated: report.duplicated, projectionMismatches: report.projectionMismatches }).toEqual({ lost: 0, duplicated: 0, projectionMismatches: 0 });
    // Every update was acknowledged in the end (the driver retries what was in doubt).
    expect(ledger.writes.length).toBeGreaterThanOrEqual(total);
    process.stdout.write(`cluster failover ledger: events ${report.eventsChecked}, lost ${report.lost}, duplicated ${report.duplicated}, redelivered ${report.redelivered}, in doubt ${report.inDoubt}, failed requests ${progress.failures}; updates at kill ${updatesAtKill}, at failover ${updatesAtFailover}, at rejoin ${updatesAtRejoin} of ${total}\n`);
  }, 180_000);
});
