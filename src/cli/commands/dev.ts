// `herald dev`: the whole stack on this machine. Starts a private redis-server with AOF under
// ./.data/redis (unless REDIS_URL is set), then Catalog and Sales as child processes, prints where
// each listens, and stops everything cleanly on Ctrl-C/SIGTERM. It never touches a Redis it did not start.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HeraldError } from '../../runtime/core/errors.ts';
import { writeCredentialsFile } from '../credentials-file.ts';
import { aclConfigLines, adminConfigLine, passwordVariables, redisUrlFor, resolveRedisPasswords } from '../redis-acl.ts';
import { startRedisServer, type RedisServer } from '../redis-server.ts';
import type { CommandContext, CommandModule } from '../main.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const usage = `Usage: herald dev [--catalog-port 3001] [--sales-port 3002] [--data .data/redis] [--quiet]
Starts redis-server (AOF, under --data) unless REDIS_URL is set, then Catalog and Sales.
Service settings come from the environment (see docs/services.md). Ctrl-C stops everything.`;

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
function startService(name: 'catalog' | 'sales', port: number, redisUrl: string, ctx: CommandContext, quiet: boolean): Child & { ready: Promise<void> } {
  const child = spawn(process.execPath, ['--conditions=herald-source', join(repoRoot, 'services', name, 'main.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env, PORT: String(port), REDIS_URL: redisUrl, ...(quiet ? { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } : {}),
      // A person at a terminal reads pretty lines; a pipe or a file gets JSON (LOG_FORMAT decides if set).
      ...(!process.env.LOG_FORMAT && (ctx.stdout as { isTTY?: boolean }).isTTY ? { LOG_FORMAT: 'pretty' } : {}),
    },
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
    child.once('exit', (code) => reject(new HeraldError('HERALD_ERR_CONFIG', `${name} exited with code ${code} while starting (is port ${port} free? is Redis reachable?)`)));
  });
  return { name, process: child, exited, ready };
}

async function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 10_000);
  await child.exited;
  clearTimeout(timer);
}

export const command: CommandModule = {
  summary: 'Start Redis (AOF, under .data/), Catalog and Sales; Ctrl-C stops all',
  async run(args, ctx) {
    const { values } = parseArgs({
      args,
      options: {
        'catalog-port': { type: 'string', default: process.env.CATALOG_PORT ?? '3001' },
        'sales-port': { type: 'string', default: process.env.SALES_PORT ?? '3002' },
        data: { type: 'string', default: join('.data', 'redis') },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      ctx.stdout.write(`${usage}\n`);
      return 0;
    }
    const ports = { catalog: Number(values['catalog-port']), sales: Number(values['sales-port']) };
    for (const [name, port] of Object.entries(ports)) {
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new HeraldError('HERALD_ERR_CONFIG', `--${name}-port must be a TCP port, got "${port}"`);
    }

    let redis: RedisServer | undefined;
    let redisUrl = process.env.REDIS_URL;
    // Each service connects as its own least-privilege ACL user; the default user gets the admin password.
    const urlOf = { catalog: redisUrl, sales: redisUrl } as Record<'catalog' | 'sales', string | undefined>;
    if (!redisUrl) {
      // resolve, not join: an absolute --data is used as given, a relative one is under the working directory.
      const dir = resolve(ctx.cwd, values.data);
      const passwords = resolveRedisPasswords();
      redis = await startRedisServer({
        dir, extraConfig: [adminConfigLine(passwords.admin), ...aclConfigLines(passwords)],
        ...(process.env.HERALD_REDIS_PORT ? { port: Number(process.env.HERALD_REDIS_PORT) } : {}),
      });
      redisUrl = redis.url;
      urlOf.catalog = redisUrlFor(redis.url, 'catalog', passwords.catalog);
      urlOf.sales = redisUrlFor(redis.url, 'sales', passwords.sales);
      ctx.stdout.write(`herald dev: redis    redis://127.0.0.1:${redis.port} (private redis-server, AOF in ${dir}; ACL users catalog, sales, reader, producer)\n`);
      ctx.stdout.write(`herald dev: redis    credentials in ${writeCredentialsFile(dir, redis.url, passwords)} (mode 0600; used by herald inspect and the README's snippets)\n`);
      if (passwords.generated.length > 0) {
        const names = passwords.generated.map((name) => passwordVariables[name]).join(', ');
        ctx.stdout.write(`herald dev: redis    generated passwords for this run (set ${names} to choose them)\n`);
      }
    } else {
      ctx.stdout.write('herald dev: redis    using REDIS_URL from the environment\n');
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
      ctx.stdout.write('herald dev: stopped\n');
      resolveDone(code);
    };
    const onSignal = () => void shutdown(0);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    try {
      for (const name of ['catalog', 'sales'] as const) {
        if (stopping) break;
        const child = startService(name, ports[name], urlOf[name] ?? redisUrl, ctx, values.quiet);
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
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        throw error;
      }
    }
    const code = await done;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    return code;
  },
};
