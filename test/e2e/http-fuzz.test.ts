// Bad input over real HTTP, against Catalog and Sales as real processes on their ACL users: fast-check
// bodies with wrong types, missing fields, huge strings, odd unicode and prototype-pollution keys. Each
// gets a 4xx naming the field, Redis is byte-for-byte unchanged, and both services stay up. Also: body
// size limit, token auth on state-changing routes, and no secret in any log line.
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closeConnection, connectRedis, type RedisConnection } from 'herald/runtime';
import { http, startStack, waitFor, type Stack } from '../support/services.ts';

const token = `tok-${randomBytes(12).toString('hex')}`;
const passwords = { catalog: `cat-${randomBytes(12).toString('hex')}`, sales: `sal-${randomBytes(12).toString('hex')}` };
const auth = { authorization: `Bearer ${token}` };
let stack: Stack;
let admin: RedisConnection;
let movieId: string;

beforeAll(async () => {
  stack = await startStack({
    env: { SERVICE_TOKEN: token, HERALD_REDIS_CATALOG_PASSWORD: passwords.catalog, HERALD_REDIS_SALES_PASSWORD: passwords.sales },
  });
  admin = await connectRedis(stack.redisUrl);
  const created = await http(stack.process('catalog').url, 'POST', '/movies', { title: 'Fuzz', price: { amountMinor: 500, currencyCode: 'EUR' }, releaseYear: 2001 }, auth);
  expect(created.status).toBe(201);
  movieId = created.body.movieId;
  await waitFor('the movie in the sales projection', async () => (await http(stack.process('sales').url, 'GET', `/movies/${movieId}`)).status === 200);
});
afterAll(async () => {
  if (admin) await closeConnection(admin);
  await stack?.stop();
});

/** A digest of every key's type and DUMP: any write anywhere changes it. */
async function redisDigest(): Promise<string> {
  const hash = createHash('sha256');
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = (await admin.sendCommand(['SCAN', cursor, 'COUNT', '1000'])) as [Buffer, Buffer[]];
    cursor = next.toString();
    keys.push(...batch.map(String));
  } while (cursor !== '0');
  for (const key of keys.sort()) {
    hash.update(key).update(String(await admin.sendCommand(['TYPE', key])));
    hash.update((await admin.sendCommand(['DUMP', key])) as Buffer);
  }
  return `${keys.length} keys ${hash.digest('hex')}`;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Kind = 'string' | 'integer' | 'object' | 'array';
interface FieldSpec { path: string[]; kind: Kind; required: boolean; invalid: fc.Arbitrary<Json> }

const wrongTypeFor = (kind: Kind): fc.Arbitrary<Json> => {
  const all: Record<string, fc.Arbitrary<Json>> = {
    string: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 5 }),
    integer: fc.integer(),
    float: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
    boolean: fc.boolean(),
    null: fc.constant(null),
    array: fc.array(fc.integer(), { maxLength: 3 }),
    object: fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }).filter((k) => !['__proto__', 'constructor'].includes(k)), fc.integer(), { maxKeys: 2 }),
  };
  const wrong = Object.entries(all).filter(([name]) => name !== kind && !(kind === 'integer' && name === 'integer') && !(kind === 'string' && name === 'string')).map(([, a]) => a);
  return fc.oneof(...wrong);
};
const huge = fc.integer({ min: 1000, max: 30_000 }).map((n) => 'é'.repeat(n));
const oddUnicode = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), fc.constantFrom('ＥＵＲ', 'eur', 'E\u0301UR', '\u202eRUE', '€€€', 'EU', 'EURO', '\u0000EU'));

