// The per-service Redis ACL users against a real redis-server: each service is refused outside its
// rights and allowed everything the runtime does on its behalf (publish, trim, consume, reclaim, DLQ).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, describe, expect, test } from 'vitest';
import { redisTest, type TestRedisServer } from '../../test/support/redis-fixture.ts';
import { testChannel } from '../../test/support/test-channel.ts';
import { createConsumer } from '../runtime/redis/consumer.ts';
import { DeadLetterError } from '../runtime/core/errors.ts';
import { createProducer } from '../runtime/redis/producer.ts';
import { closeConnection, connectRedis, type RedisConnection } from '../runtime/redis/connection.ts';
import { parseEntries } from '../runtime/redis/replies.ts';
import { loadContract } from '../codegen/contract.ts';
import { aclConfigLines, createConsumerGroups, redisUrlFor, resolveRedisPasswords, serviceAccess } from './redis-acl.ts';
import { readServiceManifests } from './service-manifests.ts';
import { setTimeout as sleep } from 'node:timers/promises';

let server: TestRedisServer;
let admin: RedisConnection;
let catalog: RedisConnection;
let sales: RedisConnection;
const passwords = resolveRedisPasswords({});

redisTest.override('redisOptions', { scope: 'file' }, { extraConfig: aclConfigLines(passwords) });
redisTest.beforeAll(async ({ redisServer, redis }) => {
  server = redisServer;
  admin = redis;
  catalog = await connectRedis(redisUrlFor(server.url, 'catalog', passwords.of('catalog')), { name: 'catalog:test' });
  sales = await connectRedis(redisUrlFor(server.url, 'sales', passwords.of('sales')), { name: 'sales:test' });
  await createConsumerGroups(admin); // the deployer's step
  await admin.sendCommand(['XADD', 'catalog.movie.v1.dlq', '*', 'x-dlq-reason', 'rejected']);
  await admin.sendCommand(['SET', 'sales:purchase:p1', '{"secret":true}']);
  await admin.sendCommand(['RPUSH', 'catalog:movie:m1:events', '{}']);
});
afterAll(async () => {
  for (const client of [catalog, sales]) await closeConnection(client).catch(() => undefined);
});

const attempt = async (client: RedisConnection, command: string[]): Promise<string> => {
  try {
    await client.sendCommand(command);
    return 'allowed';
  } catch (error) {
    return String((error as Error).message).startsWith('NOPERM') || /can't access/.test(String(error)) ? 'refused' : `error: ${String(error)}`;
  }
};

