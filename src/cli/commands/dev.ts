// `herald dev`: the whole stack on this machine. Starts a private redis-server with AOF under
// ./.data/redis (unless REDIS_URL is set), installs Herald's Redis Functions as the admin, then every
// service with a manifest (services/<name>/manifest.json) as a child process, prints where each listens,
// and stops everything cleanly on Ctrl-C, SIGTERM or SIGHUP (the terminal closed). It never touches a
// Redis it did not start, except to install the functions (and create the consumer groups) into
// REDIS_URL's when that user may. Each service sees only its own Redis password.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HeraldError } from '../../runtime/core/errors.ts';
import { closeConnection, connectRedis } from '../../runtime/redis/connection.ts';
import { loadFunctionLibraries } from '../../runtime/redis/functions.ts';
import { writeCredentialsFile } from '../credentials-file.ts';
import { aclConfigLines, adminConfigLine, createConsumerGroups, redisUrlFor, resolveRedisPasswords, serviceAccess, type ServiceAccess } from '../redis-acl.ts';
import { lockFileName, startRedisServer, type RedisServer } from '../redis-server.ts';
import { startRedisCluster } from '../redis-cluster.ts';
import { connectRedisCluster } from '../../runtime/redis/cluster-connection.ts';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { parseCommandArgs, portOption, UsageError } from '../args.ts';
import { functionLibraries, readServiceManifests, type ServiceManifest } from '../service-manifests.ts';
import type { CommandContext, CommandModule } from '../main.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * `herald dev` runs this repository's reference services, which the published package does not ship:
 * they are examples, not a product. In an installed package it says so.
 */
const servicesShipped = existsSync(join(repoRoot, 'services', 'catalog', 'manifest.json'));

const usage = `Usage: herald dev [--<service>-port N ...] [--data .data/redis] [--cluster] [--quiet]
Starts redis-server (AOF, under --data) unless REDIS_URL is set, installs the Redis Functions, then every
service under services/ (each has a manifest.json; --catalog-port 3001 --sales-port 3002 --reporting-port 3003).
--cluster starts a fresh local Redis Cluster instead (3 masters, 1 replica each, under --data/cluster) and
gives the services REDIS_CLUSTER_URLS (see docs/scale-out.md).
Service settings come from the environment (see docs/services.md). Ctrl-C stops everything.
Only in a checkout of the herald repository: the reference services are not part of the package.
Exit codes: 0 stopped cleanly, 1 a service or Redis failed, 2 bad usage.`;

interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<number | null>;
}

/**
 * A child's output line as `herald dev` prints it. A JSON log line stays one JSON object (the service
 * name is a field, added if missing), so `herald dev | pino-pretty` and log shippers still parse it;
 * any other line (pretty output on a terminal, a crash on stderr) gets a `[name] ` prefix.
 */
export function devLine(name: string, line: string): string {
  if (line.startsWith('{')) {
    try {
      const record: unknown = JSON.parse(line);
      if (record !== null && typeof record === 'object' && !Array.isArray(record)) {
        return 'service' in record ? line : JSON.stringify({ service: name, ...record });
      }
    } catch {
      // not JSON after all: prefixed below
    }
  }
  return `[${name}] ${line}`;
}

/** Spawns a service; `ready` resolves when it listens. The child is returned at once so a Ctrl-C during start-up still stops it. */
/**
 * The environment of one service: ours without any Redis password variable (its own password is in its
 * REDIS_URL), so a service process never holds another service's or the admin's credentials.
 */
export function serviceEnvironment(env: NodeJS.ProcessEnv, extra: Record<string, string>): NodeJS.ProcessEnv {
  const copy: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) if (!/^HERALD_REDIS_.*PASSWORD$/.test(name)) copy[name] = value;
  return { ...copy, ...extra };
}

function startService(name: string, port: number, redisUrl: string, ctx: CommandContext, quiet: boolean, clusterUrls?: string[]): Child & { ready: Promise<void> } {
  const child = spawn(process.execPath, ['--conditions=herald-source', join(repoRoot, 'services', name, 'main.ts')], {
    cwd: repoRoot,
    env: serviceEnvironment(process.env, {
      PORT: String(port), REDIS_URL: redisUrl, ...(clusterUrls ? { REDIS_CLUSTER_URLS: clusterUrls.join(',') } : {}), ...(quiet ? { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } : {}),
      // A person at a terminal reads pretty lines; a pipe or a file gets JSON (LOG_FORMAT decides if set).
      ...(!process.env.LOG_FORMAT && (ctx.stdout as { isTTY?: boolean }).isTTY ? { LOG_FORMAT: 'pretty' } : {}),
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: a terminal's Ctrl-C reaches only `herald dev`, which then stops each service
    // once with SIGTERM (a second signal would make a service exit without draining).
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const prefix = (stream: NodeJS.WritableStream) => {
    let pending = '';
    return (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) stream.write(`${devLine(name, line)}\n`);
    };
  };
  child.stdout!.on('data', prefix(ctx.stdout));
  child.stderr!.on('data', prefix(ctx.stderr));
  const ready = new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(`${name} listening on`)) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new HeraldError('HERALD_ERR_CONFIG', `${name} exited with code ${code} while starting on port ${port}; its reason is in the [${name}] lines above`)));
  });
  return { name, process: child, exited, ready };
}