const money = (prefix: string[], required: boolean): FieldSpec[] => [
  { path: prefix, kind: 'object', required, invalid: wrongTypeFor('object') },
  { path: [...prefix, 'amountMinor'], kind: 'integer', required: true, invalid: fc.oneof(wrongTypeFor('integer'), fc.constantFrom(-1, 1_000_000_000_001, 2 ** 53)) },
  { path: [...prefix, 'currencyCode'], kind: 'string', required: true, invalid: fc.oneof(wrongTypeFor('string'), oddUnicode.filter((s) => !/^[A-Z]{3}$/.test(s)), huge) },
];
const movieFields = (required: boolean): FieldSpec[] => [
  { path: ['title'], kind: 'string', required, invalid: fc.oneof(wrongTypeFor('string'), huge, fc.constant('')) },
  ...money(['price'], required),
  { path: ['genres'], kind: 'array', required: false, invalid: fc.oneof(wrongTypeFor('array'), fc.constant<Json>(['a', 'a']), fc.array(fc.constant<Json>(''), { minLength: 1, maxLength: 2 })) },
  { path: ['releaseYear'], kind: 'integer', required, invalid: fc.oneof(wrongTypeFor('integer'), fc.constantFrom(1887, 2101, 1e9)) },
];

interface Route { name: string; service: 'catalog' | 'sales'; method: string; path: () => string; valid: () => Record<string, Json>; fields: FieldSpec[] }
const routes: Route[] = [
  { name: 'POST /movies', service: 'catalog', method: 'POST', path: () => '/movies', valid: () => ({ title: 'T', price: { amountMinor: 100, currencyCode: 'EUR' }, genres: ['drama'], releaseYear: 2000 }), fields: movieFields(true) },
  {
    name: 'PATCH /movies/:id', service: 'catalog', method: 'PATCH', path: () => `/movies/${movieId}`,
    valid: () => ({ expectedVersion: 1, title: 'T2', price: { amountMinor: 200, currencyCode: 'EUR' } }),
    fields: [{ path: ['expectedVersion'], kind: 'integer', required: true, invalid: fc.oneof(wrongTypeFor('integer'), fc.constantFrom(0, -5, 2 ** 31)) }, ...movieFields(false)],
  },
  {
    name: 'POST /movies/:id/retire', service: 'catalog', method: 'POST', path: () => `/movies/${movieId}/retire`,
    valid: () => ({ reason: 'r', expectedVersion: 1 }),
    fields: [
      { path: ['reason'], kind: 'string', required: false, invalid: fc.oneof(wrongTypeFor('string'), huge) },
      { path: ['expectedVersion'], kind: 'integer', required: false, invalid: fc.oneof(wrongTypeFor('integer'), fc.constantFrom(0, 1.5)) },
    ],
  },
  {
    name: 'POST /purchases', service: 'sales', method: 'POST', path: () => '/purchases',
    valid: () => ({ movieId, customerId: 'c-1', quantity: 1 }),
    fields: [
      { path: ['movieId'], kind: 'string', required: true, invalid: fc.oneof(wrongTypeFor('string'), oddUnicode, huge, fc.uuid().map((u) => u.toUpperCase() + 'x')) },
      { path: ['customerId'], kind: 'string', required: true, invalid: fc.oneof(wrongTypeFor('string'), oddUnicode.filter((s) => !/^[A-Za-z0-9._@+-]+$/.test(s)), huge, fc.constant('')) },
      { path: ['quantity'], kind: 'integer', required: true, invalid: fc.oneof(wrongTypeFor('integer'), fc.constantFrom(0, 101, -1, 2.5)) },
    ],
  },
];

type Mutation = { kind: 'replace'; field: FieldSpec; value: Json } | { kind: 'remove'; field: FieldSpec } | { kind: 'extra'; at: string[]; key: string; value: Json };

function mutationOf(route: Route): fc.Arbitrary<Mutation> {
  const objects = [[], ...route.fields.filter((f) => f.kind === 'object').map((f) => f.path)];
  const pollution = fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString');
  const required = route.fields.filter((f) => f.required);
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...route.fields).chain((field) => field.invalid.map((value): Mutation => ({ kind: 'replace', field, value }))) },
    ...(required.length > 0 ? [{ weight: 1, arbitrary: fc.constantFrom(...required).map((field): Mutation => ({ kind: 'remove', field })) }] : []),
    {
      weight: 2,
      arbitrary: fc.record({
        at: fc.constantFrom(...objects),
        key: fc.oneof(pollution, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 })),
        value: fc.oneof(fc.integer(), fc.constant({ polluted: true }), fc.constant({ prototype: { polluted: true } })),
      }).map((m): Mutation => ({ kind: 'extra', ...m })),
    },
  );
}

