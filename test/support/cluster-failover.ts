// A master failover under a steady writer, on a real Redis Cluster: publish one event at a time to a
// partitioned channel, SIGKILL the master of one partition mid-stream, keep writing (retrying what
// failed) until its replica has taken over, then count every acknowledged event that is gone.
// Shared by the failover test (with WAIT: nothing acknowledged may be lost) and the benchmark that
// measures what asynchronous replication loses without it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseClusterNodes, startRedisCluster } from '../../src/cli/redis-cluster.ts';
import { connectRedisCluster, keySlot } from '../../src/runtime/redis/cluster-connection.ts';
import { closeConnection } from '../../src/runtime/redis/connection.ts';
import { createProducer } from '../../src/runtime/redis/producer.ts';
import { parseEntries } from '../../src/runtime/redis/replies.ts';
import { partitionStreamKey } from '../../src/runtime/redis/stream-names.ts';
import { testChannel } from './test-channel.ts';

export interface FailoverResult {
  acknowledged: number;
  lost: number;
  /** Publishes that failed while the master was down, and were retried. */
  retried: number;
  /** From the kill until every slot is served by a live master again (the replica promoted). */
  failoverMs: number;
}

export async function runFailover(options: { waitForReplicas: boolean; writeMsAfterKill?: number; writesBeforeKill?: number }): Promise<FailoverResult> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-failover-'));
  const cluster = await startRedisCluster({ dir });
  const redis = await connectRedisCluster(cluster.rootUrls);
  const partitions = 6;
  const channel = { ...testChannel('failover.v1'), partitions };
  const producer = createProducer(redis, channel, {
    source: 'herald/failover',
    ...(options.waitForReplicas ? { waitForReplicas: { replicas: 1, timeoutMs: 500 } } : {}),
  });
  const acked = new Set<string>();
  let retried = 0;
  let seq = 0;
  const publishOne = async (): Promise<string> => {
    seq += 1;
    const subject = `order-${seq % 60}`;
    const encoded = producer.encode('Ping', { subject, seq, blob: new Uint8Array(64) }, { subject, sequence: seq });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`event ${seq} could not be published within 60 s of retries`);
      try {
        await producer.publishEncoded([encoded]);
        acked.add(encoded.envelope.id);
        return subject;
      } catch {
        retried += 1;
        await sleep(50);
      }
    }
  };
  try {
    // The victim: the master serving partition 0's slot.
    const slot = keySlot(partitionStreamKey(channel, 0, partitions));
    const nodes = parseClusterNodes(String(await redis.sendCommand(['CLUSTER', 'NODES'])));
    const victimPort = nodes.find((n) => n.flags.includes('master') && n.slots.some((range) => {
      const [from, to = from] = range.split('-').map(Number);
      return slot >= from! && slot <= to!;
    }))!.port;
    const victim = cluster.nodes.find((n) => n.port === victimPort)!;
    for (let i = 0; i < (options.writesBeforeKill ?? 2000); i++) await publishOne();
    // Kill while writes are in flight: a write on the victim's partitions can be acknowledged by the
    // master and never reach its replica.
    const inflight = Array.from({ length: 20 }, () => publishOne());
    await victim.kill();
    const killedAt = Date.now();
    // The replica takes over; then the dead node is started again, as an orchestrator would, and
    // rejoins as the new master's replica (until then a WAIT for one replica cannot be met).
    let failoverMs = -1;
    const recovered = cluster.waitHealthy(30_000).then(async () => {
      failoverMs = Date.now() - killedAt;
      await cluster.restartNode(victimPort);
    });
    await Promise.all(inflight);
    const until = Date.now() + (options.writeMsAfterKill ?? 8000);
    while (Date.now() < until) await publishOne();
    await recovered;
    for (let i = 0; i < 200; i++) await publishOne();
    const present = new Set<string>();
    for (let p = 0; p < partitions; p++) {
      const entries = parseEntries(await redis.sendCommand(['XRANGE', partitionStreamKey(channel, p, partitions), '-', '+']));
      for (const entry of entries) present.add(String(entry.fields.get('id')));
    }
    let lost = 0;
    for (const id of acked) if (!present.has(id)) lost += 1;
    return { acknowledged: acked.size, lost, retried, failoverMs };
  } finally {
    await closeConnection(redis).catch(() => redis.destroy());
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
