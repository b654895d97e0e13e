// A master killed under a steady writer on a real 3-master Redis Cluster: with waitForReplicas, no
// acknowledged event is lost when the replica takes over (replication is asynchronous; WAIT makes the
// acknowledgement wait for it). What the same kill loses without WAIT is measured by `npm run bench`.
import { describe, expect, it } from 'vitest';
import { runFailover } from '../support/cluster-failover.ts';

describe('master failover on Redis Cluster', () => {
  it('loses no acknowledged event when each publish waits for a replica', async () => {
    const result = await runFailover({ waitForReplicas: true, writesBeforeKill: 1500, writeMsAfterKill: 3000 });
    console.log(`failover with WAIT: ${JSON.stringify(result)}`);
    expect(result.acknowledged).toBeGreaterThan(1500);
    // The kill interrupted writes to the dead master's partitions: they failed and were retried.
    expect(result.retried).toBeGreaterThan(0);
    expect(result.lost).toBe(0);
  }, 120_000);
});
