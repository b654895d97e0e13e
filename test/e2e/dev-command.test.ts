// `herald dev` as a user runs it: private Redis with AOF under the project, its functions installed,
// every service with a manifest, credentials handed over, Ctrl-C.
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cli/redis-server.ts';
import { http, waitFor } from '../support/services.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const project = mkdtempSync(join(tmpdir(), 'herald-dev-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('herald dev', () => {
  it('starts Redis (AOF under .data/redis), Catalog, Sales and Reporting, prints where, hands over credentials, and stops cleanly on SIGINT', async () => {
    const [catalogPort, salesPort, reportingPort] = [await freePort(), await freePort(), await freePort()];
    const env = { ...process.env };
    delete env.REDIS_URL;
    const dev = spawn(process.execPath, ['--conditions=herald-source', 'src/cli/main.ts', 'dev', '--cwd', project, '--catalog-port', String(catalogPort), '--sales-port', String(salesPort), '--reporting-port', String(reportingPort), '--quiet'], { cwd: root, env });
    let out = '';
    dev.stdout.on('data', (c: Buffer) => (out += c.toString()));
    dev.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => dev.once('exit', resolve));
    try {
      await waitFor('herald dev to be ready', async () => out.includes('herald dev: ready'), 40_000, 100);
      expect(out).toMatch(/ACL users catalog, reporting, sales, reader, producer; functions herald, catalog, reporting, sales\)/);
      expect(out).toContain(`herald dev: catalog  http://127.0.0.1:${catalogPort}`);
      expect(out).toContain(`herald dev: reporting http://127.0.0.1:${reportingPort}`);
      expect((await http(`http://127.0.0.1:${reportingPort}`, 'GET', '/health')).body.checks.consumer.running).toBe(true);
      expect(out).toContain(`herald dev: sales    http://127.0.0.1:${salesPort}`);
      expect((await http(`http://127.0.0.1:${catalogPort}`, 'GET', '/health')).body.status).toBe('ok');
      expect((await http(`http://127.0.0.1:${salesPort}`, 'GET', '/health')).body.checks.consumer.running).toBe(true);
      expect(existsSync(join(project, '.data', 'redis', 'appendonlydir'))).toBe(true);
      // The generated credentials reach their owner: a private file that `herald inspect` reads by itself.
      expect(statSync(join(project, '.data', 'redis', 'credentials.env')).mode & 0o777).toBe(0o600);
      const inspect = await run(process.execPath, ['--conditions=herald-source', 'src/cli/main.ts', 'inspect', '--cwd', project, '--json'], { cwd: root, env });
      expect((JSON.parse(inspect.stdout) as Array<{ stream: string }>).map((s) => s.stream)).toContain('catalog.movie.v1');
    } finally {
      dev.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(out).toContain('herald dev: stopped');
    await expect(fetch(`http://127.0.0.1:${catalogPort}/health`)).rejects.toThrow();
  });

  it('keeps Redis data in an absolute --data folder as given, not under the working directory', async () => {
    const [catalogPort, salesPort, reportingPort] = [await freePort(), await freePort(), await freePort()];
    const data = mkdtempSync(join(tmpdir(), 'herald-dev-data-'));
    const env = { ...process.env };
    delete env.REDIS_URL;
    const dev = spawn(process.execPath, ['--conditions=herald-source', 'src/cli/main.ts', 'dev', '--cwd', project, '--data', data, '--catalog-port', String(catalogPort), '--sales-port', String(salesPort), '--reporting-port', String(reportingPort), '--quiet'], { cwd: root, env });
    let out = '';
    dev.stdout.on('data', (c: Buffer) => (out += c.toString()));
    dev.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => dev.once('exit', resolve));
    try {
      await waitFor('herald dev to be ready', async () => out.includes('herald dev: ready'), 40_000, 100);
      expect(out).toContain(`AOF in ${data};`);
      expect(existsSync(join(data, 'appendonlydir'))).toBe(true);
      expect(existsSync(join(project, data))).toBe(false);
    } finally {
      dev.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    rmSync(data, { recursive: true, force: true });
  });

  it('gives each service only its own Redis password, refuses a second run on the same folder, and stops everything on SIGHUP', async () => {
    const data = mkdtempSync(join(tmpdir(), 'herald-dev-hup-'));
    const secrets = { admin: 'admin-secret-pw', catalog: 'catalog-secret-pw', sales: 'sales-secret-pw', reporting: 'reporting-secret-pw' };
    const env: NodeJS.ProcessEnv = {
      ...process.env, HERALD_REDIS_ADMIN_PASSWORD: secrets.admin, HERALD_REDIS_CATALOG_PASSWORD: secrets.catalog,
      HERALD_REDIS_SALES_PASSWORD: secrets.sales, HERALD_REDIS_REPORTING_PASSWORD: secrets.reporting,
    };
    delete env.REDIS_URL;
    const args = async () => ['--conditions=herald-source', 'src/cli/main.ts', 'dev', '--cwd', project, '--data', data,
      '--catalog-port', String(await freePort()), '--sales-port', String(await freePort()), '--reporting-port', String(await freePort()), '--quiet'];
    const dev = spawn(process.execPath, await args(), { cwd: root, env });
    let out = '';
    dev.stdout.on('data', (c: Buffer) => (out += c.toString()));
    dev.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => dev.once('exit', resolve));
    let pids: number[] = [];
    try {
      await waitFor('herald dev to be ready', async () => out.includes('herald dev: ready'), 40_000, 100);
      // Its children: redis-server and the three services (each in its own process group).
      pids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(dev.pid)], { encoding: 'utf8' }).split('\n').map((l) => Number(l.trim())).filter((p) => p > 0);
      expect(pids).toHaveLength(4);
      const environments = pids.map((pid) => readFileSync(`/proc/${pid}/environ`, 'utf8'));
      for (const environ of environments) expect(environ).not.toContain(secrets.admin);
      const services = environments.filter((e) => e.includes('REDIS_URL='));
      expect(services).toHaveLength(3);
      for (const environ of services) {
        expect(environ).not.toContain('HERALD_REDIS_');
        const user = /REDIS_URL=redis:\/\/(\w+):/.exec(environ)![1] as 'catalog' | 'sales' | 'reporting';
        expect(environ).toContain(secrets[user]);
        for (const other of (['catalog', 'sales', 'reporting'] as const).filter((name) => name !== user)) expect(environ).not.toContain(secrets[other]);
      }

      const second = spawnSync(process.execPath, await args(), { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
      expect(second.status).not.toBe(0);
      expect(second.stdout + second.stderr).toMatch(new RegExp(`data folder ${data} is in use`));
    } finally {
      dev.kill('SIGHUP');
    }
    expect(await exited).toBe(0);
    expect(out).toContain('herald dev: stopped');
    for (const pid of pids) expect(existsSync(`/proc/${pid}`)).toBe(false);
    rmSync(data, { recursive: true, force: true });
  });
});
