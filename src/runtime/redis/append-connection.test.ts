// The producer's own socket (append-connection.ts): what it writes is exactly what node-redis writes,
// Redis' errors, a killed connection, WAIT, the database of the URL and closing behave as on node-redis,
// and a publish goes through node-redis whenever that socket is not ready.
import { describe, expect } from 'vitest';
import { redisTest as test } from '../../../test/support/redis-fixture.ts';
import { testChannel } from '../../../test/support/test-channel.ts';
import { isHeraldError } from '../core/errors.ts';
import { appendConnectionOf } from './append-connection.ts';
import { closeConnection, connectRedis, type RedisConnection } from './connection.ts';
import { APPEND_CHUNK, createProducer } from './producer.ts';

const poll = { timeout: 5000, interval: 20 };
const ping = (seq: number) => ({ subject: 's', seq, blob: new Uint8Array([0, 1, 2, 255, 13, 10]) });

/** Polls until the connection's own socket is ready, so the next publish goes through it. */
async function appenderReady(redis: RedisConnection) {
  const appender = appendConnectionOf(redis)!;
  await expect.poll(() => appender.ready(), poll).toBe(true);
  return appender;
}

async function fieldsOf(redis: RedisConnection, stream: string): Promise<string[][]> {
  const reply = (await redis.sendCommand(['XRANGE', stream, '-', '+'])) as Array<[Buffer, Buffer[]]>;
  return reply.map(([, fields]) => fields.map((value) => value.toString('base64')));
}

/** The ids of the other clients of the server named `name`. */
async function clientIds(redis: RedisConnection, name: string): Promise<string[]> {
  const list = String(await redis.sendCommand(['CLIENT', 'LIST']));
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).map((line) => /id=(\d+)/.exec(line)![1]!);
}

