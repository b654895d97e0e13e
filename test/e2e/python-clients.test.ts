// Clients in another language, following only the README: its Python snippets, copied verbatim, run
// with Debian's python3 + python3-protobuf + python3-redis + protoc against a real Redis, Catalog and
// Sales. The producer's events must be applied by Sales (its strict dataschema check included); the
// reader must decode Catalog's stream. Credentials come from the file `herald dev` writes.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCredentialsFile } from '../../src/cli/credentials-file.ts';
import { closeConnection, connectRedis } from '../../src/runtime/index.ts';
import { http, startStack, type Stack } from '../support/services.ts';

const repoRoot = join(import.meta.dirname, '..', '..');
const python = '/usr/bin/python3';
const token = 'python-e2e-token';
const passwords = { catalog: 'catalog-py', sales: 'sales-py', reporting: 'reporting-py', admin: 'admin-py', reader: 'reader-py', producer: 'producer-py' };
let stack: Stack;
let work: string;

/** The fenced block right after `<!-- snippet: name -->` in the README. */
function snippet(name: string): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const found = new RegExp(`<!-- snippet: ${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!found) throw new Error(`README.md has no snippet "${name}"`);
  return found[1]!;
}

/** Runs the README's setup lines, then one Python snippet, in the project folder, as a user's shell would. */
function runSnippet(name: string): string {
  writeFileSync(join(work, `${name}.py`), snippet(name));
  writeFileSync(join(work, 'setup.sh'), snippet('python-setup'));
  // `python3` may be a pyenv shim on this machine; the README's packages are Debian's, under /usr/bin.
  const result = spawnSync('bash', ['-c', `set -e; . ./setup.sh; ${python} ${name}.py`], { cwd: work, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${name} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

beforeAll(async () => {
  const missing = spawnSync(python, ['-c', 'import google.protobuf, redis'], { encoding: 'utf8' });
  const protoc = spawnSync('sh', ['-c', 'command -v protoc'], { encoding: 'utf8' });
  if (missing.status !== 0 || !protoc.stdout.trim()) {
    throw new Error('needs Debian python3-protobuf, python3-redis and protobuf-compiler: run `bash scripts/test.sh` (scripts/setup.sh installs them)');
  }
  stack = await startStack({
    env: {
      SERVICE_TOKEN: token,
      HERALD_REDIS_CATALOG_PASSWORD: passwords.catalog, HERALD_REDIS_SALES_PASSWORD: passwords.sales, HERALD_REDIS_REPORTING_PASSWORD: passwords.reporting,
      HERALD_REDIS_READER_PASSWORD: passwords.reader, HERALD_REDIS_PRODUCER_PASSWORD: passwords.producer,
    },
  });
  // A project folder as the README assumes it: proto/, the shipped schema texts, and herald dev's credentials file.
  work = mkdtempSync(join(tmpdir(), 'herald-python-'));
  cpSync(join(repoRoot, 'proto'), join(work, 'proto'), { recursive: true });
  cpSync(join(repoRoot, 'generated', 'contract', 'schemas'), join(work, 'generated', 'contract', 'schemas'), { recursive: true });
  mkdirSync(join(work, '.data', 'redis'), { recursive: true });
  writeCredentialsFile(join(work, '.data', 'redis'), stack.redisUrl, { ...passwords, users: new Map([['catalog', passwords.catalog], ['sales', passwords.sales], ['reporting', passwords.reporting]]) });
});
afterAll(async () => {
  await stack?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('Python clients from the README', () => {
  it('a Python producer publishes a MovieCreated that Sales applies', async () => {
    const movieId = runSnippet('python-producer').trim().split('\n').at(-1)!;
    expect(movieId).toMatch(/^[0-9a-f-]{36}$/);
    await expect.poll(async () => (await http(stack.process('sales').url, 'GET', `/movies/${movieId}`)).body, { timeout: 15_000 })
      .toEqual({ movieId, title: 'Solaris', price: { amountMinor: 999, currencyCode: 'EUR' }, status: 'active', version: 1 });
    const redis = await connectRedis(stack.redisUrl);
    try {
      expect(await redis.sendCommand(['XLEN', 'catalog.movie.v1.dlq'])).toBe(0);
    } finally {
      await closeConnection(redis);
    }
  });

  it("a Python reader decodes Catalog's stream and recognises every dataschema", async () => {
    const created = await http(stack.process('catalog').url, 'POST', '/movies', { title: 'Dune', price: { amountMinor: 1299, currencyCode: 'EUR' }, genres: ['science-fiction'], releaseYear: 2021 }, { authorization: `Bearer ${token}` });
    expect(created.status).toBe(201);
    const renamed = await http(stack.process('catalog').url, 'PATCH', `/movies/${created.body.movieId}`, { expectedVersion: 1, title: 'Dune: Part One' }, { authorization: `Bearer ${token}` });
    expect(renamed.status).toBe(200);
    await expect.poll(() => runSnippet('python-reader'), { timeout: 15_000 }).toMatch(/MovieUpdated sequence 2 title Dune: Part One/);
    const lines = runSnippet('python-reader').trim().split('\n');
    expect(lines.some((l) => / herald\.catalog\.movie\.v1\.MovieCreated sequence 1 title Dune$/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes('skipped'))).toBe(false);
  });
});
