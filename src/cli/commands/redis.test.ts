// `herald redis setup` against a real redis-server with nothing installed: it installs the functions and
// the service users a deployer needs, after which a service user can FCALL but not EVAL.
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redisTest, type TestRedisServer } from '../../../test/support/redis-fixture.ts';
import { closeConnection, connectRedis, type RedisConnection } from '../../runtime/redis/connection.ts';
import { parseGroups } from '../../runtime/redis/replies.ts';
import { redisUrlFor } from '../redis-acl.ts';
import { command } from './redis.ts';

const root = join(import.meta.dirname, '../../..');
let server: TestRedisServer;
let admin: RedisConnection;
redisTest.override('redisOptions', { scope: 'file' }, { functions: [] });
redisTest.beforeAll(({ redisServer, redis }) => {
  server = redisServer;
  admin = redis;
});

async function run(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  const sink = (append: (text: string) => void) => new Writable({ write(chunk, _encoding, done) { append(String(chunk)); done(); } });
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await command.run(args, { cwd: root, verbose: false, stdout: sink((t) => (stdout += t)), stderr: sink(() => undefined) });
    return { code, stdout };
  } finally {
    process.env = saved;
  }
}

describe('herald redis setup', () => {
  it('prints the libraries it would install without sending anything', async () => {
    const { code, stdout } = await run(['setup', '--print']);
    expect(code).toBe(0);
    for (const name of ['herald', 'catalog', 'reporting', 'sales']) expect(stdout).toContain(`#!lua name=${name}\n`);
    expect(await admin.sendCommand(['FUNCTION', 'LIST'])).toEqual([]);
  });

  it('installs the functions and FCALL-only service users', async () => {
    const passwords = { HERALD_REDIS_CATALOG_PASSWORD: 'c-pw', HERALD_REDIS_SALES_PASSWORD: 's-pw', HERALD_REDIS_REPORTING_PASSWORD: 'r-pw', HERALD_REDIS_READER_PASSWORD: 'read-pw' };
    const { code, stdout } = await run(['setup', '--url', server.url, '--acl'], passwords);
    expect(code).toBe(0);
    expect(stdout).toContain('installed function libraries herald, catalog, reporting, sales');
    expect(stdout).toContain('ACL users catalog, reporting, sales, reader (services: FCALL only');
    // The groups exist before any service starts: service users may not create them.
    expect(stdout).toContain('consumer groups created sales.purchase.v1/reporting, catalog.movie.v1/sales');
    expect(parseGroups(await admin.sendCommand(['XINFO', 'GROUPS', 'catalog.movie.v1'])).map((g) => g.name)).toEqual(['sales']);
    const reader = await connectRedis(redisUrlFor(server.url, 'reader', 'read-pw'));
    try {
      expect(Number(await reader.sendCommand(['XLEN', 'catalog.movie.v1']))).toBe(0);
      await expect(reader.sendCommand(['XADD', 'catalog.movie.v1', '*', 'k', 'v'])).rejects.toThrow(/^NOPERM/);
    } finally {
      await closeConnection(reader);
    }
    const sales = await connectRedis(redisUrlFor(server.url, 'sales', 's-pw'));
    try {
      const applied = await sales.sendCommand(['FCALL', 'sales_apply', '2', 'sales:movies', 'sales:inbox:window', 'm1', 'e1', '1', 'upsert', '{"movieId":"m1","title":"t","price":{"amountMinor":"1","currencyCode":"EUR"},"status":"active","version":1}', '10']);
      expect(String((applied as unknown as unknown[])[0])).toBe('applied');
      await expect(sales.sendCommand(['EVAL', 'return 1', '0'])).rejects.toThrow(/^NOPERM/);
      await expect(sales.sendCommand(['FUNCTION', 'FLUSH'])).rejects.toThrow(/^NOPERM/);
    } finally {
      await closeConnection(sales);
    }
  });

  it('refuses --acl without every service password, and a missing URL, naming what to set', async () => {
    await expect(run(['setup', '--url', server.url, '--acl'], { HERALD_REDIS_CATALOG_PASSWORD: 'x' })).rejects.toMatchObject({ code: 'HERALD_ERR_CONFIG', message: expect.stringContaining('HERALD_REDIS_REPORTING_PASSWORD') });
    const env = { ...process.env };
    delete process.env.REDIS_URL;
    try {
      await expect(run(['setup'])).rejects.toMatchObject({ code: 'HERALD_ERR_CONFIG', message: expect.stringContaining('--url') });
    } finally {
      process.env = env;
    }
  });
});
