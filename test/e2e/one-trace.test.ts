// One connected OpenTelemetry trace through the whole flow, with the real SDK exporting to memory and
// the three services built in this process on a real redis-server: PATCH /movies/:id → outbox → relay
// publish → Sales consume → projection apply; POST /purchases → outbox → PurchaseCompleted published →
// Reporting consume.
// The client's own span is the root, as a browser or an API gateway would start it.
import { propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import type { FastifyInstance } from 'fastify';
import { parseEntries, type RedisConnection } from 'herald/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp as buildCatalog } from '../../services/catalog/app.ts';
import { loadCatalogConfig } from '../../services/catalog/config.ts';
import { buildApp as buildReporting } from '../../services/reporting/app.ts';
import { loadReportingConfig } from '../../services/reporting/config.ts';
import { buildApp as buildSales } from '../../services/sales/app.ts';
import { loadSalesConfig } from '../../services/sales/config.ts';
import { startTracing, type Tracing } from '../../services/shared/tracing.ts';
import { redisTest, type TestRedisServer } from '../support/redis-fixture.ts';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let server: TestRedisServer;
let redis: RedisConnection;
let catalog: FastifyInstance;
let sales: FastifyInstance;
let reporting: FastifyInstance;

redisTest.beforeAll(async ({ redisServer, redis: connection }) => {
  tracing = startTracing({ service: 'herald-e2e', exporter, env: {} })!;
  server = redisServer;
  redis = connection;
  catalog = await buildCatalog(loadCatalogConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent' }, []));
  sales = await buildSales(loadSalesConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent', CONSUMER_NAME: 'sales-trace' }, []));
  reporting = await buildReporting(loadReportingConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent', CONSUMER_NAME: 'reporting-trace' }, []));
  await Promise.all([catalog.ready(), sales.ready(), reporting.ready()]);
});
afterAll(async () => {
  await catalog?.close();
  await sales?.close();
  await reporting?.close();
  await tracing?.shutdown();
});

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  let value: T | undefined;
  await expect.poll(async () => (value = await probe()), { timeout: 10_000, interval: 25, message: 'condition not reached in 10 s' }).toBeDefined();
  return value!;
}

const spans = () => exporter.getFinishedSpans();
const byId = () => new Map(spans().map((span) => [span.spanContext().spanId, span]));
function find(description: string, match: (span: ReadableSpan) => boolean): ReadableSpan {
  const found = spans().filter(match);
  if (found.length !== 1) throw new Error(`expected one ${description}, found ${found.length}: ${spans().map((s) => s.name).join(', ')}`);
  return found[0]!;
}
/** The names on the way from a span up to the root. */
function ancestry(span: ReadableSpan): string[] {
  const index = byId();
  const path: string[] = [];
  for (let at: ReadableSpan | undefined = span; at; at = at.parentSpanContext ? index.get(at.parentSpanContext.spanId) : undefined) path.push(at.name);
  return path;
}
const isAncestor = (ancestor: ReadableSpan, span: ReadableSpan): boolean => {
  const index = byId();
  for (let at = span.parentSpanContext && index.get(span.parentSpanContext.spanId); at; at = at.parentSpanContext && index.get(at.parentSpanContext.spanId)) {
    if (at === ancestor) return true;
  }
  return false;
};

describe('one trace from an HTTP request to every consumer', () => {
  it('connects PATCH /movies/:id, the outbox relay, the Sales consumer, the purchase it enables and Reporting', async () => {
    const root = trace.getTracer('e2e-client').startSpan('client: rename a movie, then buy it', { kind: SpanKind.CLIENT });
    const headers: Record<string, string> = {};
    propagation.inject(trace.setSpan(ROOT_CONTEXT, root), headers);

    const created = await catalog.inject({ method: 'POST', url: '/movies', headers, payload: { title: 'Dune', price: { amountMinor: 1299, currencyCode: 'EUR' }, genres: [], releaseYear: 2021 } });
    expect(created.statusCode).toBe(201);
    const { movieId } = created.json();
    await until(async () => ((await sales.inject({ url: `/movies/${movieId}`, headers })).statusCode === 200 ? true : undefined));
    const patched = await catalog.inject({ method: 'PATCH', url: `/movies/${movieId}`, headers, payload: { expectedVersion: 1, title: 'Dune: Part One' } });
    expect(patched.statusCode).toBe(200);
    await until(async () => ((await sales.inject({ url: `/movies/${movieId}`, headers })).json().version === 2 ? true : undefined));
    const bought = await sales.inject({ method: 'POST', url: '/purchases', headers, payload: { movieId, customerId: 'alice', quantity: 1 } });
    expect(bought.statusCode).toBe(201);
    const purchase = bought.json();
    const entry = await until(async () => parseEntries(await redis.sendCommand(['XRANGE', 'sales.purchase.v1', '-', '+'])).find((e) => String(e.fields.get('subject')) === purchase.purchaseId));
    await until(async () => (spans().some((s) => s.name === 'process sales.purchase.v1') ? true : undefined));
    root.end();

    // One trace, connected: every span is the client's trace, and every parent was exported.
    const traceId = root.spanContext().traceId;
    const index = byId();
    const rootId = root.spanContext().spanId;
    expect(index.has(rootId)).toBe(true);
    for (const span of spans()) {
      expect(span.spanContext().traceId, span.name).toBe(traceId);
      if (span.spanContext().spanId === rootId) expect(span.parentSpanContext).toBeUndefined();
      else expect(index.has(span.parentSpanContext?.spanId ?? ''), `${span.name} has an exported parent`).toBe(true);
    }

    const patch = find('PATCH server span', (s) => s.kind === SpanKind.SERVER && s.attributes['http.request.method'] === 'PATCH');
    expect(patch.attributes['http.route']).toBe('/movies/:id');
    const updated = find('MovieUpdated create span', (s) => s.name === 'create catalog.movie.v1' && s.attributes['cloudevents.event_type'] === 'herald.catalog.movie.v1.MovieUpdated');
    expect(isAncestor(patch, updated), ancestry(updated).join(' < ')).toBe(true);
    const relayed = find('MovieUpdated send span', (s) => s.name === 'send catalog.movie.v1' && s.attributes['cloudevents.event_id'] === updated.attributes['cloudevents.event_id']);
    expect(relayed.kind).toBe(SpanKind.PRODUCER);
    expect(relayed.parentSpanContext?.spanId).toBe(updated.spanContext().spanId); // the relay continues the trace
    const processed = find('MovieUpdated process span', (s) => s.name === 'process catalog.movie.v1' && s.attributes['cloudevents.event_id'] === updated.attributes['cloudevents.event_id']);
    expect(processed.kind).toBe(SpanKind.CONSUMER);
    expect(processed.attributes).toMatchObject({ 'messaging.system': 'redis', 'messaging.consumer.group.name': 'sales', 'messaging.operation.type': 'process' });
    expect(processed.parentSpanContext?.spanId).toBe(updated.spanContext().spanId);
    const applied = find('projection apply of v2', (s) => s.name === 'sales projection apply' && s.attributes['herald.movie_version'] === 2);
    expect(applied.parentSpanContext?.spanId).toBe(processed.spanContext().spanId);

    const post = find('POST /purchases server span', (s) => s.kind === SpanKind.SERVER && s.attributes['http.route'] === '/purchases');
    const completed = find('PurchaseCompleted create span', (s) => s.name === 'create sales.purchase.v1');
    expect(isAncestor(post, completed)).toBe(true);
    // The event on the stream names a span that really was exported: its creation span.
    expect(String(entry.fields.get('traceparent'))).toBe(`00-${traceId}-${completed.spanContext().spanId}-01`);
    const published = find('PurchaseCompleted send span', (s) => s.name === 'send sales.purchase.v1');
    expect(published.parentSpanContext?.spanId).toBe(completed.spanContext().spanId);
    expect(published.attributes['cloudevents.event_id']).toBe(purchase.eventId);
    // Reporting consumes PurchaseCompleted in the same trace, a child of its creation span.
    const reported = find('Reporting process span', (s) => s.name === 'process sales.purchase.v1');
    expect(reported.kind).toBe(SpanKind.CONSUMER);
    expect(reported.parentSpanContext?.spanId).toBe(completed.spanContext().spanId);
    expect(reported.attributes).toMatchObject({ 'messaging.consumer.group.name': 'reporting', 'messaging.client.id': 'reporting-trace', 'cloudevents.event_id': purchase.eventId });
  });
});
