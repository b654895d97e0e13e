// TLS by configuration: a redis-server with `tls-port` and a self-signed CA made by openssl; the runtime
// connects with a `rediss://` URL and the CA, and an unverified certificate is refused.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort } from '../../cli/redis-server.ts';
import { aclConfigLines, redisUrlFor, resolveRedisPasswords } from '../../cli/redis-acl.ts';
import { startTestRedis, type RedisServer } from '../../../test/support/redis.ts';
import { testChannel } from '../../../test/support/test-channel.ts';
import { createProducer } from './producer.ts';
import { appendConnectionOf } from './append-connection.ts';
import { closeConnection, connectRedis } from './connection.ts';

let server: RedisServer & { cleanup(): Promise<void> };
let certs: string;
let tlsUrl: string;
const passwords = resolveRedisPasswords({});

/** A CA and a server certificate for 127.0.0.1/localhost, valid one day, made by openssl. */
beforeAll(async () => {
  certs = mkdtempSync(join(tmpdir(), 'herald-tls-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: certs, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=herald-test-ca', '-keyout', 'ca.key', '-out', 'ca.crt');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  execFileSync('sh', ['-c', "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext"], { cwd: certs });
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.ext', '-out', 'server.crt');
  const tlsPort = await freePort();
  server = await startTestRedis({
    extraConfig: [
      `tls-port ${tlsPort}`,
      `tls-cert-file ${join(certs, 'server.crt')}`,
      `tls-key-file ${join(certs, 'server.key')}`,
      `tls-ca-cert-file ${join(certs, 'ca.crt')}`,
      'tls-auth-clients no',
      ...aclConfigLines(passwords),
    ],
  });
  tlsUrl = `rediss://127.0.0.1:${tlsPort}`;
});
afterAll(async () => {
  await server.cleanup();
  rmSync(certs, { recursive: true, force: true });
});

describe('TLS (rediss://)', () => {
  test('the runtime publishes over TLS as an ACL user when given the CA', async () => {
    const redis = await connectRedis(redisUrlFor(tlsUrl, 'catalog', passwords.of('catalog')), { name: 'catalog:tls', tls: { ca: readFileSync(join(certs, 'ca.crt')) } });
    const producer = createProducer(redis, testChannel('catalog.movie.v1'), { source: 'herald/catalog' });
    const id = await producer.publish('Ping', { subject: 'm1', seq: 1, blob: new Uint8Array([1, 2]) });
    expect(id).toMatch(/^\d+-\d+$/);
    // The producer's own socket (append-connection.ts) opens with the same TLS options and ACL user.
    const appender = appendConnectionOf(redis)!;
    await expect.poll(() => appender.ready(), { timeout: 5000, interval: 20 }).toBe(true);
    expect(await producer.publish('Ping', { subject: 'm1', seq: 2, blob: new Uint8Array([3]) })).toMatch(/^\d+-\d+$/);
    expect(appender.batches).toBe(1);
    await closeConnection(redis);
  });

  test('a certificate not signed by a trusted CA is refused', async () => {
    const client = createClient({ url: tlsUrl, socket: { tls: true, reconnectStrategy: false } });
    client.on('error', () => undefined);
    await expect(client.connect()).rejects.toThrow(/self-signed|certificate/i);
  });
});

describe('TLS for a service process', () => {
  test('NODE_EXTRA_CA_CERTS is enough: a service needs only REDIS_URL=rediss://... and no code change', () => {
    const script = `import { connectRedis } from 'herald/runtime';
const redis = await connectRedis(process.env.REDIS_URL);
process.stdout.write(String(await redis.ping()));
await redis.close();`;
    const out = execFileSync(process.execPath, ['--conditions=herald-source', '--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '../..'),
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(certs, 'ca.crt'), REDIS_URL: redisUrlFor(tlsUrl, 'sales', passwords.of('sales')) },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(out).toBe('PONG');
  });
});
