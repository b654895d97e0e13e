// Test harness: a real redis-server per test file, on a free loopback port, in a temporary folder, with
// Herald's Redis Functions installed as `herald redis setup` installs them (the runtime's library and
// every service's), unless the test lists its own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedisCluster, type RedisCluster, type RedisClusterOptions } from '../../src/cli/redis-cluster.ts';
import { startRedisServer, type RedisServer, type RedisServerOptions } from '../../src/cli/redis-server.ts';
import { functionLibraries } from '../../src/cli/service-manifests.ts';
import { connectRedisCluster, type ClusterConnectOptions } from '../../src/runtime/redis/cluster-connection.ts';
import { closeConnection, connectRedis, type RedisConnection } from '../../src/runtime/redis/connection.ts';
import { loadFunctionLibraries, type FunctionLibrary } from '../../src/runtime/redis/functions.ts';

export type { RedisServer };

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface TestRedisOptions extends Partial<RedisServerOptions> {
  /** Libraries to install; default: the runtime's and every service's under services/. */
  functions?: FunctionLibrary[];
}

export async function startTestRedis(options: TestRedisOptions = {}): Promise<RedisServer & { cleanup(): Promise<void> }> {
  const { functions, ...serverOptions } = options;
  const dir = serverOptions.dir ?? mkdtempSync(join(tmpdir(), 'herald-redis-'));
  const server = await startRedisServer({ ...serverOptions, dir });
  const libraries = functions ?? functionLibraries(repoRoot);
  if (libraries.length > 0) {
    const admin = await connectRedis(server.url);
    try {
      await loadFunctionLibraries(admin, libraries);
    } finally {
      await closeConnection(admin);
    }
  }
  return Object.assign(server, {
    async cleanup() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

export interface TestRedisClusterOptions extends Partial<RedisClusterOptions> {
  /** Libraries to install on every master; default: the runtime's and every service's under services/. */
  functions?: FunctionLibrary[];
  /** Options of the test's own cluster connection (`redis`). */
  connect?: ClusterConnectOptions;
}

export interface TestRedisCluster {
  readonly cluster: RedisCluster;
  /** The test's cluster connection, with the libraries installed through it. */
  readonly redis: RedisConnection;
  /** Closes the connection, stops every node and removes the data folder. */
  cleanup(): Promise<void>;
}

/** A real Redis Cluster (src/cli/redis-cluster.ts) in a temporary folder, as startTestRedis is one node. */
export async function startTestRedisCluster(options: TestRedisClusterOptions = {}): Promise<TestRedisCluster> {
  const { functions, connect, ...clusterOptions } = options;
  const dir = clusterOptions.dir ?? mkdtempSync(join(tmpdir(), 'herald-cluster-'));
  const cluster = await startRedisCluster({ ...clusterOptions, dir });
  const redis = await connectRedisCluster(cluster.rootUrls, connect);
  const cleanup = async () => {
    await closeConnection(redis).catch(() => redis.destroy());
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const libraries = functions ?? functionLibraries(repoRoot);
    if (libraries.length > 0) await loadFunctionLibraries(redis, libraries);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { cluster, redis, cleanup };
}

