import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeraldError, parseTraceContext } from 'herald/runtime';
import { errorResponses } from './http-errors.ts';
import { logFormat, redactUrl } from './logging.ts';
import { moneySchema } from './money-schema.ts';
import { createServiceApp } from './service-app.ts';
import { requireToken } from './token-auth.ts';
import { startTracing } from './tracing.ts';

// The real SDK, as main.ts starts it, exporting to memory.
const exporter = new InMemorySpanExporter();
const tracing = startTracing({ service: 'test', exporter, env: {} })!;
const { app, metrics } = await createServiceApp({ service: 'test', roles: ['api'], logLevel: 'silent', bodyLimit: 4096 });
let lastTrace = '';
app.post('/things', {
  schema: {
    body: { type: 'object', required: ['name', 'price'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1 }, price: moneySchema } },
    response: { 201: { type: 'object', properties: { ok: { type: 'boolean' } } }, ...errorResponses },
  },
  onRequest: requireToken('s3cret'),
}, async (request, reply) => {
  lastTrace = request.traceparent;
  return reply.status(201).send({ ok: true });
});
app.get('/conflict', async () => {
  throw new HeraldError('HERALD_ERR_VERSION_CONFLICT', 'movie m is at version 3, not 2', { field: 'body.expectedVersion' });
});
app.get('/boom', async () => {
  throw new Error('password=hunter2 leaked?');
});

beforeAll(async () => app.ready());
afterAll(async () => {
  await app.close();
  await tracing.shutdown();
});

const auth = { authorization: 'Bearer s3cret' };
const good = { name: 'x', price: { amountMinor: 100, currencyCode: 'EUR' } };

describe('service app plumbing', () => {
  it.each([
    { name: 'a missing field', body: { price: good.price }, field: 'body.name' },
    { name: 'a nested wrong type', body: { ...good, price: { amountMinor: '100', currencyCode: 'EUR' } }, field: 'body.price.amountMinor' },
    { name: 'a fractional amount', body: { ...good, price: { amountMinor: 1.5, currencyCode: 'EUR' } }, field: 'body.price.amountMinor' },
    { name: 'an unknown field', body: { ...good, extra: 1 }, field: 'body.extra' },
    { name: 'a __proto__ key', body: JSON.parse('{"name":"x","price":{"amountMinor":1,"currencyCode":"EUR"},"__proto__":{"admin":true}}'), field: 'body.__proto__' },
    { name: 'a nested __proto__ key', body: JSON.parse('{"name":"x","price":{"amountMinor":1,"currencyCode":"EUR","__proto__":1}}'), field: 'body.price.__proto__' },
    { name: 'a constructor.prototype key', body: JSON.parse('{"name":"x","price":{"amountMinor":1,"currencyCode":"EUR"},"constructor":{"prototype":{"admin":true}}}'), field: 'body.constructor' },
  ])('answers 400 naming the field for $name', async ({ body, field }) => {
    const response = await app.inject({ method: 'POST', url: '/things', headers: auth, payload: body });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'HERALD_ERR_VALIDATION', field });
    expect(response.json().message).toContain(field);
  });

  it('refuses a state-changing request without the bearer token', async () => {
    const response = await app.inject({ method: 'POST', url: '/things', payload: good, headers: { authorization: 'Bearer wrong' } });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('HERALD_ERR_UNAUTHORIZED');
    expect(response.body).not.toContain('s3cret');
  });

  it.each([
    { name: 'an invalid body', payload: JSON.stringify({ name: 1, extra: true }) },
    { name: 'malformed JSON', payload: '{"name":' },
    { name: 'a prototype-pollution key', payload: '{"__proto__":{"admin":true}}' },
  ])('checks the token before parsing or validating the body: $name without a token is 401', async ({ payload }) => {
    const before = lastTrace;
    const response = await app.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/json' }, payload });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'HERALD_ERR_UNAUTHORIZED', field: 'headers.authorization' });
    expect(lastTrace).toBe(before); // the handler never ran
  });

  it('maps Herald errors to their status and hides internal messages', async () => {
    expect((await app.inject('/conflict')).json()).toMatchObject({ statusCode: 409, code: 'HERALD_ERR_VERSION_CONFLICT', field: 'body.expectedVersion' });
    const boom = await app.inject('/boom');
    expect(boom.statusCode).toBe(500);
    expect(boom.body).not.toContain('hunter2');
    expect((await app.inject('/nowhere')).json()).toMatchObject({ statusCode: 404, code: 'HERALD_ERR_NOT_FOUND' });
  });

  it('continues the caller’s trace in an exported SERVER span whose context the request carries', async () => {
    exporter.reset();
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const response = await app.inject({ method: 'POST', url: '/things', headers: { ...auth, traceparent: incoming }, payload: good });
    expect(response.statusCode).toBe(201);
    const mine = parseTraceContext(lastTrace)!;
    expect(mine.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(mine.spanId).not.toBe('00f067aa0ba902b7');
    expect(response.headers.traceparent).toBe(lastTrace);
    const server = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER)!;
    expect(server.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(server.attributes).toMatchObject({ 'http.route': '/things', 'http.request.method': 'POST' });
    // The request's traceparent names a span that was exported: the SERVER span or one inside it.
    expect(exporter.getFinishedSpans().map((span) => span.spanContext().spanId)).toContain(mine.spanId);
  });

  it('measures requests by route and status code in a seconds histogram, and exports process metrics', async () => {
    metrics.counter('herald_example_total', 'An example counter.').inc(0);
    const text = (await app.inject('/metrics')).body;
    expect(text).toContain('# TYPE herald_http_request_duration_seconds histogram');
    expect(text).toMatch(/herald_http_request_duration_seconds_count\{method="POST",route="\/things",status_code="400"\} [1-9]/);
    expect(text).toContain('# TYPE herald_example_total counter\nherald_example_total 0');
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });
});