describe('Redis ACL users per service', () => {
  test('each service with a manifest gets a user that sends and receives exactly the channels the contract parser gives it', async () => {
    const root = join(import.meta.dirname, '../..');
    const contract = await loadContract(root);
    const address = (id: string) => contract.channels.find((c) => c.id === id)!.address;
    const manifests = readServiceManifests(root).map((m) => m.name);
    const fromContract = Object.fromEntries(contract.services.filter((s) => manifests.includes(s.name)).map((s) => [s.name, { sends: s.sends.map(address).sort(), receives: s.receives.map(address).sort() }]));
    const fromAcl = Object.fromEntries(serviceAccess(root).map((a) => [a.name, { sends: a.sends, receives: a.receives }]));
    expect(fromAcl).toEqual(fromContract);
    expect(Object.keys(fromAcl).sort()).toEqual([...manifests].sort());
  });

  test('the ACL module names no service and no stream: both come from manifests and the contract', async () => {
    const source = readFileSync(join(import.meta.dirname, 'redis-acl.ts'), 'utf8');
    const contract = await loadContract(join(import.meta.dirname, '../..'));
    for (const name of [...contract.services.map((s) => s.name), ...contract.channels.map((c) => c.address)]) {
      expect(source, name).not.toMatch(new RegExp(`['"\`]${name.replace(/\./g, '\\.')}`));
    }
  });

  const table: Array<{ user: 'catalog' | 'sales'; command: string[]; expect: 'allowed' | 'refused' }> = [
    { user: 'catalog', command: ['XADD', 'catalog.movie.v1', '*', 'k', 'v'], expect: 'allowed' },
    { user: 'catalog', command: ['LRANGE', 'catalog:movie:m1:events', '0', '-1'], expect: 'allowed' },
    { user: 'catalog', command: ['GET', 'sales:purchase:p1'], expect: 'refused' },
    { user: 'catalog', command: ['HGETALL', 'sales:movies'], expect: 'refused' },
    { user: 'catalog', command: ['XADD', 'sales.purchase.v1', '*', 'k', 'v'], expect: 'refused' },
    { user: 'catalog', command: ['XREADGROUP', 'GROUP', 'x', 'c', 'STREAMS', 'sales.purchase.v1', '>'], expect: 'refused' },
    { user: 'catalog', command: ['KEYS', '*'], expect: 'refused' },
    { user: 'catalog', command: ['SCAN', '0'], expect: 'refused' },
    { user: 'catalog', command: ['FLUSHALL'], expect: 'refused' },
    { user: 'catalog', command: ['CONFIG', 'GET', 'requirepass'], expect: 'refused' },
    { user: 'catalog', command: ['ACL', 'LIST'], expect: 'refused' },
    { user: 'sales', command: ['XADD', 'catalog.movie.v1', '*', 'k', 'v'], expect: 'refused' },
    { user: 'sales', command: ['XTRIM', 'catalog.movie.v1', 'MAXLEN', '0'], expect: 'refused' },
    { user: 'sales', command: ['XDEL', 'catalog.movie.v1', '0-1'], expect: 'refused' },
    { user: 'sales', command: ['DEL', 'catalog.movie.v1'], expect: 'refused' },
    { user: 'sales', command: ['XGROUP', 'DESTROY', 'catalog.movie.v1', 'sales'], expect: 'refused' },
    { user: 'sales', command: ['XGROUP', 'SETID', 'catalog.movie.v1', 'sales', '0'], expect: 'refused' },
    { user: 'sales', command: ['LRANGE', 'catalog:movie:m1:events', '0', '-1'], expect: 'refused' },
    { user: 'sales', command: ['EVAL', "return redis.call('XADD', KEYS[1], '*', 'k', 'v')", '1', 'catalog.movie.v1'], expect: 'refused' },
    { user: 'sales', command: ['EVAL', "return redis.call('XADD', 'catalog.movie.v1', '*', 'k', 'v')", '0'], expect: 'refused' },
    // Only the deployer creates groups: a rogue group would hold retention back.
    { user: 'sales', command: ['XGROUP', 'CREATE', 'catalog.movie.v1', 'evil-group', '0'], expect: 'refused' },
    { user: 'sales', command: ['XGROUP', 'CREATE', 'sales:own-stream', 'g', '0', 'MKSTREAM'], expect: 'refused' },
    // Dead letters are data: a service appends and reads, only an operator deletes or trims.
    { user: 'sales', command: ['XTRIM', 'catalog.movie.v1.dlq', 'MAXLEN', '0'], expect: 'refused' },
    { user: 'sales', command: ['XDEL', 'catalog.movie.v1.dlq', '0-1'], expect: 'refused' },
    { user: 'sales', command: ['DEL', 'catalog.movie.v1.dlq'], expect: 'refused' },
    { user: 'sales', command: ['EVAL', "return redis.call('XTRIM', KEYS[1], 'MAXLEN', 0)", '1', 'catalog.movie.v1.dlq'], expect: 'refused' },
    { user: 'sales', command: ['XRANGE', 'catalog.movie.v1.dlq', '-', '+', 'COUNT', '1'], expect: 'allowed' },
    { user: 'catalog', command: ['XTRIM', 'catalog.movie.v1.dlq', 'MAXLEN', '0'], expect: 'refused' },
    { user: 'catalog', command: ['XTRIM', 'catalog.movie.v1', 'MAXLEN', '~', '1000000'], expect: 'allowed' },
    { user: 'sales', command: ['XREADGROUP', 'GROUP', 'sales', 's1', 'COUNT', '1', 'STREAMS', 'catalog.movie.v1', '>'], expect: 'allowed' },
    { user: 'sales', command: ['XAUTOCLAIM', 'catalog.movie.v1', 'sales', 's1', '0', '0-0', 'COUNT', '1'], expect: 'allowed' },
    { user: 'sales', command: ['XACK', 'catalog.movie.v1', 'sales', '0-1'], expect: 'allowed' },
    { user: 'sales', command: ['XRANGE', 'catalog.movie.v1', '-', '+', 'COUNT', '1'], expect: 'allowed' },
    { user: 'sales', command: ['XADD', 'catalog.movie.v1.dlq', '*', 'k', 'v'], expect: 'allowed' },
    { user: 'sales', command: ['XADD', 'sales.purchase.v1', '*', 'k', 'v'], expect: 'allowed' },
    { user: 'sales', command: ['SET', 'sales:purchase:p2', '{}', 'NX'], expect: 'allowed' },
    { user: 'sales', command: ['FLUSHDB'], expect: 'refused' },
    // Server-side code: only the installed functions, never a script body (a busy loop would freeze Redis).
    { user: 'sales', command: ['EVAL', 'local i=0 while i<960000000 do i=i+1 end', '0'], expect: 'refused' },
    { user: 'sales', command: ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'], expect: 'refused' },
    { user: 'sales', command: ['SCRIPT', 'LOAD', 'return 1'], expect: 'refused' },
    { user: 'sales', command: ['FUNCTION', 'LOAD', '#!lua name=evil\nredis.register_function("evil", function() return 1 end)'], expect: 'refused' },
    { user: 'catalog', command: ['FUNCTION', 'FLUSH'], expect: 'refused' },
    { user: 'catalog', command: ['FUNCTION', 'DELETE', 'catalog'], expect: 'refused' },
    { user: 'sales', command: ['FCALL', 'sales_apply', '2', 'sales:movies', 'sales:inbox:window', 'm9', 'e9', '1', 'upsert', '{"movieId":"m9","title":"t","price":{"amountMinor":"1","currencyCode":"EUR"},"status":"active","version":1}', '10'], expect: 'allowed' },
    { user: 'catalog', command: ['FCALL', 'sales_apply', '2', 'sales:movies', 'sales:inbox:window', 'm9', 'e9', '1', 'upsert', '{}', '10'], expect: 'refused' },
  ];
  test.each(table.map((row) => ({ ...row, name: row.command.slice(0, 3).join(' ').slice(0, 40) })))('$user: $name is $expect', async ({ user, command, expect: verdict }) => {
    expect(await attempt(user === 'catalog' ? catalog : sales, command)).toBe(verdict);
  });

  test('a wrong password is refused', async () => {
    // connectRedis retries for ever (a service must outlive a Redis restart), so try once with a bare client.
    const intruder = createClient({ url: redisUrlFor(server.url, 'sales', 'guess'), socket: { reconnectStrategy: false } });
    intruder.on('error', () => undefined);
    await expect(intruder.connect()).rejects.toThrow(/WRONGPASS|invalid username-password/);
  });

  test('the config file holds password hashes only, never a password', () => {
    const config = readFileSync(join(server.dir, 'redis.conf'), 'utf8');
    expect(config).toMatch(/^user sales reset on #[0-9a-f]{64} /m);
    for (const password of passwords.users.values()) expect(config).not.toContain(password);
  });

  test('the runtime works within the rights: publish and trim, consume, reclaim, dead-letter, stats', async () => {
    const movies = testChannel('catalog.movie.v1');
    const purchases = testChannel('sales.purchase.v1');
    // trimEvery 1 runs the safe-trim Lua script (XINFO, XPENDING, XTRIM inside EVAL) on every publish.
    const catalogProducer = createProducer(catalog, movies, { source: 'herald/catalog', maxLen: 5, trimEvery: 1 });
    const salesProducer = createProducer(sales, purchases, { source: 'herald/sales', maxLen: 5, trimEvery: 1 });
    for (let seq = 1; seq <= 12; seq++) await catalogProducer.publish('Ping', { subject: `m${seq % 3}`, seq, blob: new Uint8Array() });
    await salesProducer.publish('Pong', { subject: 'p1', note: 'bought' });
    // A first consumer reads some entries and dies without acking: the second one must reclaim them.
    await sales.sendCommand(['XREADGROUP', 'GROUP', 'sales', 'dead', 'COUNT', '3', 'STREAMS', 'catalog.movie.v1', '>']);
    const seen: number[] = [];
    const loopErrors: unknown[] = [];
    const consumer = createConsumer(sales, movies, {
      group: 'sales', consumer: 'live',
      config: { blockMs: 20, claimIntervalMs: 50, minIdleMs: 100, retryBackoffMs: 1 },
      logger: { info() {}, warn() {}, error: (o) => loopErrors.push(o) },
      handlers: {
        Ping: (e) => {
          if (e.data.seq === 7) throw new DeadLetterError('rejected', 'seven is refused');
          seen.push(e.data.seq);
        },
        Pong: () => {},
      },
    });
    await consumer.start();
    const retained = parseEntries(await admin.sendCommand(['XRANGE', 'catalog.movie.v1', '-', '+'])).length;
    const deadline = Date.now() + 10_000;
    while ((await consumer.stats()).pending + ((await consumer.stats()).lag ?? 1) > 0 && Date.now() < deadline) await sleep(20);
    const stats = await consumer.stats();
    await consumer.stop();
    expect(loopErrors).toEqual([]);
    expect(stats).toMatchObject({ pending: 0, lag: 0 });
    expect(seen.length + stats.deadLettered).toBe(retained);
    const letters = parseEntries(await admin.sendCommand(['XRANGE', 'catalog.movie.v1.dlq', '-', '+'])).filter((l) => l.fields.has('x-dlq-stream'));
    expect(letters.map((l) => l.fields.get('x-dlq-reason')?.toString()).sort()).toEqual(['invalid-envelope', 'rejected']);
  });
});

describe('Redis ACL users for people and tools', () => {
  const rows: Array<{ user: 'reader' | 'producer' | 'sales'; command: string[]; expect: 'allowed' | 'refused' }> = [
    { user: 'reader', command: ['XRANGE', 'catalog.movie.v1', '-', '+', 'COUNT', '1'], expect: 'allowed' },
    { user: 'reader', command: ['XREAD', 'COUNT', '1', 'STREAMS', 'sales.purchase.v1', '0'], expect: 'allowed' },
    { user: 'reader', command: ['XRANGE', 'catalog.movie.v1.dlq', '-', '+'], expect: 'allowed' },
    { user: 'reader', command: ['XINFO', 'GROUPS', 'catalog.movie.v1'], expect: 'allowed' },
    { user: 'reader', command: ['HGETALL', 'herald:schemas:herald.catalog.movie.v1.MovieCreated'], expect: 'allowed' },
    { user: 'reader', command: ['SCAN', '0', 'TYPE', 'stream'], expect: 'allowed' },
    { user: 'reader', command: ['XADD', 'catalog.movie.v1', '*', 'k', 'v'], expect: 'refused' },
    { user: 'reader', command: ['XREADGROUP', 'GROUP', 'sales', 'r', 'COUNT', '1', 'STREAMS', 'catalog.movie.v1', '>'], expect: 'refused' },
    { user: 'reader', command: ['XGROUP', 'SETID', 'catalog.movie.v1', 'sales', '0'], expect: 'refused' },
    { user: 'reader', command: ['HSET', 'herald:schemas:x', 'f', 'v'], expect: 'refused' },
    { user: 'reader', command: ['GET', 'sales:purchase:p1'], expect: 'refused' },
    { user: 'reader', command: ['LRANGE', 'catalog:movie:m1:events', '0', '-1'], expect: 'refused' },
    { user: 'producer', command: ['XADD', 'catalog.movie.v1', '*', 'k', 'v'], expect: 'allowed' },
    { user: 'producer', command: ['XADD', 'sales.purchase.v1', '*', 'k', 'v'], expect: 'allowed' },
    { user: 'producer', command: ['HGET', 'herald:schemas:herald.catalog.movie.v1.MovieCreated', '0000000000000000'], expect: 'allowed' },
    { user: 'producer', command: ['XRANGE', 'catalog.movie.v1', '-', '+'], expect: 'refused' },
    { user: 'producer', command: ['XDEL', 'catalog.movie.v1', '0-1'], expect: 'refused' },
    { user: 'producer', command: ['XADD', 'catalog:movie:m1:events', '*', 'k', 'v'], expect: 'refused' },
    { user: 'producer', command: ['HSET', 'herald:schemas:x', 'f', 'v'], expect: 'refused' },
    { user: 'sales', command: ['HEXISTS', 'herald:schemas:herald.catalog.movie.v1.MovieCreated', '0000000000000000'], expect: 'allowed' },
    { user: 'sales', command: ['HSET', 'herald:schemas:herald.catalog.movie.v1.MovieCreated', '0000000000000000', 'x'], expect: 'refused' },
  ];
  test.each(rows.map((row) => ({ ...row, name: row.command.slice(0, 3).join(' ').slice(0, 48) })))('$user: $name is $expect', async ({ user, command, expect: verdict }) => {
    const client = user === 'sales' ? sales : await connectRedis(redisUrlFor(server.url, user, passwords[user]), { name: `${user}:test` });
    try {
      expect(await attempt(client, command)).toBe(verdict);
    } finally {
      if (client !== sales) await closeConnection(client);
    }
  });
});
