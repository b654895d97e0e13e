// E2E harness: a private redis-server plus every service with a manifest (services/<name>/manifest.json)
// as real child processes on free ports. Each role can run as its own process so a test can SIGKILL the
// relay or the consumer alone. It never reuses a Redis or a port it did not pick itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { aclConfigLines, createConsumerGroups, redisUrlFor, resolveRedisPasswords } from '../../src/cli/redis-acl.ts';
import { freePort } from '../../src/cli/redis-server.ts';
import { readServiceManifests } from '../../src/cli/service-manifests.ts';
import { closeConnection, connectRedis, type RedisConnection } from '../../src/runtime/redis/connection.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisCluster, type RedisCluster } from '../../src/cli/redis-cluster.ts';
import { functionLibraries } from '../../src/cli/service-manifests.ts';
import { connectRedisCluster } from '../../src/runtime/redis/cluster-connection.ts';
import { loadFunctionLibraries } from '../../src/runtime/redis/functions.ts';
import { startTestRedis } from './redis.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A service's name, as its manifest gives it. */
export type ServiceName = string;

export interface ServiceProcess {
  readonly label: string;
  readonly url: string;
  readonly process: ChildProcess | undefined;
  /** Starts (or restarts) the process and waits until it listens. */
  start(): Promise<void>;
  /** SIGTERM and wait: the graceful path. */
  stop(): Promise<void>;
  /** SIGKILL and wait: the crash path. */
  kill(): Promise<void>;
  /** Everything the process wrote so far (pino JSON lines and the listening line). */
  output(): string;
}

export interface ProcessSpec {
  service: ServiceName;
  roles: string[];
  env?: Record<string, string>;
}

