// A real 3-master, 3-replica Redis Cluster on loopback ports: the harness that `herald dev --cluster`
// and the cluster tests stand on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseClusterNodes, startRedisCluster, type RedisCluster } from './redis-cluster.ts';

describe('startRedisCluster', () => {
  let dir: string;
  let cluster: RedisCluster;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-cluster-'));
    cluster = await startRedisCluster({ dir });
  });
  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts 3 masters with one replica each, covering every slot', async () => {
    expect(cluster.nodes).toHaveLength(6);
    expect(await cluster.masterPorts()).toHaveLength(3);
  });

  it('serves keys of every slot through createCluster, and runs a multi-key command within one hash tag', async () => {
    const client = createCluster({ rootNodes: cluster.rootUrls.map((url) => ({ url })) });
    client.on('error', () => {});
    await client.connect();
    try {
      for (let i = 0; i < 50; i++) await client.set(`k${i}`, String(i));
      for (let i = 0; i < 50; i++) expect(await client.get(`k${i}`)).toBe(String(i));
      // A multi-key command across one hash tag works: the keys share one slot, so one node.
      await client.mSet(['{movie:1}:a', '1', '{movie:1}:b', '2']);
      expect(await client.mGet(['{movie:1}:a', '{movie:1}:b'])).toEqual(['1', '2']);
    } finally {
      client.destroy();
    }
  });

  it('parses CLUSTER NODES lines', () => {
    const [node] = parseClusterNodes('07c3 127.0.0.1:30004@40004 myself,master - 0 0 1 connected 0-5460\n');
    expect(node).toMatchObject({ id: '07c3', port: 30004, flags: ['myself', 'master'], masterId: '-', slots: ['0-5460'] });
  });
});
