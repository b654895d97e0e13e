// Starts a private Redis Cluster on loopback ports: N masters with R replicas each, every node a real
// redis-server with its own data folder, joined by `redis-cli --cluster create`. Used by `herald dev
// --cluster` and by the tests that run the services on a cluster. It never joins a node it did not start.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createClient } from 'redis';
import { HeraldError } from '../runtime/core/errors.ts';
import { freePort, startRedisServer, type RedisServer, type RedisServerOptions } from './redis-server.ts';

export interface RedisClusterOptions {
  /** Parent data folder; node i lives in `<dir>/node-<port>`. */
  dir: string;
  /** Masters (3 is the smallest cluster `redis-cli --cluster create` accepts). */
  masters?: number;
  /** Replicas per master; 1 lets a master's death be survived by promotion. */
  replicasPerMaster?: number;
  /**
   * `cluster-node-timeout` in ms: how long a master may be unreachable before its replica takes over.
   * 2000 ms keeps failover tests short; production clusters commonly use 5000–15000.
   */
  nodeTimeoutMs?: number;
  /** Extra redis.conf lines for every node (ACL users, `min-replicas-to-write`, ...). */
  extraConfig?: string[];
  /** Password of the default user on every node (also used for replication and `redis-cli`). */
  password?: string;
}

export interface RedisClusterNode extends RedisServer {
  /** Node id from `CLUSTER MYID`. */
  readonly id: string;
}

export interface RedisCluster {
  readonly nodes: RedisClusterNode[];
  /** `redis://127.0.0.1:<port>` of every node, for `createCluster({ rootNodes })`. */
  readonly rootUrls: string[];
  /** Ports of the nodes that are masters right now (asks the cluster). */
  masterPorts(): Promise<number[]>;
  /** Resolves once every live node reports `cluster_state:ok`, every slot is served by a live master and every live replica is in sync. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Starts a stopped or killed node again on its port and data folder; it rejoins the cluster (as a replica, after a failover). */
  restartNode(port: number): Promise<void>;
  /**
   * Moves `slots` hash slots from the master on `fromPort` to the one on `toPort` with `redis-cli --cluster
   * reshard` (keys migrate with MIGRATE; clients meanwhile get ASK and MOVED redirects). Resolves when done.
   */
  reshard(fromPort: number, toPort: number, slots: number): Promise<void>;
  stop(): Promise<void>;
}

export const DEFAULT_CLUSTER_MASTERS = 3;
export const DEFAULT_CLUSTER_REPLICAS = 1;
export const DEFAULT_CLUSTER_NODE_TIMEOUT_MS = 2000;

