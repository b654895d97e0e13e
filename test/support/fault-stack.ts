// The fault suite's stack: a redis-server it can kill and restart on the same port and data folder,
// and every service role as its own killable process, each service as its own ACL user.
// It never reuses a Redis, a port or a folder it did not create.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeConnection, connectRedis, type RedisConnection } from 'herald/runtime';
import { aclConfigLines, createConsumerGroups, redisUrlFor, resolveRedisPasswords } from '../../src/cli/redis-acl.ts';
import { freePort, startRedisServer, type RedisServer } from '../../src/cli/redis-server.ts';
import { functionLibraries } from '../../src/cli/service-manifests.ts';
import { loadFunctionLibraries } from '../../src/runtime/redis/functions.ts';
import { spawnService, type ProcessSpec, type ServiceProcess } from './services.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FaultStackOptions {
  appendfsync?: 'always' | 'everysec';
  /** label -> process spec; each label is one process (e.g. two `sales-consumer-*` for scenario 6). */
  processes: Record<string, ProcessSpec>;
}

export interface FaultStack {
  /** Unrestricted connection for the driver and the ledger checks (the default user). */
  admin: RedisConnection;
  readonly redis: RedisServer;
  process(label: string): ServiceProcess;
  url(label: string): string;
  /** Stops redis-server (SIGTERM: clean shutdown, or SIGKILL: crash) and starts it again on the same port and AOF. */
  restartRedis(signal: 'SIGTERM' | 'SIGKILL', downMs?: number): Promise<void>;
  /** The Redis passwords that appear in any process output so far (must be none). */
  leakedSecrets(): string[];
  /** Everything every process wrote so far. */
  logs(): string;
  stop(): Promise<void>;
}

export async function startFaultStack(options: FaultStackOptions): Promise<FaultStack> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-faults-'));
  const passwords = resolveRedisPasswords({});
  const redisOptions = { dir, port: await freePort(), appendfsync: options.appendfsync ?? 'everysec', extraConfig: aclConfigLines(passwords) } as const;
  let redis = await startRedisServer(redisOptions);
  const admin = await connectRedis(redis.url, { name: 'fault-driver' });
  // The deployer's step (`herald redis setup`); the functions live in the AOF, so a restart keeps them.
  // Service users may not create consumer groups either: the deployer does.
  await loadFunctionLibraries(admin, functionLibraries(join(import.meta.dirname, '../..')));
  await createConsumerGroups(admin);
  const processes = new Map<string, ServiceProcess>();
  const base = { CONSUMER_MIN_IDLE_MS: '1500', LOG_LEVEL: 'warn' };
  for (const [label, spec] of Object.entries(options.processes)) {
    const url = redisUrlFor(redis.url, spec.service, passwords.of(spec.service));
    processes.set(label, spawnService(label, { ...spec, env: { ...base, ...spec.env } }, url, await freePort()));
  }
  const all = [...processes.values()];
  try {
    await Promise.all(all.map((p) => p.start()));
  } catch (error) {
    await Promise.all(all.map((p) => p.kill()));
    await redis.kill();
    throw error;
  }
  return {
    admin,
    get redis() {
      return redis;
    },
    process(label) {
      const found = processes.get(label);
      if (!found) throw new Error(`no process ${label}`);
      return found;
    },
    url: (label) => processes.get(label)!.url,
    async restartRedis(signal, downMs = 300) {
      if (signal === 'SIGKILL') await redis.kill();
      else await redis.stop();
      await sleep(downMs);
      redis = await startRedisServer(redisOptions);
    },
    logs: () => all.map((p) => p.output()).join('\n'),
    leakedSecrets() {
      const output = all.map((p) => p.output()).join('\n');
      return [...passwords.users.values()].filter((secret) => output.includes(secret));
    },
    async stop() {
      await Promise.all(all.map((p) => p.stop()));
      await closeConnection(admin).catch(() => admin.destroy());
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
