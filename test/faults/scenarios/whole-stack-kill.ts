// Scenario 9: SIGKILL every process of the stack at once (herald dev, redis-server, every service) under
// load, then start it again the way the README does (`bash scripts/start.sh` execs `herald dev`; the
// setup half of start.sh is skipped here, it only installs). The new herald dev must take over the dead
// one's data folder lock, recover from the AOF, and the ledger must find nothing lost or doubled.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeConnection, connectRedis } from 'herald/runtime';
import { redisUrlFor } from '../../../src/cli/redis-acl.ts';
import { freePort } from '../../../src/cli/redis-server.ts';
import { buyMovies, createMovies, settle, updateMovies, type DriverProgress } from '../../support/fault-driver.ts';
import { Ledger } from '../../support/ledger.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Dev {
  process: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

async function startDev(args: string[], env: NodeJS.ProcessEnv): Promise<Dev> {
  const child = spawn(process.execPath, ['--conditions=herald-source', 'src/cli/main.ts', 'dev', ...args], { cwd: root, env });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  for (let i = 0; i < 600 && !out.includes('herald dev: ready'); i++) {
    if (child.exitCode !== null) throw new Error(`herald dev exited while starting: ${out}`);
    await sleep(100);
  }
  if (!out.includes('herald dev: ready')) throw new Error(`herald dev was not ready within 60 s: ${out}`);
  return { process: child, output: () => out, exited };
}

/** The pids of herald dev and every child it started (redis-server, every service). */
function stackPids(dev: Dev): number[] {
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(dev.process.pid)], { encoding: 'utf8' })
    .split('\n').map((l) => Number(l.trim())).filter((p) => p > 0);
  return [dev.process.pid!, ...children];
}

export async function wholeStackKillScenario(options: { movies: number; updatesPerMovie: number }) {
  const data = mkdtempSync(join(tmpdir(), 'herald-faults-dev-'));
  const [catalogPort, salesPort, reportingPort, redisPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env, LOG_LEVEL: 'warn', HERALD_REDIS_PORT: String(redisPort),
    HERALD_REDIS_ADMIN_PASSWORD: 'fault-admin', HERALD_REDIS_CATALOG_PASSWORD: 'fault-catalog', HERALD_REDIS_SALES_PASSWORD: 'fault-sales',
  };
  delete env.REDIS_URL;
  const args = ['--data', data, '--catalog-port', String(catalogPort), '--sales-port', String(salesPort), '--reporting-port', String(reportingPort), '--quiet'];
  const ledger = new Ledger('9 SIGKILL the whole stack, restart herald dev');
  const progress: DriverProgress = { updates: 0, purchases: 0, failures: 0 };
  const total = options.movies * options.updatesPerMovie;
  let dev = await startDev(args, env);
  const admin = await connectRedis(redisUrlFor(`redis://127.0.0.1:${redisPort}`, 'default', 'fault-admin'), { name: 'fault-driver' });
  let killed = 0;
  try {
    const work = { catalogUrl: `http://127.0.0.1:${catalogPort}`, salesUrl: `http://127.0.0.1:${salesPort}`, movies: options.movies, updatesPerMovie: options.updatesPerMovie, purchases: 150, ledger };
    const ids = await createMovies(work, progress);
    const writer = Promise.all([updateMovies(work, ids, progress), buyMovies(work, ids, progress)]);
    while (progress.updates < total / 2) await sleep(10);
    const pids = stackPids(dev);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    killed = pids.length;
    await dev.exited;
    // The children die with their own SIGKILL; wait until none is left before starting again.
    for (let i = 0; i < 100 && pids.some((pid) => { try { process.kill(pid, 0); return true; } catch { return false; } }); i++) await sleep(50);
    dev = await startDev(args, env);
    await writer;
    await settle(admin);
    const report = await ledger.verify(admin);
    return { ...report, processesKilled: killed, failedRequestsRetried: progress.failures };
  } finally {
    await closeConnection(admin).catch(() => admin.destroy());
    dev.process.kill('SIGTERM');
    await dev.exited;
    rmSync(data, { recursive: true, force: true });
  }
}
