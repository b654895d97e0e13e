// Dead letters are data and groups belong to the deployer: the DLQ is never trimmed by the runtime
// (reaching its limit is an alarm in stats), a consumer whose user may not create its group says so,
// and a group that stopped reading no longer holds retention back.
import { describe, expect, it } from 'vitest';
import { aclConfigLines, redisUrlFor, resolveRedisPasswords } from '../../cli/redis-acl.ts';
import { redisTest, type TestRedisServer } from '../../../test/support/redis-fixture.ts';
import { testChannel } from '../../../test/support/test-channel.ts';
import { createConsumer } from './consumer.ts';
import { DeadLetterError } from '../core/errors.ts';
import { createProducer } from './producer.ts';
import { closeConnection, connectRedis, type RedisConnection } from './connection.ts';
import { trimSafely } from './retention.ts';
import { setTimeout as sleep } from 'node:timers/promises';

let server: TestRedisServer;
let admin: RedisConnection;
const passwords = resolveRedisPasswords({});

redisTest.override('redisOptions', { scope: 'file' }, { extraConfig: aclConfigLines(passwords) });
redisTest.beforeAll(({ redisServer, redis }) => {
  server = redisServer;
  admin = redis;
});

const until = (check: () => Promise<boolean>) => expect.poll(check, { timeout: 10_000, interval: 20 }).toBe(true);

describe('dead letters and groups', () => {
  it('keeps every dead letter past deadLetterMaxLen and raises the alarm instead of evicting', async () => {
    // Small stream nodes: an approximate MAXLEN ~ 10 would really trim these 50 entries.
    await admin.sendCommand(['CONFIG', 'SET', 'stream-node-max-entries', '4']);
    const channel = testChannel('herald.test.dlq-kept');
    const producer = createProducer(admin, channel, { source: 'test' });
    const consumer = createConsumer(admin, channel, {
      group: 'g', consumer: 'c', config: { blockMs: 20, deadLetterMaxLen: 10 },
      handlers: { Ping: () => { throw new DeadLetterError('rejected', 'junk'); }, Pong: () => {} },
    });
    await consumer.start();
    try {
      for (let seq = 0; seq < 50; seq++) await producer.publish('Ping', { subject: `s${seq}`, seq, blob: new Uint8Array() });
      await until(async () => (await consumer.stats()).deadLettered === 50);
      const stats = await consumer.stats();
      expect(stats).toMatchObject({ deadLettered: 50, deadLetters: 50, deadLetterAlarm: true });
      expect(Number(await admin.sendCommand(['XLEN', 'herald.test.dlq-kept.dlq']))).toBe(50);
    } finally {
      await consumer.stop();
      await admin.sendCommand(['CONFIG', 'SET', 'stream-node-max-entries', '100']);
    }
  });

  it('tells a service user it may not create its group, and starts once the deployer created it', async () => {
    const channel = testChannel('catalog.movie.v1');
    const sales = await connectRedis(redisUrlFor(server.url, 'sales', passwords.of('sales')));
    const consumer = createConsumer(sales, channel, { group: 'sales', consumer: 's1', config: { blockMs: 20 }, handlers: { Ping: () => {}, Pong: () => {} } });
    try {
      await expect(consumer.start()).rejects.toThrow(/consumer group sales on catalog.movie.v1 does not exist and this Redis user may not create it/);
      await admin.sendCommand(['XGROUP', 'CREATE', 'catalog.movie.v1', 'sales', '0', 'MKSTREAM']);
      await consumer.start();
      expect((await consumer.stats()).running).toBe(true);
    } finally {
      await consumer.stop();
      await closeConnection(sales);
    }
  });

  it('stops waiting for a group whose readers have all gone idle, but waits for one nobody has read yet', async () => {
    const stream = 'herald.test.stalled';
    const producer = createProducer(admin, testChannel(stream), { source: 'test' });
    for (let seq = 0; seq < 100; seq++) await producer.publish('Ping', { subject: 's', seq, blob: new Uint8Array() });
    // A fresh group nobody has read yet holds everything back.
    await admin.sendCommand(['XGROUP', 'CREATE', stream, 'fresh', '0']);
    expect(await trimSafely(admin, stream, 10, 10_000, 50)).toBe(0);
    // Once it has a reader who then stops (idle past the limit), it no longer does.
    await admin.sendCommand(['XREADGROUP', 'GROUP', 'fresh', 'reader', 'COUNT', '5', 'STREAMS', stream, '>']);
    expect(await trimSafely(admin, stream, 10, 10_000, 60_000)).toBe(0);
    await sleep(120);
    expect(await trimSafely(admin, stream, 10, 10_000, 50)).toBe(90);
  });
});
