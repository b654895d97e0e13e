// The event size limit: the producer refuses an oversize event with a typed error and publishes nothing
// of its batch; the consumer dead-letters an oversize entry that reached the stream some other way.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestRedis, type RedisServer } from '../../../test/support/redis.ts';
import { testChannel } from '../../../test/support/test-channel.ts';
import { createConsumer } from './consumer.ts';
import { isHeraldError } from '../core/errors.ts';
import { defaultMaxEventBytes, eventSize } from '../core/event-size.ts';
import { createProducer } from './producer.ts';
import { closeConnection, connectRedis, type RedisConnection } from './connection.ts';
import { parseEntries } from './replies.ts';

let server: RedisServer & { cleanup(): Promise<void> };
let redis: RedisConnection;

beforeAll(async () => {
  server = await startTestRedis();
  redis = await connectRedis(server.url);
});
afterAll(async () => {
  await closeConnection(redis);
  await server.cleanup();
});

const xlen = async (stream: string) => Number(await redis.sendCommand(['XLEN', stream]));

describe('event size limit', () => {
  test('measures all field names and values in bytes', () => {
    expect(eventSize(['type', 'é', 'data', Buffer.alloc(10)])).toBe(4 + 2 + 4 + 10);
    expect(eventSize(new Map([['data', Buffer.alloc(3)]]))).toBe(7);
  });

  test('the producer refuses an event over 1 MiB with HERALD_ERR_EVENT_TOO_LARGE and sends nothing', async () => {
    const channel = testChannel('size.producer');
    const producer = createProducer(redis, channel, { source: 'herald/test' });
    const error = await producer.publish('Ping', { subject: 's', seq: 1, blob: new Uint8Array(defaultMaxEventBytes) }).catch((e: unknown) => e);
    expect(isHeraldError(error) && error.code).toBe('HERALD_ERR_EVENT_TOO_LARGE');
    expect(isHeraldError(error) && error.statusCode).toBe(413);
    expect(isHeraldError(error) && error.details).toMatchObject({ channel: 'size.producer', type: 'herald.test.v1.Ping', limit: defaultMaxEventBytes });
    const batch = [
      { name: 'Ping' as const, data: { subject: 's', seq: 2, blob: new Uint8Array(10) } },
      { name: 'Ping' as const, data: { subject: 's', seq: 3, blob: new Uint8Array(defaultMaxEventBytes) } },
    ];
    await expect(producer.publishBatch(batch)).rejects.toThrow(/accepts at most 1048576/);
    expect(await xlen('size.producer')).toBe(0);
    // Just under the limit still goes through.
    await producer.publish('Ping', { subject: 's', seq: 4, blob: new Uint8Array(defaultMaxEventBytes - 1024) });
    expect(await xlen('size.producer')).toBe(1);
  });

  test('maxEventBytes is configurable per producer', async () => {
    const producer = createProducer(redis, testChannel('size.small'), { source: 'herald/test', maxEventBytes: 400 });
    await expect(producer.publish('Ping', { subject: 's', seq: 1, blob: new Uint8Array(400) })).rejects.toThrow(/at most 400/);
    await producer.publish('Ping', { subject: 's', seq: 1, blob: new Uint8Array(10) });
    expect(await xlen('size.small')).toBe(1);
  });

  test('the consumer dead-letters an oversize entry as too-large and handles the next one', async () => {
    const channel = testChannel('size.consumer');
    const big = createProducer(redis, channel, { source: 'herald/test', maxEventBytes: 4 * defaultMaxEventBytes });
    await big.publish('Ping', { subject: 'a', seq: 1, blob: new Uint8Array(defaultMaxEventBytes + 1) });
    await big.publish('Ping', { subject: 'a', seq: 2, blob: new Uint8Array(8) });
    const seen: number[] = [];
    const consumer = createConsumer(redis, channel, {
      group: 'g', consumer: 'c', config: { blockMs: 20 },
      handlers: { Ping: (e) => { seen.push(e.data.seq); }, Pong: () => {} },
    });
    await consumer.start();
    const deadline = Date.now() + 10_000;
    while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await consumer.stop();
    expect(seen).toEqual([2]);
    const [letter] = parseEntries(await redis.sendCommand(['XRANGE', 'size.consumer.dlq', '-', '+']));
    expect(letter?.fields.get('x-dlq-reason')?.toString()).toBe('too-large');
    expect(letter?.fields.get('x-dlq-error')?.toString()).toMatch(/the limit is 1048576/);
  });
});
