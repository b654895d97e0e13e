// Observability of the real service processes after real traffic, checked with the tools their users
// run: `promtool check metrics` on both /metrics, the Grafana dashboard's queries against what the
// services really export, OTLP/HTTP trace export to a collector, and the JSON log stream.
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeConnection, connectRedis, outboxChannelField, parseEntries } from 'herald/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalogService } from '../../generated/services/catalog.ts';
import { ServiceMetrics } from '../../services/shared/metrics.ts';
import { dashboardQueries, expectQueryExported, families } from '../support/dashboard.ts';
import { http, startStack, waitFor, type Stack } from '../support/services.ts';

interface ExportedSpan { service: string; traceId: string; spanId: string; parentSpanId: string; name: string; kind: number; attributes: Record<string, unknown> }

let stack: Stack;
let collector: Server;
const received: ExportedSpan[] = [];
const token = 'obs-token';
const auth = { authorization: `Bearer ${token}` };
let movieId = '';
let patchTraceId = '';
let purchaseTraceId = '';

/** An OTLP/HTTP (JSON) trace receiver, as an OpenTelemetry Collector's otlp receiver would be. */
function startCollector(): Promise<Server> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const payload = JSON.parse(body) as { resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans: Array<{ spans: Array<Record<string, any>> }> }> };
        for (const resourceSpans of payload.resourceSpans) {
          const service = resourceSpans.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const scope of resourceSpans.scopeSpans) {
            for (const span of scope.spans) {
              const attributes = Object.fromEntries((span.attributes ?? []).map((a: { key: string; value: Record<string, unknown> }) => [a.key, Object.values(a.value)[0]]));
              received.push({ service, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId ?? '', name: span.name, kind: span.kind, attributes });
            }
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  collector = await startCollector();
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  stack = await startStack({ env: { SERVICE_TOKEN: token, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' } });

  // Traffic: create, update, buy, a refused purchase, a 404, a secret in a query string, a poison event,
  // a stray outbox entry.
  const created = await http(stack.process('catalog').url, 'POST', '/movies', { title: 'Dune', price: { amountMinor: 1299, currencyCode: 'EUR' }, genres: [], releaseYear: 2021 }, auth);
  movieId = created.body.movieId;
  await waitFor('projection v1', async () => (await http(stack.process('sales').url, 'GET', `/movies/${movieId}`)).status === 200);
  const patched = await http(stack.process('catalog').url, 'PATCH', `/movies/${movieId}`, { expectedVersion: 1, title: 'Dune: Part One' }, auth);
  patchTraceId = String(patched.headers.get('traceparent')).split('-')[1]!;
  await waitFor('projection v2', async () => (await http(stack.process('sales').url, 'GET', `/movies/${movieId}`)).body.version === 2);
  const bought = await http(stack.process('sales').url, 'POST', '/purchases', { movieId, customerId: 'alice', quantity: 2 }, auth);
  expect(bought.status).toBe(201);
  purchaseTraceId = String(bought.headers.get('traceparent')).split('-')[1]!;
  expect((await http(stack.process('sales').url, 'POST', '/purchases', { movieId: '00000000-0000-4000-8000-000000000000', customerId: 'bob', quantity: 1 }, auth)).status).toBe(404);
  await http(stack.process('catalog').url, 'GET', '/movies?token=supersecret123&limit=5');
  const redis = await connectRedis(stack.redisUrl);
  try {
    const poison = 'poison-movie';
    await createCatalogService(redis).producers.catalogMovie.publish('MovieCreated', { movieId: poison, version: 1, movie: { movieId: poison, title: 'No price', genres: [], releaseYear: 2000, status: 1 } }, { subject: poison, sequence: 1 });
    // An outbox entry for a channel Catalog does not send to: its relay parks it (and counts it).
    await redis.sendCommand(['XADD', 'catalog:outbox', '*', outboxChannelField, 'nowhere.v1', 'specversion', '1.0', 'id', 'stray']);
  } finally {
    await closeConnection(redis);
  }
  await waitFor('a parked outbox entry on /metrics', async () => /herald_outbox_parked_total\{outbox="catalog:outbox",channel="nowhere.v1",reason="unknown-channel"\} 1/.test((await http(stack.process('catalog').url, 'GET', '/metrics')).body));
  await waitFor('a dead letter on /metrics', async () => /herald_consumer_dead_letters_total\{[^}]*reason="rejected"\} 1/.test((await http(stack.process('sales').url, 'GET', '/metrics')).body));
  await waitFor('spans of every service at the collector', async () => received.some((s) => s.service === 'reporting' && s.name === 'process sales.purchase.v1') && received.some((s) => s.service === 'catalog' && s.name === 'send catalog.movie.v1'));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => collector?.close(resolve));
});

const scrape = async (url: string) => (await http(url, 'GET', '/metrics')).body as string;

