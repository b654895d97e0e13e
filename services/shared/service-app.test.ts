import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeraldError } from 'herald/runtime';
import { createServiceApp } from './service-app.ts';
import { requireToken } from './token-auth.ts';
import { moneySchema } from './money-schema.ts';
import { errorResponses } from './http-errors.ts';
import { parseTraceparent } from './traceparent.ts';

const { app, metrics } = createServiceApp({ service: 'test', roles: ['api'], logLevel: 'silent', bodyLimit: 4096 });
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
afterAll(async () => app.close());

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

  it('continues the caller’s trace: same trace id, new span', async () => {
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const response = await app.inject({ method: 'POST', url: '/things', headers: { ...auth, traceparent: incoming }, payload: good });
    expect(response.statusCode).toBe(201);
    expect(parseTraceparent(lastTrace)?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(parseTraceparent(lastTrace)?.spanId).not.toBe('00f067aa0ba902b7');
    expect(response.headers.traceparent).toBe(lastTrace);
  });

  it('counts requests by route and status in Prometheus text', async () => {
    metrics.declare('herald_example_total', 'An example counter.');
    const text = (await app.inject('/metrics')).body;
    expect(text).toContain('herald_http_requests_total{method="POST",route="/things",status="400"}');
    expect(text).toContain('# TYPE herald_example_total counter\nherald_example_total 0');
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
    const logged = createServiceApp({ service: 'test', roles: ['api'], logLevel: 'info', bodyLimit: 4096, logStream: { write: (line) => lines.push(line) } });
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