/** The JSON text of the mutated body (built as text so `__proto__` stays a plain own key) and the field to blame. */
function apply(route: Route, mutation: Mutation): { text: string; field: string; parserMayBlameBody: boolean } {
  const body = route.valid() as Record<string, any>;
  const parentOf = (path: string[]) => path.slice(0, -1).reduce((node, key) => node[key], body);
  if (mutation.kind === 'replace') parentOf(mutation.field.path)[mutation.field.path.at(-1)!] = mutation.value;
  if (mutation.kind === 'remove') delete parentOf(mutation.field.path)[mutation.field.path.at(-1)!];
  let key = '';
  if (mutation.kind === 'extra') {
    const target = mutation.at.reduce((node, k) => node[k], body) as Record<string, Json>;
    key = Object.hasOwn(target, mutation.key) ? `${mutation.key}_x` : mutation.key;
    target.__herald_marker__ = mutation.value;
  }
  const text = JSON.stringify(body).replace('"__herald_marker__"', JSON.stringify(key));
  const path = mutation.kind === 'extra' ? [...mutation.at, key] : mutation.field.path;
  // secure-json-parse refuses `__proto__` and `constructor.prototype` before validation, naming only the body.
  const parserMayBlameBody = mutation.kind === 'extra' && (key === '__proto__' || key === 'constructor');
  return { text, field: ['body', ...path].join('.'), parserMayBlameBody };
}

async function send(route: Route, text: string, headers: Record<string, string> = auth) {
  const base = route.service === 'catalog' ? stack.process('catalog').url : stack.process('sales').url;
  const response = await fetch(`${base}${route.path()}`, { method: route.method, headers: { 'content-type': 'application/json', ...headers }, body: text });
  return { status: response.status, body: (await response.json()) as { field?: string; message: string; code: string } };
}

async function cheapState(): Promise<string> {
  const lengths = await Promise.all(['catalog:outbox', 'catalog.movie.v1', 'sales:outbox', 'sales.purchase.v1'].map((k) => admin.sendCommand(['XLEN', k])));
  return `${await admin.sendCommand(['DBSIZE'])}/${lengths.join('/')}`;
}