describe('Prometheus metrics', () => {
  it('are clean under promtool check metrics on every service', async () => {
    expect(stack.all().map((p) => p.label).sort()).toEqual(['catalog', 'reporting', 'sales']);
    for (const service of stack.all()) {
      const text = await scrape(service.url);
      const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(result.error, 'promtool is installed (Debian package prometheus; scripts/setup.sh)').toBeUndefined();
      expect(`${result.stdout}${result.stderr}`, service.label).toBe('');
      expect(result.status, service.label).toBe(0);
    }
  });

  it('have no -1 sentinel and name the consumer group and the consumer', async () => {
    const text = await scrape(stack.process('sales').url);
    expect(text).not.toMatch(/ -1$/m);
    expect(text).toMatch(/herald_consumer_pending\{group="sales",consumer="sales-e2e",channel="catalog.movie.v1"\} \d+/);
    expect(text).not.toContain('consumer="consumer"');
  });
});

describe('the Grafana dashboard', () => {
  const queries = dashboardQueries();

  it('queries only metrics, and labels, that the services really export', async () => {
    const exported = families((await Promise.all(stack.all().map((p) => scrape(p.url)))).join('\n'));
    // The partition families have no samples here (these channels have one partition): their labels
    // are checked against the registry's, and against real samples in services/shared/partition-metrics.test.ts.
    const declared = new ServiceMetrics().registry;
    const declaredLabels = (name: string) => (declared.getSingleMetric(name) as { labelNames?: readonly string[] } | undefined)?.labelNames;
    expect(queries.length).toBeGreaterThanOrEqual(10);
    for (const query of queries) expectQueryExported(query, exported, declaredLabels);
  });
});

describe('OTLP trace export (OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('exports HTTP server spans and messaging spans of every service, joined into one trace per request', async () => {
    const patch = received.find((s) => s.service === 'catalog' && s.kind === 2 && s.attributes['http.request.method'] === 'PATCH');
    expect(patch, 'an HTTP SERVER span for the PATCH').toBeDefined();
    expect(patch!.traceId).toBe(patchTraceId); // the traceparent response header names this trace
    // One SERVER span per request (node:http's instrumentation); @fastify/otel's request span is INTERNAL inside it.
    expect(received.filter((s) => s.traceId === patchTraceId && s.service === 'catalog' && s.kind === 2)).toHaveLength(1);
    expect(received.find((s) => s.traceId === patchTraceId && s.name === 'request')).toMatchObject({ kind: 1, parentSpanId: patch!.spanId });
    const processed = await waitFor('the Sales process span of the update', async () => received.find((s) => s.service === 'sales' && s.name === 'process catalog.movie.v1' && s.traceId === patchTraceId));
    expect(processed.attributes).toMatchObject({ 'messaging.system': 'redis', 'messaging.consumer.group.name': 'sales', 'messaging.client.id': 'sales-e2e' });
    // The traceparent stored in the event names a span that was exported (by Catalog), not a made-up one.
    expect(received.some((s) => s.service === 'catalog' && s.spanId === processed.parentSpanId)).toBe(true);
    const redis = await connectRedis(stack.redisUrl);
    try {
      const entries = parseEntries(await redis.sendCommand(['XRANGE', 'catalog.movie.v1', '-', '+']));
      for (const entry of entries.filter((e) => String(e.fields.get('subject')) === movieId)) {
        const spanId = String(entry.fields.get('traceparent')).split('-')[2];
        expect(received.some((s) => s.spanId === spanId), `span ${spanId} of entry ${entry.id} was exported`).toBe(true);
      }
    } finally {
      await closeConnection(redis);
    }
    // The purchase's trace runs on into Reporting, whose process span is the child of Sales' creation span.
    const reported = received.find((s) => s.service === 'reporting' && s.name === 'process sales.purchase.v1');
    expect(reported?.traceId).toBe(purchaseTraceId);
    expect(received.find((s) => s.spanId === reported!.parentSpanId)).toMatchObject({ service: 'sales', name: 'create sales.purchase.v1' });
    // Probes and scrapes are not traced.
    expect(received.some((s) => String(s.attributes['url.path'] ?? '').startsWith('/metrics'))).toBe(false);
  });

  it('never exports a secret from a query string', () => {
    expect(JSON.stringify(received)).not.toContain('supersecret123');
  });
});

describe('the log stream', () => {
  it('is JSON only, each line naming its service, with trace ids on the consumer lines and secrets redacted', () => {
    for (const service of stack.all()) {
      const lines = service.output().split('\n').filter(Boolean);
      expect(lines.length).toBeGreaterThan(3);
      for (const line of lines) {
        const record = JSON.parse(line) as Record<string, unknown>; // a plain-text line throws here
        expect(record['service'], line).toBe(service.label);
      }
      expect(service.output()).not.toContain('supersecret123');
    }
    const handled = stack.process('sales').output().split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.msg === 'event handled');
    expect(handled.length).toBeGreaterThan(0);
    for (const record of handled) expect(record.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(handled.some((r) => r.trace_id === patchTraceId)).toBe(true);
  });
});