export function spawnService(label: string, spec: ProcessSpec, redisUrl: string, port: number): ServiceProcess {
  let child: ChildProcess | undefined;
  let output = '';
  let exited: Promise<void> = Promise.resolve();
  const url = `http://127.0.0.1:${port}`;

  const waitExit = async (signal: NodeJS.Signals) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await exited;
  };

  return {
    label,
    url,
    get process() {
      return child;
    },
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) return;
      child = spawn(process.execPath, ['--conditions=herald-source', `services/${spec.service}/main.ts`, `--roles=${spec.roles.join(',')}`], {
        cwd: root,
        env: { ...process.env, REDIS_URL: redisUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...spec.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const current = child;
      const from = output.length; // a restart must see its own listening line, not the previous run's
      exited = new Promise((resolve) => current.once('exit', () => resolve()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${label} did not start within 20 s:\n${output.slice(-2000)}`)), 20_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.slice(from).includes(`${spec.service} listening on`)) {
            clearTimeout(timer);
            resolve();
          }
        };
        current.stdout!.on('data', onData);
        current.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        current.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`${label} exited (${code ?? signal}) while starting:\n${output.slice(-2000)}`));
        });
      });
    },
    stop: () => waitExit('SIGTERM'),
    kill: () => waitExit('SIGKILL'),
    output: () => output,
  };
}

export interface Stack {
  redisUrl: string;
  /** With `cluster: true`: the cluster the services run on (the test's own connection is `admin()`). */
  cluster?: RedisCluster;
  /** An unrestricted connection to the stack's Redis (a cluster connection on a cluster); the caller closes it. */
  admin(): Promise<RedisConnection>;
  /** The process called `label`: `<service>` runs its API (every role unless `split`), `<service>-<role>` a split role. */
  process(label: string): ServiceProcess;
  all(): ServiceProcess[];
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Run the relays and the consumer as processes of their own. */
  split?: boolean;
  /** Extra environment for every process (for example SERVICE_TOKEN). */
  env?: Record<string, string>;
  /** Extra environment per label: catalog, catalog-relay, sales, sales-consumer, sales-relay, reporting, ... */
  envOf?: Record<string, Record<string, string>>;
  /** Each service connects as its own least-privilege ACL user (src/cli/redis-acl.ts). Default true. */
  acl?: boolean;
  /**
   * Run on a local Redis Cluster (3 masters, 1 replica each; src/cli/redis-cluster.ts) instead of one
   * redis-server: functions on every master, the groups created by the admin, REDIS_CLUSTER_URLS to each service.
   */
  cluster?: boolean;
}

/** One redis-server, or a cluster, with the functions installed and (with ACL users) the groups created. */
async function startStackRedis(options: StackOptions, passwords: ReturnType<typeof resolveRedisPasswords> | undefined) {
  if (!options.cluster) {
    const redis = await startTestRedis(passwords ? { extraConfig: aclConfigLines(passwords) } : {});
    // As the deployer does: service users may not create consumer groups.
    if (passwords) {
      const admin = await connectRedis(redis.url, { name: 'stack-setup' });
      await createConsumerGroups(admin);
      await closeConnection(admin);
    }
    return { url: redis.url, urls: undefined, cluster: undefined, admin: () => connectRedis(redis.url, { name: 'stack-admin' }), cleanup: () => redis.cleanup() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'herald-stack-cluster-'));
  const cluster = await startRedisCluster({ dir, ...(passwords ? { extraConfig: aclConfigLines(passwords) } : {}) });
  const admin = await connectRedisCluster(cluster.rootUrls, { name: 'stack-setup' });
  try {
    await loadFunctionLibraries(admin, functionLibraries(root));
    await createConsumerGroups(admin);
  } finally {
    await closeConnection(admin);
  }
  return {
    url: cluster.rootUrls[0]!, urls: cluster.rootUrls, cluster,
    admin: () => connectRedisCluster(cluster.rootUrls, { name: 'stack-admin' }),
    cleanup: async () => {
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  // The test itself keeps the unrestricted default user (redisUrl); each service gets its ACL user.
  const passwords = options.acl === false ? undefined : resolveRedisPasswords(options.env ?? {});
  const redis = await startStackRedis(options, passwords);
  const redisUrlOf = (service: ServiceName) => (passwords ? redisUrlFor(redis.url, service, passwords.of(service)) : redis.url);
  const clusterEnvOf = (service: ServiceName): Record<string, string> =>
    (redis.urls ? { REDIS_CLUSTER_URLS: redis.urls.map((url) => (passwords ? redisUrlFor(url, service, passwords.of(service)) : url)).join(',') } : {});
  // A dead consumer's entries are reclaimed quickly in tests; the default (30 s) suits production.
  const base = { CONSUMER_NAME: 'sales-e2e', CONSUMER_MIN_IDLE_MS: '1500', ...options.env };
  // One process per service, or (split) the API alone under the service's name and each other role as `<service>-<role>`.
  const specs: Array<[string, ProcessSpec]> = readServiceManifests(root).flatMap((manifest): Array<[string, ProcessSpec]> => {
    if (!options.split) return [[manifest.name, { service: manifest.name, roles: manifest.roles }]];
    return manifest.roles.map((role): [string, ProcessSpec] => [role === 'api' ? manifest.name : `${manifest.name}-${role}`, { service: manifest.name, roles: [role] }]);
  });
  const processes = new Map<string, ServiceProcess>();
  for (const [label, spec] of specs) {
    const env = { ...base, ...clusterEnvOf(spec.service), ...options.envOf?.[label] };
    processes.set(label, spawnService(label, { ...spec, env }, redisUrlOf(spec.service), await freePort()));
  }
  const all = [...processes.values()];
  try {
    await Promise.all(all.map((p) => p.start()));
  } catch (error) {
    await Promise.all(all.map((p) => p.kill()));
    await redis.cleanup();
    throw error;
  }
  return {
    redisUrl: redis.url,
    ...(redis.cluster ? { cluster: redis.cluster } : {}),
    admin: redis.admin,
    process(label) {
      const found = processes.get(label);
      if (!found) throw new Error(`no process ${label}; started: ${[...processes.keys()].join(', ')}`);
      return found;
    },
    all: () => all,
    async stop() {
      await Promise.all(all.map((p) => p.stop()));
      await redis.cleanup();
    },
  };
}

/** JSON over HTTP, as a user's curl would send it. */
export async function http(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (metrics text)
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** Polls `check` until it returns a truthy value or the time runs out. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
