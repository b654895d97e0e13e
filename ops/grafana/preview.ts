// Renders docs/images/dashboard.png: what ops/grafana/herald.json shows, from real data. It starts
// Redis and every service (the test harness), a real Prometheus (Debian package `prometheus`) scraping
// them every second, drives traffic, runs every panel's query through Prometheus' query_range API,
// draws the panels as a static page and screenshots it with Debian's chromium. Grafana itself has no
// Debian or npm package, so this stands in for its screenshot; a query Prometheus rejects fails the run.
// Usage: node --conditions=herald-source ops/grafana/preview.ts [--seconds 90] [--out docs/images/dashboard.png]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { closeConnection, connectRedis, outboxChannelField } from 'herald/runtime';
import { chromium } from 'playwright-core';
import { createCatalogService } from '../../generated/services/catalog.ts';
import { freePort } from '../../src/cli/redis-server.ts';
import { http, startStack, waitFor } from '../../test/support/services.ts';
import { renderPreview, type PanelResult } from './preview-html.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '90' }, out: { type: 'string', default: 'docs/images/dashboard.png' } } });
const seconds = Number(values.seconds);
const dashboard = JSON.parse(readFileSync(join(root, 'ops/grafana/herald.json'), 'utf8')) as {
  title: string;
  panels: Array<{ title: string; description: string; type: 'timeseries' | 'stat'; fieldConfig: { defaults: { unit: string } }; targets: Array<{ expr: string; legendFormat: string }> }>;
};

const token = 'preview-token';
const auth = { authorization: `Bearer ${token}` };
const work = mkdtempSync(join(tmpdir(), 'herald-dashboard-'));
const stack = await startStack({ env: { SERVICE_TOKEN: token, CONSUMER_NAME: 'sales-1' }, envOf: { reporting: { CONSUMER_NAME: 'reporting-1' } } });
const promPort = Number(process.env.PREVIEW_PROMETHEUS_PORT ?? (await freePort()));
const prometheusUrl = `http://127.0.0.1:${promPort}`;
writeFileSync(join(work, 'prometheus.yml'), [
  'global: { scrape_interval: 1s, evaluation_interval: 1s }',
  'scrape_configs:',
  ...stack.all().map((service) => `  - { job_name: ${service.label}, static_configs: [ { targets: ["${new URL(service.url).host}"] } ] }`),
  '',
].join('\n'));
const prometheus = spawn('prometheus', [`--config.file=${join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${join(work, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' });

try {
  await waitFor('Prometheus to answer', async () => (await fetch(`${prometheusUrl}/-/ready`)).ok, 30_000, 200);
  const started = Date.now() / 1000;
  const redis = await connectRedis(stack.redisUrl);
  const catalogProducer = createCatalogService(redis).producers.catalogMovie;
  const movies: Array<{ id: string; version: number }> = [];
  for (let tick = 0; Date.now() / 1000 - started < seconds; tick++) {
    if (movies.length < 20 || tick % 10 === 0) {
      const created = await http(stack.process('catalog').url, 'POST', '/movies', { title: `Movie ${tick}`, price: { amountMinor: 500 + tick, currencyCode: 'EUR' }, genres: [], releaseYear: 2000 + (tick % 25) }, auth);
      movies.push({ id: created.body.movieId, version: 1 });
    }
    const movie = movies[tick % movies.length]!;
    const patched = await http(stack.process('catalog').url, 'PATCH', `/movies/${movie.id}`, { expectedVersion: movie.version, price: { amountMinor: 400 + tick, currencyCode: 'EUR' } }, auth);
    if (patched.status === 200) movie.version += 1;
    if (tick % 3 === 0) await http(stack.process('sales').url, 'POST', '/purchases', { movieId: movies[(tick * 7) % movies.length]!.id, customerId: `c${tick % 13}`, quantity: 1 + (tick % 3) }, auth);
    if (tick % 17 === 0) await http(stack.process('catalog').url, 'GET', `/movies/00000000-0000-4000-8000-${String(tick).padStart(12, '0')}`);
    if (tick % 200 === 120) {
      // An outbox entry for a channel Catalog does not send to: the relay parks it.
      await redis.sendCommand(['XADD', 'catalog:outbox', '*', outboxChannelField, 'nowhere.v1', 'id', `stray-${tick}`]);
    }
    if (tick % 150 === 75) {
      // A poison event (no price): Sales dead-letters it, so the dead-letter panels have something to show.
      const id = `poison-${tick}`;
      await catalogProducer.publish('MovieCreated', { movieId: id, version: 1, movie: { movieId: id, title: 'No price', genres: [], releaseYear: 2000, status: 1 } }, { subject: id, sequence: 1 });
    }
    await new Promise((r) => setTimeout(r, 20 + (Math.sin(tick / 40) + 1) * 40));
  }
  await closeConnection(redis);
  await new Promise((r) => setTimeout(r, 3000)); // the last scrapes

  const end = Date.now() / 1000;
  const panels: PanelResult[] = [];
  for (const panel of dashboard.panels) {
    const series: PanelResult['series'] = [];
    for (const target of panel.targets) {
      const query = target.expr.replaceAll('$__rate_interval', '10s');
      const url = `${prometheusUrl}/api/v1/query_range?${new URLSearchParams({ query, start: String(started + 15), end: String(end), step: '2' })}`;
      const reply = (await (await fetch(url)).json()) as { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } };
      if (reply.status !== 'success') throw new Error(`Prometheus rejected "${query}" (${panel.title}): ${reply.error}`);
      for (const result of reply.data.result) {
        const legend = target.legendFormat.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, label: string) => result.metric[label] ?? '');
        series.push({ legend, points: result.values.map(([t, v]) => [t, Number(v)]) });
      }
    }
    panels.push({ title: panel.title, description: panel.description, type: panel.type, unit: panel.fieldConfig.defaults.unit, series });
  }
  const html = renderPreview(dashboard.title, `ops/grafana/herald.json, every panel queried through a real Prometheus from ${Math.round(end - started)} s of real traffic on Catalog, Sales and Reporting (scraped every second)`, panels);
  const page = join(work, 'dashboard.html');
  writeFileSync(page, html);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1 });
    const tab = await context.newPage();
    await tab.goto(`file://${page}`);
    await tab.screenshot({ path: join(root, values.out!), fullPage: true });
  } finally {
    await browser.close();
  }
  process.stdout.write(`dashboard preview: ${values.out} (${panels.length} panels, ${panels.reduce((n, p) => n + p.series.length, 0)} series)\n`);
} finally {
  prometheus.kill('SIGTERM');
  await stack.stop();
  rmSync(work, { recursive: true, force: true });
}
