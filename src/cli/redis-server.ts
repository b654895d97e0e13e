// Starts a private redis-server (the embedded default of `herald dev`, and every test's Redis) on a
// loopback port with its own data folder. It never touches a Redis it did not start: the data folder is
// locked (one server per folder), the port must be free, and "started" means the log of *this* process
// says it accepts connections. The folder is 0700 and its files 0600 (the config holds password hashes).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeraldError } from '../runtime/core/errors.ts';

export interface RedisServerOptions {
  /** Data folder (AOF, RDB, log). Created if missing. */
  dir: string;
  /** TCP port on 127.0.0.1; a free one is picked when absent. */
  port?: number;
  /** AOF fsync policy. `everysec` can lose about one second of writes on a power cut; `always` loses none. */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** Extra redis.conf lines (for example `user ...` ACL lines). */
  extraConfig?: string[];
  /** Password of the default user, if the default user is protected. */
  password?: string;
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly process: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** SIGKILL: the crash case. */
  kill(): Promise<void>;
}

export function redisServerBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (!path) {
    throw new HeraldError('HERALD_ERR_TOOL', 'redis-server is not installed. Install it (`apt-get install redis-server`) or set REDIS_URL.');
  }
  return path;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Name of the lock file in a data folder: `<redis pid> <owner pid>`, or `starting <owner pid>`. */
export const lockFileName = 'herald.lock';

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the data folder's lock, or throws naming the process that holds it. A lock of dead processes is stale. */
function lockDataFolder(dir: string): string {
  const path = join(dir, lockFileName);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `starting ${process.pid}\n`);
      closeSync(fd);
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const [first, second] = readFileSync(path, 'utf8').trim().split(/\s+/);
    const redisPid = Number(first);
    const ownerPid = Number(second);
    if (alive(redisPid) || (first === 'starting' && alive(ownerPid))) {
      const who = first === 'starting' ? `herald (pid ${ownerPid}) is starting a redis-server there` : `redis-server pid ${redisPid} (started by pid ${ownerPid}) uses it`;
      const stop = first === 'starting' || alive(ownerPid) ? 'Ctrl-C in the terminal of that herald dev' : `its herald dev is gone: \`kill ${redisPid}\``;
      throw new HeraldError('HERALD_ERR_CONFIG', `the Redis data folder ${dir} is in use: ${who}. Stop it first (${stop}) or pick another folder with --data`, { field: 'dir' });
    }
    unlinkSync(path); // stale: whoever held it is gone
  }
  throw new HeraldError('HERALD_ERR_CONFIG', `could not lock the Redis data folder ${dir}`, { field: 'dir' });
}

/** 0700 for the folder and every folder in it, 0600 for every file: earlier runs may have left 0644 files. */
function restrictDataFolder(dir: string): void {
  chmodSync(dir, 0o700);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) restrictDataFolder(path);
    else chmodSync(path, 0o600);
  }
}

/** Fails when something already listens on `port`: a Redis that is not ours must never be adopted. */
async function ensurePortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE'
      ? new HeraldError('HERALD_ERR_CONFIG', `port ${port} on 127.0.0.1 is already in use by another process (another Redis?); herald never adopts a server it did not start. Stop it or choose another port`, { field: 'port' })
      : error));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

export async function startRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  const binary = redisServerBinary();
  const port = options.port ?? (await freePort());
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const lock = lockDataFolder(options.dir);
  const unlock = () => {
    try {
      unlinkSync(lock);
    } catch {
      // already gone
    }
  };
  try {
    restrictDataFolder(options.dir);
    if (options.port !== undefined) await ensurePortFree(port);
  } catch (error) {
    unlock();
    throw error;
  }
  const config = [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${options.dir}`,
    'appendonly yes',
    `appendfsync ${options.appendfsync ?? 'everysec'}`,
    'save ""',
    'daemonize no',
    `logfile ${join(options.dir, 'redis.log')}`,
    ...(options.password ? [`requirepass ${options.password}`] : []),
    ...(options.extraConfig ?? []),
  ];
  const configFile = join(options.dir, 'redis.conf');
  writeFileSync(configFile, `${config.join('\n')}\n`, { mode: 0o600 });
  chmodSync(configFile, 0o600);
  // Its own process group: a terminal's Ctrl-C reaches only `herald dev`, which then stops the services
  // first and Redis last, so nothing in flight loses its connection. umask 077: the AOF, the RDB and the
  // log it creates are 0600. `exec` keeps the pid: child.pid is redis-server's.
  // Redis needs no password from the environment (the config holds hashes): none is passed on.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^HERALD_REDIS_.*PASSWORD$/.test(name)));
  const child = spawn('sh', ['-c', 'umask 077 && exec "$0" "$1"', binary, configFile], { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(unlock, unlock);
  writeFileSync(lock, `${child.pid} ${process.pid}\n`, { mode: 0o600 });

  await waitForPort(port, child, () => stderr, options.dir);
  const auth = options.password ? `default:${encodeURIComponent(options.password)}@` : '';
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    dir: options.dir,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** True once this process (by pid) has logged that it accepts connections: the listener is ours. */
function loggedReady(dir: string, pid: number | undefined): boolean {
  try {
    return new RegExp(`^${pid}:M .*Ready to accept connections`, 'm').test(readFileSync(join(dir, 'redis.log'), 'utf8'));
  } catch {
    return false;
  }
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string, dir: string): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const log = (() => {
        try {
          return readFileSync(join(dir, 'redis.log'), 'utf8').split('\n').filter((l) => l.startsWith(`${child.pid}:`) && /#/.test(l)).pop() ?? '';
        } catch {
          return '';
        }
      })();
      throw new HeraldError('HERALD_ERR_TOOL', `redis-server exited with code ${child.exitCode}: ${stderr().trim() || log.trim() || `see ${join(dir, 'redis.log')}`}`);
    }
    if (!loggedReady(dir, child.pid)) {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new HeraldError('HERALD_ERR_TOOL', `redis-server did not listen on port ${port} within 15 s`);
}
