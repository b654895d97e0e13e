// Starts a private redis-server (the embedded default of `herald dev`, and every test's Redis) on a
// loopback port with its own data folder. It never touches a Redis it did not start.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
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

export async function startRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  const binary = redisServerBinary();
  const port = options.port ?? (await freePort());
  mkdirSync(options.dir, { recursive: true });
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
  writeFileSync(configFile, `${config.join('\n')}\n`);
  // Its own process group: a terminal's Ctrl-C reaches only `herald dev`, which then stops the services
  // first and Redis last, so nothing in flight loses its connection.
  const child = spawn(binary, [configFile], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

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

async function waitForPort(port: number, child: ChildProcess, stderr: () => string, dir: string): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new HeraldError('HERALD_ERR_TOOL', `redis-server exited with code ${child.exitCode}: ${stderr().trim() || `see ${join(dir, 'redis.log')}`}`);
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
