// The credentials `herald dev` generates, handed to their owner: an env file (mode 0600) in the data
// folder with one Redis URL per user, which `herald inspect`, `herald schemas` and the README's snippets
// read. It holds URLs only (strictly percent-encoded, so the file is safe to `source` in a shell and to
// split on the first `=`), and it is written only for a Redis that `herald dev` started itself.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RedisPasswords } from './redis-acl.ts';

export const credentialsFileName = 'credentials.env';
/** The data folder `herald dev` uses by default, relative to the project root. */
export const defaultDataDir = join('.data', 'redis');

/** The people's and tools' users; each service (one per manifest) has its own user too. */
export type CredentialUser = 'admin' | 'reader' | 'producer' | (string & {});

/** The variable holding a user's URL in the file: `HERALD_REDIS_<USER>_URL` (`HERALD_REDIS_ADMIN_URL`, ...). */
export function credentialVariable(user: CredentialUser): string {
  return `HERALD_REDIS_${user.toUpperCase()}_URL`;
}

/** encodeURIComponent leaves !'()* as they are; a shell would not. */
function strictEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function userUrl(baseUrl: string, user: string, password: string): string {
  const url = new URL(baseUrl);
  return `${url.protocol}//${strictEncode(user)}:${strictEncode(password)}@${url.host}`;
}

/** Writes `<dir>/credentials.env` with mode 0600 (also when it existed with a wider mode); returns its path. */
export function writeCredentialsFile(dir: string, baseUrl: string, passwords: Pick<RedisPasswords, 'admin' | 'reader' | 'producer' | 'users'>): string {
  const path = join(dir, credentialsFileName);
  const url = new URL(baseUrl);
  const users: Record<CredentialUser, [string, string]> = {
    admin: ['default', passwords.admin],
    reader: ['reader', passwords.reader],
    producer: ['producer', passwords.producer],
    ...Object.fromEntries([...passwords.users].map(([service, password]) => [service, [service, password]])),
  };
  const lines = [
    '# Written by `herald dev` for its private redis-server; rewritten at every start. Keep it private (mode 0600).',
    '# reader: read-only (streams, dead letters, schema registry). producer: XADD to the contract\'s channels.',
    '# admin: everything (the default user). Shell: set -a; . ./credentials.env; set +a. Python: see README.',
    `HERALD_REDIS_URL=${url.protocol}//${url.host}`,
    ...Object.entries(users).map(([name, [user, password]]) => `${credentialVariable(name)}=${userUrl(baseUrl, user, password)}`),
  ];
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

/** The variables of a credentials file (lines `NAME=value`; comments and blank lines skipped). */
export function readCredentialsFile(path: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const at = line.indexOf('=');
    if (line.startsWith('#') || at <= 0) continue;
    values[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return values;
}

/**
 * The Redis URL a CLI command uses: `--redis`, else REDIS_URL, else `user`'s URL from the credentials
 * file of the data folder (`--data`, default .data/redis under the working directory). Undefined when none.
 */
export function resolveCliRedisUrl(cwd: string, user: CredentialUser, options: { redis?: string | undefined; data?: string | undefined } = {}): { url: string; from: string } | undefined {
  if (options.redis) return { url: options.redis, from: '--redis' };
  if (process.env['REDIS_URL']) return { url: process.env['REDIS_URL'], from: 'REDIS_URL' };
  const path = join(resolve(cwd, options.data ?? defaultDataDir), credentialsFileName);
  if (!existsSync(path)) return undefined;
  const url = readCredentialsFile(path)[credentialVariable(user)];
  return url ? { url, from: path } : undefined;
}
