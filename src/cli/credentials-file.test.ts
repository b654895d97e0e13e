// The credentials env file of `herald dev`: private, shell-sourceable, and read back by the CLI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { credentialsFileName, readCredentialsFile, resolveCliRedisUrl, writeCredentialsFile } from './credentials-file.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const passwords = { users: new Map([['catalog', 'c-pw'], ['sales', 's-pw']]), admin: "it's (a) $ecret!*", reader: 'r/pw:@#', producer: 'p pw' };

describe('credentials file', () => {
  test('is mode 0600, even over an existing wider file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-cred-'));
    dirs.push(dir);
    writeFileSync(join(dir, credentialsFileName), 'old\n', { mode: 0o644 });
    const path = writeCredentialsFile(dir, 'redis://127.0.0.1:4321', passwords);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  test('a shell that sources it and the CLI read the same URLs, and each URL carries its password', () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-cred-'));
    dirs.push(dir);
    const path = writeCredentialsFile(dir, 'redis://127.0.0.1:4321', passwords);
    const values = readCredentialsFile(path);
    const shell = execFileSync('sh', ['-c', `set -a; . "${path}"; set +a; printf '%s\\n' "$HERALD_REDIS_ADMIN_URL" "$HERALD_REDIS_READER_URL" "$HERALD_REDIS_URL"`], { encoding: 'utf8' });
    expect(shell.split('\n').slice(0, 3)).toEqual([values['HERALD_REDIS_ADMIN_URL'], values['HERALD_REDIS_READER_URL'], values['HERALD_REDIS_URL']]);
    expect(values['HERALD_REDIS_URL']).toBe('redis://127.0.0.1:4321');
    for (const [variable, user, password] of [['HERALD_REDIS_ADMIN_URL', 'default', passwords.admin], ['HERALD_REDIS_READER_URL', 'reader', passwords.reader], ['HERALD_REDIS_PRODUCER_URL', 'producer', passwords.producer]] as const) {
      const url = new URL(values[variable]!);
      expect([decodeURIComponent(url.username), decodeURIComponent(url.password), url.host]).toEqual([user, password, '127.0.0.1:4321']);
    }
  });

  test('the CLI takes --redis, then REDIS_URL, then the file of the data folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'herald-cred-'));
    dirs.push(root);
    const saved = process.env['REDIS_URL'];
    delete process.env['REDIS_URL'];
    try {
      expect(resolveCliRedisUrl(root, 'reader')).toBeUndefined();
      const data = join(root, '.data', 'redis');
      execFileSync('mkdir', ['-p', data]);
      writeCredentialsFile(data, 'redis://127.0.0.1:4321', passwords);
      expect(resolveCliRedisUrl(root, 'reader')?.url).toMatch(/^redis:\/\/reader:/);
      expect(resolveCliRedisUrl(root, 'admin')?.url).toMatch(/^redis:\/\/default:/);
      process.env['REDIS_URL'] = 'redis://elsewhere:6379';
      expect(resolveCliRedisUrl(root, 'reader')?.url).toBe('redis://elsewhere:6379');
      expect(resolveCliRedisUrl(root, 'reader', { redis: 'redis://given:1' })?.url).toBe('redis://given:1');
    } finally {
      if (saved === undefined) delete process.env['REDIS_URL'];
      else process.env['REDIS_URL'] = saved;
    }
  });
});
