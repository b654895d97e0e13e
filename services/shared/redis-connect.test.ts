import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeConnection } from 'herald/runtime';
import { aclConfigLines, adminConfigLine, redisUrlFor } from '../../src/cli/redis-acl.ts';
import { startTestRedis } from '../../test/support/redis.ts';
import { connectServiceRedis } from './redis-connect.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const passwords = { of: (user: string) => `${user}-right-pw` };
let redis: Awaited<ReturnType<typeof startTestRedis>>;
let base: string;
const warnings: string[] = [];
const log = { warn: (_: object, msg: string) => void warnings.push(msg) };

beforeAll(async () => {
  redis = await startTestRedis({ extraConfig: [adminConfigLine('admin-right-pw'), ...aclConfigLines(passwords)], functions: [] });
  base = `redis://127.0.0.1:${redis.port}`;
});
afterAll(async () => redis.cleanup());

async function refusal(url: string): Promise<{ error: Error; ms: number }> {
  const started = Date.now();
  const error = await connectServiceRedis(url, { name: 'test', log, timeoutMs: 10_000 }).then(
    () => { throw new Error('connected with bad credentials'); },
    (e: Error) => e,
  );
  return { error, ms: Date.now() - started };
}

describe('connectServiceRedis with refused credentials', () => {
  it('fails at once on a wrong password, naming the user and not the password', async () => {
    const { error, ms } = await refusal(redisUrlFor(base, 'sales', 'not-the-password'));
    expect(ms).toBeLessThan(2000);
    expect(error.message).toMatch(/refused user "sales": wrong password, unknown user or user disabled \(WRONGPASS\)/);
    expect(error.message).toContain('redis://sales:redacted@127.0.0.1');
    expect(error.message).not.toContain('not-the-password');
    expect(warnings).toEqual([]); // not reported as a reconnect
  });

  it('fails at once when the URL has no password (NOAUTH), naming the default user', async () => {
    const { error, ms } = await refusal(base);
    expect(ms).toBeLessThan(2000);
    expect(error.message).toMatch(/refused user "default": Redis needs a password and REDIS_URL gives none \(NOAUTH\)/);
  });

  it('still connects with the right password', async () => {
    const client = await connectServiceRedis(redisUrlFor(base, 'catalog', passwords.of('catalog')), { name: 'ok', log });
    expect(await client.ping()).toBe('PONG');
    await closeConnection(client);
  });

  it('makes the service process exit at start-up with one line on stderr', async () => {
    const child = spawn(process.execPath, ['--conditions=herald-source', 'services/sales/main.ts'], {
      cwd: root,
      env: { ...process.env, REDIS_URL: redisUrlFor(base, 'sales', 'wrong-pw'), PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', (c) => { clearTimeout(timer); resolve(c); });
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^sales: failed to start: Redis at redis:\/\/sales:redacted@127\.0\.0\.1:\d+\/? refused user "sales": wrong password/);
    expect(stderr).not.toContain('wrong-pw');
  }, 15_000);
});