describe('service app body handling', () => {
  it('calls a forbidden key forbidden, by its path, and never reaches the handler', async () => {
    const before = lastTrace;
    const response = await app.inject({ method: 'POST', url: '/things', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"name":"x","price":{"amountMinor":1,"currencyCode":"EUR"},"__proto__":{"admin":true}}' });
    expect(response.json()).toEqual({ statusCode: 400, code: 'HERALD_ERR_VALIDATION', error: 'Bad Request', message: 'body.__proto__ is a forbidden key', field: 'body.__proto__' });
    expect(lastTrace).toBe(before);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('still answers an empty JSON body and one with a charset like fastify does', async () => {
    const empty = await app.inject({ method: 'POST', url: '/things', headers: { ...auth, 'content-type': 'application/json' }, payload: '' });
    expect(empty.json()).toMatchObject({ statusCode: 400, field: 'body', message: "body: Body cannot be empty when content-type is set to 'application/json'" });
    const charset = await app.inject({ method: 'POST', url: '/things', headers: { ...auth, 'content-type': 'application/json; charset=utf-8' }, payload: JSON.stringify(good) });
    expect(charset.statusCode).toBe(201);
  });

  it('answers 400 naming the body for malformed JSON and 413 for an oversized body', async () => {
    const bad = await app.inject({ method: 'POST', url: '/things', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"name":' });
    expect(bad.json()).toMatchObject({ statusCode: 400, code: 'HERALD_ERR_VALIDATION', field: 'body' });
    const huge = await app.inject({ method: 'POST', url: '/things', headers: auth, payload: { ...good, name: 'x'.repeat(10_000) } });
    expect(huge.json()).toMatchObject({ statusCode: 413, field: 'body' });
  });
});

describe('service app logs', () => {
  it('never writes a token, a password or a credentialed Redis URL', async () => {
    const lines: string[] = [];
    const logged = await createServiceApp({ service: 'test', roles: ['api'], logLevel: 'info', bodyLimit: 4096, logStream: { write: (line) => lines.push(line) } });
    logged.app.post('/secure', { onRequest: requireToken('s3cret-token') }, async (request) => {
      request.log.info({ headers: request.headers, config: { redisUrl: 'redis://sales:hunter2@host:6379', password: 'hunter2' } }, 'handling');
      return { ok: true };
    });
    await logged.app.inject({ method: 'POST', url: '/secure', headers: { authorization: 'Bearer s3cret-token' }, payload: {} });
    await logged.app.inject({ method: 'POST', url: '/secure', headers: { authorization: 'Bearer wrong-guess' }, payload: {} });
    await logged.app.close();
    const text = lines.join('');
    expect(text).toContain('"msg":"handling"');
    expect(text).not.toMatch(/s3cret-token|wrong-guess|hunter2/);
  });
});

describe('service log lines', () => {
  async function loggedApp() {
    const lines: string[] = [];
    const logged = await createServiceApp({ service: 'catalog', roles: ['api'], logLevel: 'info', bodyLimit: 4096, logStream: { write: (line) => lines.push(line) } });
    logged.app.get('/movies', async (request) => {
      request.log.info('listing');
      return { ok: true };
    });
    return { ...logged, lines, records: () => lines.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>) };
  }

  it('writes only JSON lines, each with the service name, and trace and span ids inside a request', async () => {
    const { app: logged, records } = await loggedApp();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await logged.inject({ method: 'GET', url: '/movies', headers: { traceparent } });
    await logged.close();
    const all = records(); // JSON.parse throws on any plain-text line
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (const record of all) expect(record['service']).toBe('catalog');
    const listing = all.find((r) => r['msg'] === 'listing')!;
    expect(listing['trace_id']).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(listing['span_id']).toMatch(/^[0-9a-f]{16}$/);
    expect(listing['span_id']).not.toBe('00f067aa0ba902b7');
  });

  it('gives each request a globally unique id', async () => {
    const { app: logged, records } = await loggedApp();
    await logged.inject('/movies');
    await logged.inject('/movies');
    await logged.close();
    const ids = new Set(records().filter((r) => r['msg'] === 'listing').map((r) => r['reqId']));
    expect(ids.size).toBe(2);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('redacts secrets in query strings and keeps the rest', async () => {
    const { app: logged, lines } = await loggedApp();
    await logged.inject('/movies?token=supersecret123&title=Dune&api_key=k-9&password=hunter2&client_secret=s&limit=5');
    await logged.close();
    const text = lines.join('');
    expect(text).not.toMatch(/supersecret123|k-9|hunter2|client_secret=s\b/);
    expect(text).toContain('/movies?token=[redacted]&title=Dune&api_key=[redacted]&password=[redacted]&client_secret=[redacted]&limit=5');
  });

  it.each([
    ['/a?access_token=x&apiKey=y&sig=z&author=Herbert', '/a?access_token=[redacted]&apiKey=[redacted]&sig=[redacted]&author=Herbert'],
    ['/a?Authorization=Bearer%20x&session_id=1&q', '/a?Authorization=[redacted]&session_id=[redacted]&q'],
    ['/a/token/b', '/a/token/b'],
  ])('redactUrl(%s)', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it('pretty-prints on a terminal and writes JSON to a pipe, unless LOG_FORMAT says otherwise', () => {
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
  });
});