/** Installs Herald's Redis Functions with an admin connection (what `herald redis setup` does). */
/** The deployer's admin step: install the functions, and create the consumer groups (service users may not). */
async function installFunctions(adminUrl: string | string[], libraries: ReturnType<typeof functionLibraries>, access: ServiceAccess[], password?: string): Promise<void> {
  // A cluster: FUNCTION LOAD on every master (loadFunctionLibraries), each group where its stream's slot lives.
  const admin = Array.isArray(adminUrl)
    ? await connectRedisCluster(adminUrl, { name: 'herald:dev-setup', ...(password ? { password } : {}) })
    : await connectRedis(adminUrl, { name: 'herald:dev-setup' });
  try {
    await loadFunctionLibraries(admin, libraries);
    await createConsumerGroups(admin, access);
  } finally {
    await closeConnection(admin);
  }
}

/** A cluster folder is wiped at start; not while a node of an earlier `herald dev --cluster` still runs there. */
function refuseLiveCluster(dir: string): void {
  let folders: string[] = [];
  try {
    folders = readdirSync(dir).filter((name) => name.startsWith('node-'));
  } catch {
    return; // no cluster folder yet
  }
  for (const folder of folders) {
    let pid = Number.NaN;
    try {
      pid = Number(readFileSync(join(dir, folder, lockFileName), 'utf8').trim().split(/\s+/)[0]);
    } catch {
      continue;
    }
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      process.kill(pid, 0);
    } catch {
      continue; // gone: a stale lock
    }
    throw new HeraldError('HERALD_ERR_CONFIG', `the Redis Cluster folder ${dir} is in use: redis-server pid ${pid} runs in ${folder}. Stop that herald dev first (Ctrl-C in its terminal) or pick another folder with --data`, { field: 'dir' });
  }
}

async function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 10_000);
  await child.exited;
  clearTimeout(timer);
}

