// The fault ledger on a real Redis Cluster while its slots move: Catalog and Sales under a steady load of
// updates and purchases, while `redis-cli --cluster reshard` moves every slot of the master that holds
// Catalog's keys and outbox to another master (keys migrate with MIGRATE; the services' cluster clients
// meanwhile meet ASK, MOVED and, for a function whose keys are half migrated, TRYAGAIN). The ledger must
// find lost 0, duplicated 0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeConnection, type RedisConnection } from 'herald/runtime';
import { catalogKeysFor, catalogLayout } from '../../services/catalog/event-store.ts';
import { salesKeysFor, salesLayout } from '../../services/sales/projection.ts';
import { countKeysOnMasters, masterOf, settled, slotsThrough } from '../support/cluster-ledger.ts';
import { buyMovies, createMovies, settle, updateMovies, type DriverProgress } from '../support/fault-driver.ts';
import { Ledger } from '../support/ledger.ts';
import { startStack, type Stack } from '../support/services.ts';

let stack: Stack;
let admin: RedisConnection;

beforeAll(async () => {
  stack = await startStack({ cluster: true });
  admin = await stack.admin();
}, 90_000);
afterAll(async () => {
  await closeConnection(admin).catch(() => admin.destroy());
  await stack?.stop();
});

describe('the fault ledger on a Redis Cluster', () => {
  it('loses and duplicates nothing while the slots of Catalog\'s master move to another master', async () => {
    const catalogKeys = catalogKeysFor(catalogLayout({ cluster: true }));
    const salesKeys = salesKeysFor(salesLayout({ cluster: true }));
    const ledger = new Ledger('cluster: reshard the slots of Catalog\'s master under load');
    const progress: DriverProgress = { updates: 0, purchases: 0, failures: 0 };
    const work = { catalogUrl: stack.process('catalog').url, salesUrl: stack.process('sales').url, movies: 8, updatesPerMovie: 100, paceMs: 50, purchases: 100, ledger };
    const ids = await createMovies(work, progress);
    const writer = Promise.all([updateMovies(work, ids, progress), buyMovies(work, ids, progress)]);

    const total = work.movies * work.updatesPerMovie;
    while (progress.updates < total / 5) await new Promise((r) => setTimeout(r, 10));
    const from = await masterOf(stack.cluster!, catalogKeys.outbox(0));
    const to = (await stack.cluster!.masterPorts()).find((port) => port !== from)!;
    const updatesAtStart = progress.updates;
    // That master's slots up to Catalog's (redis-cli moves them in ascending order): Catalog's moves last.
    const slots = await slotsThrough(stack.cluster!, from, catalogKeys.outbox(0));
    await stack.cluster!.reshard(from, to, slots);
    const updatesAtEnd = progress.updates;
    await stack.cluster!.waitHealthy(30_000);
    await writer;

    expect(await masterOf(stack.cluster!, catalogKeys.outbox(0))).toBe(to);
    expect(updatesAtStart).toBeLessThan(updatesAtEnd);
    expect(updatesAtEnd).toBeLessThan(total);
    await settle(admin, 60_000, 0, [catalogKeys.outbox(0), salesKeys.outbox]);
    const report = await settled(() => ledger.verify(admin, { cluster: true, countKeys: (pattern) => countKeysOnMasters(stack.cluster!, pattern) }));
    expect(report.problems).toEqual([]);
    expect({ lost: report.lost, duplicated: report.duplicated, projectionMismatches: report.projectionMismatches }).toEqual({ lost: 0, duplicated: 0, projectionMismatches: 0 });
    expect(ledger.writes.length).toBeGreaterThanOrEqual(total);
    process.stdout.write(`cluster reshard ledger: events ${report.eventsChecked}, lost ${report.lost}, duplicated ${report.duplicated}, redelivered ${report.redelivered}, in doubt ${report.inDoubt}, failed requests ${progress.failures}; slots moved ${slots}; updates at reshard start ${updatesAtStart}, at its end ${updatesAtEnd} of ${total}\n`);
  }, 180_000);
});
