// What the fault ledger needs on a Redis Cluster: the master serving a key now (asked of a live node over a
// plain connection, not through a cluster client that may still hold a dead node), SCAN over every
// master, and a retry for reads while the cluster client catches up with a topology change.
import { closeConnection, connectRedis, keySlot } from 'herald/runtime';
import { parseClusterNodes, type RedisCluster } from '../../src/cli/redis-cluster.ts';

/** The port of the master serving `key`'s slot now, as a live node sees it. */
export async function masterOf(cluster: RedisCluster, key: string): Promise<number> {
  const slot = keySlot(key);
  const live = cluster.nodes.find((n) => n.process.exitCode === null && n.process.signalCode === null)!;
  const node = await connectRedis(`redis://127.0.0.1:${live.port}`, { name: 'ledger-nodes' });
  try {
    const nodes = parseClusterNodes(String(await node.sendCommand(['CLUSTER', 'NODES'])));
    return nodes.find((n) => n.flags.includes('master') && !n.flags.includes('fail') && n.slots.some((range) => {
      const [from, to = from] = range.split('-').map(Number);
      return slot >= from! && slot <= to!;
    }))!.port;
  } finally {
    await closeConnection(node);
  }
}

/** SCAN MATCH on every master (a plain connection to each), summed: a cluster has no global SCAN. */
export async function countKeysOnMasters(cluster: RedisCluster, pattern: string): Promise<number> {
  let total = 0;
  for (const port of await cluster.masterPorts()) {
    const node = await connectRedis(`redis://127.0.0.1:${port}`, { name: 'ledger-scan' });
    try {
      let cursor = '0';
      do {
        const [next, keys] = (await node.sendCommand(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000'])) as [Buffer, Buffer[]];
        cursor = next.toString();
        total += keys.length;
      } while (cursor !== '0');
    } finally {
      await closeConnection(node);
    }
  }
  return total;
}

/** Retries a read through the cluster client while it still holds a connection to a killed or moved node. */
export async function settled<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * How many of the slots the master on `port` serves are at or below `key`'s slot: `redis-cli --cluster
 * reshard` moves a source's slots in ascending order, so moving this many moves `key`'s slot last.
 */
export async function slotsThrough(cluster: RedisCluster, port: number, key: string): Promise<number> {
  const slot = keySlot(key);
  const live = cluster.nodes.find((n) => n.process.exitCode === null && n.process.signalCode === null)!;
  const node = await connectRedis(`redis://127.0.0.1:${live.port}`, { name: 'ledger-nodes' });
  try {
    const master = parseClusterNodes(String(await node.sendCommand(['CLUSTER', 'NODES']))).find((n) => n.port === port)!;
    let count = 0;
    for (const range of master.slots) {
      const [from, to = from] = range.split('-').map(Number);
      if (from! <= slot) count += Math.min(to!, slot) - from! + 1;
    }
    return count;
  } finally {
    await closeConnection(node);
  }
}