describe('HTTP fuzzing of both services', () => {
  test.each(routes.map((r) => ({ route: r, name: r.name })))('$name: every invalid body gets a 4xx naming the field and writes nothing', async ({ route }) => {
    const before = await redisDigest();
    const quick = await cheapState();
    await fc.assert(
      fc.asyncProperty(mutationOf(route), async (mutation) => {
        const { text, field, parserMayBlameBody } = apply(route, mutation);
        const response = await send(route, text);
        expect(response.status, text.slice(0, 200)).toBeGreaterThanOrEqual(400);
        expect(response.status, text.slice(0, 200)).toBeLessThan(500);
        const named = response.body.field === field || response.body.field?.startsWith(`${field}.`) || (parserMayBlameBody && response.body.field === 'body');
        expect(named ? field : `${response.body.field}: ${response.body.message}`, text.slice(0, 200)).toBe(field);
        expect(await cheapState()).toBe(quick);
      }),
      { numRuns: 120 },
    );
    expect(await redisDigest()).toBe(before);
  });

  test('a wrong path id is refused naming params.id, and nothing is written', async () => {
    const before = await redisDigest();
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => !/^[0-9a-f-]{36}$/i.test(s)), async (id) => {
        const response = await http(stack.process('catalog').url, 'PATCH', `/movies/${encodeURIComponent(id)}`, { expectedVersion: 1, title: 'x' }, auth);
        expect([400, 404]).toContain(response.status);
        if (response.status === 400) expect(response.body.field).toBe('params.id');
      }),
      { numRuns: 60 },
    );
    expect(await redisDigest()).toBe(before);
  });

  test('query strings: every answer is 200 or a 400 naming the parameter, never a 5xx', async () => {
    const value = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.integer().map(String), fc.constantFrom('0', '101', '-1', '1e3', '2026-13-01T00:00:00Z', '9'.repeat(40)));
    const query = fc.oneof(
      fc.record({ path: fc.constant('/movies'), service: fc.constantFrom('catalog', 'sales'), name: fc.constantFrom('limit', 'cursor', 'other'), value }),
      fc.record({ path: fc.constant(`/movies/{id}`), service: fc.constant('catalog'), name: fc.constantFrom('asOf', 'x'), value }),
    );
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const base = q.service === 'catalog' ? stack.process('catalog').url : stack.process('sales').url;
        const response = await http(base, 'GET', `${q.path.replace('{id}', movieId)}?${encodeURIComponent(q.name)}=${encodeURIComponent(q.value)}`);
        expect([200, 400, 404], JSON.stringify(q)).toContain(response.status);
        if (response.status === 400) expect(response.body.field, JSON.stringify(q)).toBe(`query.${q.name}`);
      }),
      { numRuns: 150 },
    );
  });

  test('valid unicode titles are accepted and round-trip unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((t) => t.length <= 200), async (title) => {
        const created = await http(stack.process('catalog').url, 'POST', '/movies', { title, price: { amountMinor: 1, currencyCode: 'EUR' }, releaseYear: 2000 }, auth);
        expect(created.status).toBe(201);
        expect((await http(stack.process('catalog').url, 'GET', `/movies/${created.body.movieId}`)).body.title).toBe(title);
      }),
      { numRuns: 15 },
    );
  });

  test('both services are still up and healthy after the fuzzing', async () => {
    for (const service of [stack.process('catalog'), stack.process('sales')]) {
      expect(service.process?.exitCode).toBeNull();
      expect((await http(service.url, 'GET', '/health')).status).toBe(200);
    }
  });
});

describe('limits and auth', () => {
  test('a body over the 64 KiB limit is refused with 413 on every state-changing route', async () => {
    const before = await redisDigest();
    const oversize = JSON.stringify({ title: 'x'.repeat(70 * 1024), price: { amountMinor: 1, currencyCode: 'EUR' }, releaseYear: 2000 });
    for (const route of routes) expect((await send(route, oversize)).status, route.name).toBe(413);
    expect(await redisDigest()).toBe(before);
  });

  test('state-changing routes need the token; reads do not', async () => {
    const before = await redisDigest();
    for (const route of routes) {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: token }, { authorization: `Basic ${token}` }] as Array<Record<string, string>>) {
        const response = await send(route, JSON.stringify(route.valid()), headers);
        expect(response.status, `${route.name} ${JSON.stringify(headers)}`).toBe(401);
        expect(response.body.field).toBe('headers.authorization');
      }
      // The token is checked before the body is parsed or validated: a stranger learns nothing about the schema.
      for (const text of ['{"unknown":1}', '{"title":', '{"__proto__":{"x":1}}']) {
        const response = await send(route, text, {});
        expect(response.status, `${route.name} ${text}`).toBe(401);
        expect(response.body.field).toBe('headers.authorization');
      }
    }
    expect(await redisDigest()).toBe(before);
    expect((await http(stack.process('catalog').url, 'GET', `/movies/${movieId}`)).status).toBe(200);
    expect((await http(stack.process('sales').url, 'GET', `/movies/${movieId}`)).status).toBe(200);
  });

  test('no token, no Redis password and no guessed token appears in any log line', async () => {
    await send(routes[0]!, JSON.stringify(routes[0]!.valid()), { authorization: 'Bearer guess-0123456789' });
    const logs = stack.all().map((p) => p.output()).join('\n');
    expect(logs.length).toBeGreaterThan(1000); // the services did log requests
    // The one line that names the Redis URL shows it without its password.
    expect(logs.includes('redis=redis://catalog:redacted@') && logs.includes('redis=redis://sales:redacted@')).toBe(true);
    const leaked = [token, passwords.catalog, passwords.sales, 'guess-0123456789'].filter((secret) => logs.includes(secret));
    expect(leaked).toEqual([]);
  });
});
