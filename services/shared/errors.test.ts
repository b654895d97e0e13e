// Every layer's error registry against docs/errors.md, every registered code raised somewhere, and the
// domain-field mapping of the HTTP layer.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { errorRegistries, HeraldError } from 'herald/runtime';
import { DomainError, serviceErrorCodes } from './errors.ts';
import { registerErrorMapping } from './http-errors.ts';

const root = join(import.meta.dirname, '../..');
const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');
const documented = [...doc.matchAll(/^\| `(HERALD_ERR_\w+)` \| (\d{3}) \| (.+) \|$/gm)].map((m) => ({ code: m[1]!, status: Number(m[2]), meaning: m[3]! }));

/** Source files (not tests) under src/ and services/. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('error codes per layer', () => {
  it('registers the runtime’s and the services’ codes as two layers, sharing no code', () => {
    const layers = errorRegistries();
    expect([...layers.keys()]).toEqual(['runtime', 'services']);
    const all = [...layers.values()].flatMap((table) => Object.keys(table));
    expect(new Set(all).size).toBe(all.length);
    expect(Object.keys(layers.get('runtime')!)).not.toContain('HERALD_ERR_NOT_SELLABLE');
    expect(layers.get('services')).toBe(serviceErrorCodes);
  });

  it('documents every code of every registry once, with its status and meaning, and nothing else', () => {
    const registered = [...errorRegistries().values()].flatMap((table) => Object.entries(table).map(([code, info]) => ({ code, status: info.status, meaning: info.meaning })));
    expect(documented.map((d) => d.code).sort()).toEqual(registered.map((r) => r.code).sort());
    for (const entry of registered) expect(documented.find((d) => d.code === entry.code), entry.code).toEqual(entry);
  });

  it('raises every registered code somewhere, and raises no unregistered one', () => {
    const files = [...sources(join(root, 'src')), ...sources(join(root, 'services'))];
    // Raised: constructed as an error (`new XError('CODE'`, `super('CODE'`, `httpError('CODE'`) or answered (`code: 'CODE'`).
    const raise = /(?:new \w*Error\(|super\(|httpError\(|code: )\s*'(HERALD_ERR_[A-Z_]+)'/g;
    const raised = new Set<string>();
    const mentioned = new Map<string, string[]>();
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const [, code] of text.matchAll(raise)) raised.add(code!);
      for (const [, code] of text.matchAll(/'(HERALD_ERR_[A-Z_]+)'/g)) mentioned.set(code!, [...(mentioned.get(code!) ?? []), relative(root, file)]);
    }
    const registered = [...errorRegistries().values()].flatMap((table) => Object.keys(table));
    for (const code of registered) expect(raised.has(code), `${code} is registered but never raised`).toBe(true);
    for (const [code, where] of mentioned) expect(registered, `${code} is used in ${where.join(', ')} but registered by no layer`).toContain(code);
  });
});

describe('domain errors over HTTP', () => {
  const app = Fastify();
  registerErrorMapping(app);
  app.post('/movies/:id', { config: { fields: { expectedVersion: 'body.expectedVersion', movieId: 'params.id' } } }, async (request) => {
    const { fail } = request.query as { fail: string };
    if (fail === 'version') throw new DomainError('HERALD_ERR_VERSION_CONFLICT', 'movie m1 is at version 3, not 2', { field: 'expectedVersion' });
    if (fail === 'unmapped') throw new DomainError('HERALD_ERR_NOT_SELLABLE', 'movie m1 is retired', { field: 'status' });
    throw new HeraldError('HERALD_ERR_VALIDATION', 'query.fail is odd', { field: 'query.fail' });
  });

  it.each([
    { fail: 'version', expected: { statusCode: 409, code: 'HERALD_ERR_VERSION_CONFLICT', field: 'body.expectedVersion' } },
    { fail: 'other', expected: { statusCode: 400, code: 'HERALD_ERR_VALIDATION', field: 'query.fail' } },
  ])('maps a domain field to the route’s request field ($fail)', async ({ fail, expected }) => {
    expect((await app.inject({ method: 'POST', url: `/movies/m1?fail=${fail}` })).json()).toMatchObject(expected);
  });

  it('leaves out a domain field the route does not map instead of naming a field the client never sent', async () => {
    const body = (await app.inject({ method: 'POST', url: '/movies/m1?fail=unmapped' })).json();
    expect(body).toMatchObject({ statusCode: 409, code: 'HERALD_ERR_NOT_SELLABLE', error: 'Conflict' });
    expect(body).not.toHaveProperty('field');
  });
});