describe("the producer's own socket", () => {
  test('writes byte for byte the entry node-redis writes (non-ASCII attributes, every optional one)', async ({ redisServer }) => {
    const redis = await connectRedis(redisServer.url, { name: 'append-same' });
    try {
      const channel = testChannel('append.same');
      const producer = createProducer(redis, channel, { source: 'herald/tëst' });
      const options = {
        id: '0193a5b2-7c1d-7e3f-8a9b-000000000001',
        time: new Date('2026-12-02T10:00:00.000Z'),
        subject: 'film-é-🎬',
        sequence: 7n,
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        tracestate: 'k=v',
        correlationId: 'corr-ü',
        causationId: 'cause-1',
      };
      const appender = appendConnectionOf(redis)!;
      expect(appender.ready()).toBe(false); // the first publish goes through node-redis
      await producer.publish('Ping', ping(1), options);
      expect(appender.batches).toBe(0);
      await appenderReady(redis);
      await producer.publish('Ping', ping(1), options);
      await producer.publishBatch([{ name: 'Ping', data: ping(1), options }, { name: 'Pong', data: { subject: 's', note: 'ñ' }, options }]);
      expect(appender.batches).toBe(2);
      const [viaClient, viaSocket, inBatch, pong] = await fieldsOf(redis, 'append.same');
      expect(viaClient).toContain(Buffer.from('film-é-🎬').toString('base64'));
      expect(viaSocket).toEqual(viaClient);
      expect(inBatch).toEqual(viaClient);
      expect(pong).toContain(Buffer.from('herald.test.v1.Pong').toString('base64'));
    } finally {
      await closeConnection(redis);
    }
  });

  test('a batch of several chunks: ids in entry order; one oversize event in a later chunk publishes nothing', async ({ redis }) => {
    const producer = createProducer(redis, testChannel('append.chunks'), { source: 'herald/test', maxEventBytes: 4096 });
    const appender = await appenderReady(redis);
    const batch = (size: number, oversizeAt = -1) =>
      Array.from({ length: size }, (_, i) => ({ name: 'Ping' as const, data: { subject: 's', seq: i, blob: new Uint8Array(i === oversizeAt ? 5000 : 8) } }));
    const before = appender.batches;
    await expect(producer.publishBatch(batch(3 * APPEND_CHUNK + 5, 2 * APPEND_CHUNK + 3))).rejects.toThrow(/accepts at most 4096/);
    expect(appender.batches).toBe(before);
    expect(await redis.sendCommand(['XLEN', 'append.chunks'])).toBe(0);
    const ids = await producer.publishBatch(batch(3 * APPEND_CHUNK + 5));
    expect(appender.batches).toBe(before + 4);
    const entries = (await redis.sendCommand(['XRANGE', 'append.chunks', '-', '+'])) as Array<[Buffer, Buffer[]]>;
    expect(entries.map(([id]) => id.toString())).toEqual(ids);
  });

  test("a Redis error reply fails the publish with Redis' error, and the next one goes on", async ({ redis }) => {
    const producer = createProducer(redis, testChannel('append.wrongtype'), { source: 'herald/test' });
    await redis.sendCommand(['SET', 'append.wrongtype', 'not a stream']);
    const appender = await appenderReady(redis);
    const before = appender.batches;
    await expect(producer.publishBatch([{ name: 'Ping', data: ping(1) }, { name: 'Ping', data: ping(2) }])).rejects.toThrow(/^WRONGTYPE/);
    expect(appender.batches).toBe(before + 1);
    await redis.sendCommand(['DEL', 'append.wrongtype']);
    await producer.publish('Ping', ping(3));
    expect(await redis.sendCommand(['XLEN', 'append.wrongtype'])).toBe(1);
  });

  test('a killed connection fails the batch in flight; publishing goes on through node-redis, then the new socket', async ({ redisServer, redis: admin }) => {
    const redis = await connectRedis(redisServer.url, { name: 'append-killed' });
    try {
      const producer = createProducer(redis, testChannel('append.killed'), { source: 'herald/test' });
      const appender = await appenderReady(redis);
      const mainId = String(await redis.sendCommand(['CLIENT', 'ID']));
      const [ownId] = (await clientIds(admin, 'append-killed')).filter((id) => id !== mainId);
      expect(ownId).toBeDefined();
      // Writes paused: the batch is written and waits for its replies while the socket is killed.
      await admin.sendCommand(['CLIENT', 'PAUSE', '5000', 'WRITE']);
      const inFlight = producer.publishBatch([{ name: 'Ping', data: ping(1) }, { name: 'Ping', data: ping(2) }]);
      // Handled from now on: the socket can close before CLIENT KILL's own reply arrives.
      const failed = expect(inFlight).rejects.toThrow(/Socket closed unexpectedly/);
      await expect.poll(() => appender.inFlight, poll).toBe(1);
      await admin.sendCommand(['CLIENT', 'KILL', 'ID', ownId!]);
      await failed;
      await admin.sendCommand(['CLIENT', 'UNPAUSE']);
      // The next publish goes through node-redis while the socket reconnects, then through the new socket.
      const batches = appender.batches;
      await producer.publish('Ping', ping(3));
      expect(appender.batches).toBe(batches);
      await appenderReady(redis);
      await producer.publish('Ping', ping(4));
      expect(appender.batches).toBe(batches + 1);
      expect(await admin.sendCommand(['XLEN', 'append.killed'])).toBe(2);
    } finally {
      await admin.sendCommand(['CLIENT', 'UNPAUSE']);
      await closeConnection(redis);
    }
  });

  test('WAIT goes on the same socket: no replica confirming fails the publish with HERALD_ERR_NOT_REPLICATED', async ({ redis }) => {
    const producer = createProducer(redis, testChannel('append.wait'), { source: 'herald/test', waitForReplicas: { replicas: 1, timeoutMs: 20 } });
    const appender = await appenderReady(redis);
    const before = appender.batches;
    const error = await producer.publishBatch([{ name: 'Ping', data: ping(1) }, { name: 'Ping', data: ping(2) }]).catch((e: unknown) => e);
    expect(isHeraldError(error) && error.code).toBe('HERALD_ERR_NOT_REPLICATED');
    expect(String(error)).toMatch(/XADD append\.wait and 1 more reached 0 of 1 replica/);
    expect(appender.batches).toBe(before + 1);
  });

  test("the URL's database holds the entries, and closing the connection closes the producer's socket", async ({ redisServer, redis: admin }) => {
    const redis = await connectRedis(`${redisServer.url}/3`, { name: 'append-db' });
    const producer = createProducer(redis, testChannel('append.db'), { source: 'herald/test' });
    const appender = await appenderReady(redis);
    await producer.publish('Ping', ping(1));
    expect(appender.batches).toBe(1);
    expect(await redis.sendCommand(['XLEN', 'append.db'])).toBe(1);
    expect(await admin.sendCommand(['XLEN', 'append.db'])).toBe(0); // database 0
    expect(await clientIds(admin, 'append-db')).toHaveLength(2);
    await closeConnection(redis);
    await expect.poll(() => clientIds(admin, 'append-db'), poll).toHaveLength(0);
  });
});
