// Command timeouts on a real Redis Cluster: with `socketTimeoutMs`, a command to a master that cannot
// answer (SIGSTOP: the socket stays open, nothing comes back) fails with node-redis' SocketTimeoutError,
// an infrastructure error, instead of hanging until the master resumes; the other masters go on serving,
// and after SIGCONT the connection recovers. node-redis' cluster `commandOptions.timeout` alone does not
// do this: it only bounds the wait in a node's offline queue, and a command written to a paused master's
// open socket waits for its reply for as long as the pause lasts.
// The cluster's node timeout is far above the pause, so no replica is promoted meanwhile (there is none:
// one node per master keeps the harness small); the failover case is the fault ledger's.
import { SocketTimeoutError } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedisCluster, type TestRedisCluster } from '../../../test/support/redis.ts';
import type { RedisCluster, RedisClusterNode } from '../../cli/redis-cluster.ts';
import { masterOf } from '../../../test/support/cluster-ledger.ts';
import { isInfrastructureError } from '../core/errors.ts';
import type { RedisConnection } from './connection.ts';

let started: TestRedisCluster | undefined;
let cluster: RedisCluster;
let redis: RedisConnection;
let paused: RedisClusterNode | undefined;

beforeAll(async () => {
  started = await startTestRedisCluster({
    replicasPerMaster: 0, nodeTimeoutMs: 60_000, functions: [],
    connect: { name: 'timeout-test', commandTimeoutMs: 1500, socketTimeoutMs: 1500 },
  });
  ({ cluster, redis } = started);
}, 60_000);
afterAll(async () => {
  // Never leave a stopped redis-server behind, whatever the test did.
  paused?.process.kill('SIGCONT');
  await started?.cleanup();
});

/** One key on each of two different masters, and the node serving the first. */
async function keysOnTwoMasters(): Promise<{ onVictim: string; elsewhere: string; victim: RedisClusterNode }> {
  const onVictim = 'timeout:a';
  const victimPort = await masterOf(cluster, onVictim);
  let i = 0;
  while ((await masterOf(cluster, `timeout:b${i}`)) === victimPort) i++;
  return { onVictim, elsewhere: `timeout:b${i}`, victim: cluster.nodes.find((n) => n.port === victimPort)! };
}

async function failure(command: Promise<unknown>): Promise<Error> {
  try {
    await command;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the command succeeded while its master was paused');
}

describe('a cluster connection with socketTimeoutMs', () => {
  it('fails commands to a paused master with SocketTimeoutError, serves the other masters, and recovers after SIGCONT', async () => {
    const { onVictim, elsewhere, victim } = await keysOnTwoMasters();
    await redis.sendCommand(['SET', onVictim, 'before']);
    await redis.sendCommand(['SET', elsewhere, 'other']);

    paused = victim;
    victim.process.kill('SIGSTOP');
    try {
      const [read, transaction, other] = await Promise.all([
        failure(redis.sendCommand(['GET', onVictim])),
        failure(redis.multi().addCommand(['SET', onVictim, 'during']).addCommand(['GET', onVictim]).exec()),
        redis.sendCommand(['GET', elsewhere]),
      ]);
      for (const error of [read, transaction]) {
        expect(error).toBeInstanceOf(SocketTimeoutError);
        // The consumer retries it without spending a delivery; a service answers 503 with Retry-After.
        expect(isInfrastructureError(error)).toBe(true);
      }
      expect(String(other)).toBe('other');
      // While the master stays paused, a command sent during the reconnect fails too, and does not hang.
      expect(isInfrastructureError(await failure(redis.sendCommand(['GET', onVictim])))).toBe(true);
    } finally {
      victim.process.kill('SIGCONT');
      paused = undefined;
    }

    // The same connection recovers: the command now succeeds on the same master.
    await expect.poll(async () => String(await redis.sendCommand(['GET', onVictim]).catch((error: Error) => error.name)), { timeout: 15_000, interval: 100 })
      .toMatch(/^(before|during)$/);
  });
});