export const command: CommandModule = {
  summary: 'Start Redis (AOF, under .data/) and every service (Catalog, Sales, Reporting); Ctrl-C stops all',
  usage,
  ...(servicesShipped ? {} : {
    unavailable: 'runs the herald repository\'s reference services (Catalog, Sales, Reporting), which the package does not ship. '
      + 'Run it from a clone of the herald repository; in your project, start your own services with REDIS_URL set.',
  }),
  async run(args, ctx) {
    const manifests: ServiceManifest[] = readServiceManifests(repoRoot);
    const portOptions = Object.fromEntries(manifests.map((m) => [
      `${m.name}-port`, { type: 'string' as const, default: process.env[`${m.name.toUpperCase()}_PORT`] ?? String(m.port) },
    ]));
    const { values: parsed } = parseCommandArgs(args, {
      ...portOptions,
      data: { type: 'string', default: join('.data', 'redis') },
      quiet: { type: 'boolean', default: false },
      cluster: { type: 'boolean', default: false },
    });
    const values = parsed as { data: string; quiet: boolean; cluster: boolean } & Record<string, string>;
    const ports = Object.fromEntries(manifests.map((m) => [m.name, portOption(`--${m.name}-port`, values[`${m.name}-port`]!)]));

    let redis: RedisServer | undefined;
    let cluster: { stop(): Promise<void> } | undefined;
    let redisUrl = process.env.REDIS_URL;
    let clusterUrlOf: Record<string, string[]> | undefined;
    // Each service connects as its own least-privilege ACL user; the default user gets the admin password.
    const urlOf: Record<string, string | undefined> = Object.fromEntries(manifests.map((m) => [m.name, redisUrl]));
    const libraries = functionLibraries(repoRoot);
    if (values.cluster) {
      if (redisUrl || process.env.REDIS_CLUSTER_URLS) throw new UsageError('--cluster starts its own Redis Cluster; unset REDIS_URL and REDIS_CLUSTER_URLS, or drop --cluster');
      // A fresh cluster every run: its node folders are named after ports chosen now.
      const dir = join(resolve(ctx.cwd, values.data), 'cluster');
      refuseLiveCluster(dir);
      rmSync(dir, { recursive: true, force: true });
      const access = serviceAccess(repoRoot, manifests);
      const passwords = resolveRedisPasswords(process.env, access.map((a) => a.name));
      const started = await startRedisCluster({ dir, password: passwords.admin, extraConfig: aclConfigLines(passwords, access) });
      cluster = started;
      redisUrl = started.rootUrls[0]!;
      clusterUrlOf = Object.fromEntries(manifests.map((m) => [m.name, started.rootUrls.map((url) => redisUrlFor(url, m.name, passwords.of(m.name)))]));
      for (const m of manifests) urlOf[m.name] = clusterUrlOf[m.name]![0];
      try {
        await installFunctions(started.rootUrls, libraries, access, passwords.admin);
      } catch (error) {
        await started.stop();
        throw error;
      }
      const ports = started.nodes.map((n) => n.port).join(', ');
      ctx.stdout.write(`herald dev: redis    Redis Cluster on 127.0.0.1 ports ${ports} (3 masters, 1 replica each, under ${dir}; ACL users ${manifests.map((m) => m.name).join(', ')}; functions ${libraries.map((l) => l.name).join(', ')} on every master)\n`);
      if (passwords.generated.length > 0) {
        ctx.stdout.write(`herald dev: redis    generated passwords for this run (set ${passwords.generated.join(', ')} to choose them)\n`);
      }
    } else if (!redisUrl) {
      // resolve, not join: an absolute --data is used as given, a relative one is under the working directory.
      const dir = resolve(ctx.cwd, values.data);
      const access = serviceAccess(repoRoot, manifests);
      const passwords = resolveRedisPasswords(process.env, access.map((a) => a.name));
      redis = await startRedisServer({
        dir, extraConfig: [adminConfigLine(passwords.admin), ...aclConfigLines(passwords, access)],
        ...(process.env.HERALD_REDIS_PORT ? { port: Number(process.env.HERALD_REDIS_PORT) } : {}),
      });
      redisUrl = redis.url;
      for (const m of manifests) urlOf[m.name] = redisUrlFor(redis.url, m.name, passwords.of(m.name));
      // The admin step a deployer runs as `herald redis setup`: services may FCALL these and nothing else.
      try {
        await installFunctions(redisUrlFor(redis.url, 'default', passwords.admin), libraries, access);
      } catch (error) {
        await redis.stop();
        throw error;
      }
      ctx.stdout.write(`herald dev: redis    redis://127.0.0.1:${redis.port} (private redis-server, AOF in ${dir}; ACL users ${manifests.map((m) => m.name).join(', ')}, reader, producer; functions ${libraries.map((l) => l.name).join(', ')})\n`);
      ctx.stdout.write(`herald dev: redis    credentials in ${writeCredentialsFile(dir, redis.url, passwords)} (mode 0600; used by herald inspect and the README's snippets)\n`);
      if (passwords.generated.length > 0) {
        ctx.stdout.write(`herald dev: redis    generated passwords for this run (set ${passwords.generated.join(', ')} to choose them)\n`);
      }
    } else {
      ctx.stdout.write('herald dev: redis    using REDIS_URL from the environment\n');
      try {
        await installFunctions(redisUrl, libraries, serviceAccess(repoRoot, manifests));
        ctx.stdout.write(`herald dev: redis    installed functions ${libraries.map((l) => l.name).join(', ')}\n`);
      } catch (error) {
        ctx.stderr.write(`herald dev: redis    could not install the functions with REDIS_URL (${error instanceof Error ? error.message : String(error)}); run \`herald redis setup\` as an admin\n`);
      }
    }

    const children: Child[] = [];
    let stopping = false;
    let resolveDone: (code: number) => void = () => {};
    const done = new Promise<number>((resolve) => (resolveDone = resolve));
    const shutdown = async (code: number) => {
      if (stopping) return;
      stopping = true;
      ctx.stdout.write('herald dev: stopping ...\n');
      await Promise.all(children.map(stopChild));
      await redis?.stop();
      await cluster?.stop();
      ctx.stdout.write('herald dev: stopped\n');
      resolveDone(code);
    };
    const onSignal = () => void shutdown(0);
    // SIGHUP: the terminal closed. Without it the detached children would outlive us under PID 1.
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    for (const signal of signals) process.on(signal, onSignal);

    try {
      for (const { name } of manifests) {
        if (stopping) break;
        const child = startService(name, ports[name]!, urlOf[name] ?? redisUrl!, ctx, values.quiet, clusterUrlOf?.[name]);
        children.push(child);
        await child.ready;
        ctx.stdout.write(`herald dev: ${name.padEnd(8)} http://127.0.0.1:${ports[name]}\n`);
        void child.exited.then((code) => {
          if (stopping) return;
          ctx.stderr.write(`herald dev: ${name} exited unexpectedly (code ${code}); stopping the stack\n`);
          void shutdown(1);
        });
      }
      if (!stopping) ctx.stdout.write('herald dev: ready. Walkthrough: docs/walkthrough.md. Press Ctrl-C to stop.\n');
    } catch (error) {
      // A Ctrl-C during start-up ends the starting child: that is the shutdown, not a failure.
      if (!stopping) {
        await shutdown(1);
        for (const signal of signals) process.off(signal, onSignal);
        throw error;
      }
    }
    const code = await done;
    for (const signal of signals) process.off(signal, onSignal);
    return code;
  },
};
