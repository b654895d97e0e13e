// The fault ledger on a real Redis Cluster while its slots move: Catalog and Sales under a steady load of
// updates and purchases, while `redis-cli --cluster reshard` moves every slot of the master that holds
// Catalog's keys and outbox to another master (keys migrate with MIGRATE; the services' cluster clients
// meanwhile meet ASK, MOVED and, for a function whose keys are half migrated, TRYAGAIN). The ledger must
// find lost 0, duplicated 0.
import { describe, expect, it } from 'vitest';
import { masterOf, slotsThrough } from '../support/cluster-ledger.ts';
import { clusterLedgerStack, ledgerFigures, startClusterLedgerLoad } from '../support/cluster-ledger-stack.ts';

const run = clusterLedgerStack();

describe('the fault ledger on a Redis Cluster', () => {
  it('loses and duplicates nothing while the slots of Catalog\'s master move to another master', async () => {
    const cluster = run.stack.cluster!;
    const load = await startClusterLedgerLoad(run, 'cluster: reshard the slots of Catalog\'s master under load', { movies: 8, updatesPerMovie: 100, paceMs: 50, purchases: 100 });
    await load.updatesReached(load.total / 5);
    const from = await masterOf(cluster, load.catalogKey);
    const to = (await cluster.masterPorts()).find((port) => port !== from)!;
    const updatesAtStart = load.progress.updates;
    // That master's slots up to Catalog's (redis-cli moves them in ascending order): Catalog's moves last.
    const slots = await slotsThrough(cluster, from, load.catalogKey);
    await cluster.reshard(from, to, slots);
    const updatesAtEnd = load.progress.updates;
    await cluster.waitHealthy(30_000);

    expect(await masterOf(cluster, load.catalogKey)).toBe(to);
    expect(updatesAtStart).toBeLessThan(updatesAtEnd);
    expect(updatesAtEnd).toBeLessThan(load.total);
    const report = await load.verify();
    process.stdout.write(`cluster reshard ledger: ${ledgerFigures(report, load.progress)}; slots moved ${slots}; updates at reshard start ${updatesAtStart}, at its end ${updatesAtEnd} of ${load.total}\n`);
  }, 180_000);
});
