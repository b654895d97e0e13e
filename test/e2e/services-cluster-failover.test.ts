// The fault ledger on a real Redis Cluster: Catalog and Sales (each its own ACL user, REDIS_CLUSTER_URLS,
// and the cluster default of WAIT for one replica after every commit) under a steady load of updates and
// purchases, while the master that holds Catalog's keys and outbox is killed with SIGKILL. Its replica
// takes over, the dead node comes back as a replica, and the ledger must find every acknowledged write,
// every committed event on the channel and applied once by Sales, and no purchase twice: lost 0,
// duplicated 0.
import { describe, expect, it } from 'vitest';
import { masterOf } from '../support/cluster-ledger.ts';
import { clusterLedgerStack, ledgerFigures, startClusterLedgerLoad } from '../support/cluster-ledger-stack.ts';

const run = clusterLedgerStack();

describe('the fault ledger on a Redis Cluster', () => {
  it('loses and duplicates nothing when the master of Catalog\'s keys is killed under load', async () => {
    const cluster = run.stack.cluster!;
    const load = await startClusterLedgerLoad(run, 'cluster: SIGKILL the master of Catalog\'s slot', { movies: 8, updatesPerMovie: 40, paceMs: 20, purchases: 60 });
    await load.updatesReached(load.total / 3);
    const victimPort = await masterOf(cluster, load.catalogKey);
    const updatesAtKill = load.progress.updates;
    await cluster.nodes.find((n) => n.port === victimPort)!.kill();
    // The replica takes over; then the dead node starts again and rejoins as its replica, as an
    // orchestrator would restart it (until then WAIT for one replica cannot be met on that shard).
    await cluster.waitHealthy(30_000);
    const promoted = await masterOf(cluster, load.catalogKey);
    const updatesAtFailover = load.progress.updates;
    await cluster.restartNode(victimPort);
    await cluster.waitHealthy(30_000);
    const updatesAtRejoin = load.progress.updates;

    expect(promoted).not.toBe(victimPort);
    // The load ran across the whole fault: before the kill, and on after the node had rejoined. (Between
    // the two, Catalog's one shard may accept nothing: its writes wait for a replica until the rejoin.)
    expect(updatesAtKill).toBeGreaterThan(0);
    expect(updatesAtRejoin).toBeLessThan(load.total);
    const report = await load.verify();
    process.stdout.write(`cluster failover ledger: ${ledgerFigures(report, load.progress)}; updates at kill ${updatesAtKill}, at failover ${updatesAtFailover}, at rejoin ${updatesAtRejoin} of ${load.total}\n`);
  }, 180_000);
});
