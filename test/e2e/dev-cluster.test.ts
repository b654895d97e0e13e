// `herald dev --cluster` as a user runs it: a fresh local Redis Cluster (3 masters, 1 replica each) under
// the data folder, the functions and groups installed as the admin, every service on it with
// REDIS_CLUSTER_URLS, a movie travelling from Catalog to Sales, and a clean stop on SIGINT.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cli/redis-server.ts';
import { http, waitFor } from '../support/services.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const data = mkdtempSync(join(tmpdir(), 'herald-dev-cluster-'));
afterAll(() => rmSync(data, { recursive: true, force: true }));

describe('herald dev --cluster', () => {
  it('runs the services on a local 3-master cluster and stops it on SIGINT', async () => {
    const [catalogPort, salesPort, reportingPort] = [await freePort(), await freePort(), await freePort()];
    const env = { ...process.env };
    delete env.REDIS_URL;
    delete env.REDIS_CLUSTER_URLS;
    const args = ['--conditions=herald-source', 'src/cli/main.ts', 'dev', '--cluster', '--data', data, '--catalog-port', String(catalogPort), '--sales-port', String(salesPort), '--reporting-port', String(reportingPort), '--quiet'];
    const dev = spawn(process.execPath, args, { cwd: root, env });
    let out = '';
    dev.stdout.on('data', (c: Buffer) => (out += c.toString()));
    dev.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => dev.once('exit', resolve));
    let nodePorts: number[] = [];
    try {
      await waitFor('herald dev --cluster to be ready', async () => out.includes('herald dev: ready'), 60_000, 100);
      const line = /Redis Cluster on 127\.0\.0\.1 ports ([\d, ]+) \(3 masters, 1 replica each, under (.+?);/.exec(out);
      expect(line?.[2]).toBe(join(data, 'cluster'));
      nodePorts = line![1]!.split(', ').map(Number);
      expect(nodePorts).toHaveLength(6);
      expect(out).toContain('functions herald, catalog, reporting, sales on every master');

      const catalog = `http://127.0.0.1:${catalogPort}`;
      const created = await http(catalog, 'POST', '/movies', { title: 'Heat', price: { amountMinor: 799, currencyCode: 'EUR' }, releaseYear: 1995 });
      expect(created.status).toBe(201);
      const movie = await waitFor('the movie in Sales', async () => {
        const response = await http(`http://127.0.0.1:${salesPort}`, 'GET', `/movies/${created.body.movieId}`);
        return response.status === 200 ? response.body : undefined;
      });
      expect(movie).toMatchObject({ title: 'Heat', version: 1, status: 'active' });

      // A second run on the same folder may not wipe the live cluster.
      const second = spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
      expect(second.status).toBe(1);
      expect(second.stderr).toMatch(/Redis Cluster folder .* is in use: redis-server pid \d+/);
      // --cluster brings its own Redis: with REDIS_URL set it is bad usage.
      const mixed = spawnSync(process.execPath, args, { cwd: root, env: { ...env, REDIS_URL: 'redis://127.0.0.1:1' }, encoding: 'utf8', timeout: 30_000 });
      expect(mixed.status).toBe(2);
      expect(mixed.stderr).toContain('--cluster starts its own Redis Cluster');
    } finally {
      dev.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(out).toContain('herald dev: stopped');
    for (const port of nodePorts) {
      const ping = spawnSync('redis-cli', ['-p', String(port), 'PING'], { encoding: 'utf8' });
      expect(ping.stdout).not.toContain('PONG');
    }
  }, 120_000);
});