/** A node's cluster bus listens on its port + 10000, so both must be free (and the bus port valid). */
async function freeClusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    if (port + 10_000 <= 65_535 && (await portIsFree(port + 10_000))) return port;
  }
  throw new HeraldError('HERALD_ERR_TOOL', 'found no free port whose cluster bus port (+10000) is free too');
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function startRedisCluster(options: RedisClusterOptions): Promise<RedisCluster> {
  const masters = options.masters ?? DEFAULT_CLUSTER_MASTERS;
  const replicas = options.replicasPerMaster ?? DEFAULT_CLUSTER_REPLICAS;
  if (masters < 3) throw new HeraldError('HERALD_ERR_CONFIG', `a Redis Cluster needs at least 3 masters, got ${masters}`);
  const count = masters * (1 + replicas);
  const password = options.password;
  const servers: RedisServer[] = [];
  const nodeOptions = (port: number): RedisServerOptions => ({
          dir: join(options.dir, `node-${port}`),
          port,
          ...(password ? { password } : {}),
          extraConfig: [
            'cluster-enabled yes',
            'cluster-config-file nodes.conf',
            `cluster-node-timeout ${options.nodeTimeoutMs ?? DEFAULT_CLUSTER_NODE_TIMEOUT_MS}`,
            // A replica must be allowed to take over even after a long disconnect, or a test that
            // pauses a master could leave its slots uncovered for good.
            'cluster-replica-validity-factor 0',
            // Redis 7 waits 5 s by default before a diskless full sync, to batch replicas; one replica per
            // master gains nothing from it, and until the sync a replica holds none of the master's data.
            'repl-diskless-sync-delay 0',
            ...(password ? [`masterauth ${password}`] : []),
            ...(options.extraConfig ?? []),
          ],
  });
  try {
    for (let i = 0; i < count; i++) servers.push(await startRedisServer(nodeOptions(await freeClusterPort())));
    await runRedisCli(
      ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'],
      password,
    );
    const nodes: RedisClusterNode[] = [];
    for (const server of servers) nodes.push(Object.assign(server, { id: await nodeCommand(server.port, password, ['CLUSTER', 'MYID']) }));
    const cluster: RedisCluster = {
      nodes,
      rootUrls: nodes.map((n) => `redis://127.0.0.1:${n.port}`),
      async masterPorts() {
        for (const node of nodes) {
          if (node.process.exitCode !== null || node.process.signalCode !== null) continue;
          const text = await nodeCommand(node.port, password, ['CLUSTER', 'NODES']).catch(() => '');
          if (!text) continue;
          return parseClusterNodes(text)
            .filter((n) => n.flags.includes('master') && !n.flags.includes('fail') && n.slots.length > 0)
            .map((n) => n.port)
            .sort((a, b) => a - b);
        }
        throw new HeraldError('HERALD_ERR_TOOL', 'no cluster node answered CLUSTER NODES');
      },
      async waitHealthy(timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        let last = '';
        while (Date.now() < deadline) {
          const live = nodes.filter((n) => n.process.exitCode === null && n.process.signalCode === null);
          const states = await Promise.all(live.map((n) => nodeCommand(n.port, password, ['CLUSTER', 'INFO']).catch((e: Error) => e.message)));
          // A replica counts only once its link to its master is up (initial sync done).
          const replication = await Promise.all(live.map((n) => nodeCommand(n.port, password, ['INFO', 'replication']).catch((e: Error) => e.message)));
          const replicasSynced = replication.every((info) => !info.includes('role:slave') || info.includes('master_link_status:up'));
          const views = await Promise.all(live.map((n) => nodeCommand(n.port, password, ['CLUSTER', 'NODES']).catch(() => '')));
          last = states.map((s) => /cluster_state:(\w+)/.exec(s)?.[1] ?? s).join(',');
          // Healthy = every live node sees all slots served, and the same number of serving masters
          // (right after `--cluster create` a replica may still look like an empty master to some nodes).
          const livePorts = new Set(live.map((n) => n.port));
          const servingMasters = views.map((v) => parseClusterNodes(v).filter((n) => n.flags.includes('master') && !n.flags.includes('fail') && n.slots.length > 0).length);
          // A dead master still listed as serving slots means the failover has not happened yet.
          const deadServing = views.some((v) => parseClusterNodes(v).some((n) => n.flags.includes('master') && n.slots.length > 0 && !livePorts.has(n.port)));
          const emptyMasters = views.map((v) => parseClusterNodes(v).filter((n) => n.flags.includes('master') && !n.flags.includes('fail') && n.slots.length === 0).length);
          if (
            states.every((s) => s.includes('cluster_state:ok') && s.includes('cluster_slots_ok:16384')) &&
            servingMasters.every((m) => m === servingMasters[0]) &&
            !deadServing &&
            replicasSynced &&
            emptyMasters.every((m) => m === 0)
          ) {
            return;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new HeraldError('HERALD_ERR_TOOL', `Redis Cluster not healthy within ${timeoutMs} ms (states: ${last})`);
      },
      async stop() {
        await Promise.all(nodes.map((n) => n.stop()));
      },
      async reshard(fromPort, toPort, slots) {
        const from = nodes.find((n) => n.port === fromPort);
        const to = nodes.find((n) => n.port === toPort);
        if (!from || !to) throw new HeraldError('HERALD_ERR_CONFIG', `no node of this cluster listens on port ${!from ? fromPort : toPort}`);
        await runRedisCli(['--cluster', 'reshard', `127.0.0.1:${toPort}`, '--cluster-from', from.id, '--cluster-to', to.id, '--cluster-slots', String(slots), '--cluster-yes'], password);
      },
      async restartNode(port) {
        const at = nodes.findIndex((n) => n.port === port);
        if (at < 0) throw new HeraldError('HERALD_ERR_CONFIG', `no node of this cluster listens on port ${port}`);
        const old = nodes[at]!;
        await old.stop();
        nodes[at] = Object.assign(await startRedisServer(nodeOptions(port)), { id: old.id });
      },
    };
    await cluster.waitHealthy();
    return cluster;
  } catch (error) {
    await Promise.all(servers.map((s) => s.kill()));
    throw error;
  }
}

export interface ClusterNodeLine {
  id: string;
  port: number;
  flags: string[];
  masterId: string;
  slots: string[];
}

/** Parses `CLUSTER NODES` (one node per line: id ip:port@bus flags master ping pong epoch state slots...). */
export function parseClusterNodes(text: string): ClusterNodeLine[] {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', address = '', flags = '', masterId = '', , , , , ...slots] = line.trim().split(' ');
      const port = Number(/:(\d+)@/.exec(address)?.[1] ?? /:(\d+)$/.exec(address)?.[1] ?? 0);
      return { id, port, flags: flags.split(','), masterId, slots };
    });
}

async function nodeCommand(port: number, password: string | undefined, args: string[]): Promise<string> {
  const client = createClient({ socket: { host: '127.0.0.1', port, connectTimeout: 2000, reconnectStrategy: false }, ...(password ? { password } : {}) });
  client.on('error', () => {});
  await client.connect();
  try {
    return String(await client.sendCommand(args));
  } finally {
    client.destroy();
  }
}

function runRedisCli(args: string[], password: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', [...(password ? ['-a', password, '--no-auth-warning'] : []), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', (e) => reject(new HeraldError('HERALD_ERR_TOOL', `redis-cli could not start (${e.message}); install the Debian package redis-tools`)));
    child.once('exit', (code) => {
      if (code === 0 && !/\[ERR\]/.test(out)) resolve(out);
      else reject(new HeraldError('HERALD_ERR_TOOL', `redis-cli ${args.slice(0, 2).join(' ')} failed (exit ${code}): ${out.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}
