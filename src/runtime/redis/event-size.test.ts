// The event size limit: the producer refuses an oversize event with a typed error and publishes nothing
// of its batch; the consumer dead-letters, by reference, an oversize entry that reached the stream some
// other way, and one read's size steers how many entries the next read asks for.
import { describe, expect } from 'vitest';
import { redisTest as test } from '../../../test/support/redis-fixture.ts';
import { testChannel } from '../../../test/support/test-channel.ts';
import { createConsumer } from './consumer.ts';
import { isHeraldError } from '../core/errors.ts';
import { defaultMaxEventBytes, eventSize } from '../core/event-size.ts';
import { createProducer } from './producer.ts';
import { duplicateConnection, closeConnection, type RedisConnection } from './connection.ts';
import { createReadStage } from './read-stage.ts';
import { parseEntries } from './replies.ts';

const xlen = async (redis: RedisConnection, stream: string) => Number(await redis.sendCommand(['XLEN', stream]));

describe('event size limit', () => {
  test('measures all field names and values in bytes', () => {
    expect(eventSize(['type', 'é', 'data', Buffer.alloc(10)])).toBe(4 + 2 + 4 + 10);
    expect(eventSize(new Map([['data', Buffer.alloc(3)]]))).toBe(7);
  });

  test('the producer refuses an event over 1 MiB with HERALD_ERR_EVENT_TOO_LARGE and sends nothing', async ({ redis }) => {
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
    expect(await xlen(redis, 'size.producer')).toBe(0);
    // Just under the limit still goes through.
    await producer.publish('Ping', { subject: 's', seq: 4, blob: new Uint8Array(defaultMaxEventBytes - 1024) });
    expect(await xlen(redis, 'size.producer')).toBe(1);
  });

  test('maxEventBytes is configurable per producer', async ({ redis }) => {
    const producer = createProducer(redis, testChannel('size.small'), { source: 'herald/test', maxEventBytes: 400 });
    await expect(producer.publish('Ping', { subject: 's', seq: 1, blob: new Uint8Array(400) })).rejects.toThrow(/at most 400/);
    await producer.publish('Ping', { subject: 's', seq: 1, blob: new Uint8Array(10) });
    expect(await xlen(redis, 'size.small')).toBe(1);
  });

  test('the consumer dead-letters an oversize entry by reference, without copying it, and handles the next one', async ({ redis }) => {
    const channel = testChannel('size.consumer');
    const big = createProducer(redis, channel, { source: 'herald/test', maxEventBytes: 4 * defaultMaxEventBytes });
    const oversizeId = await big.publish('Ping', { subject: 'a', seq: 1, blob: new Uint8Array(defaultMaxEventBytes + 1) });
    await big.publish('Ping', { subject: 'a', seq: 2, blob: new Uint8Array(8) });
    const seen: number[] = [];
    const consumer = createConsumer(redis, channel, {
      group: 'g', consumer: 'c', config: { blockMs: 20 },
      handlers: { Ping: (e) => { seen.push(e.data.seq); }, Pong: () => {} },
    });
    await consumer.start();
    await expect.poll(() => seen).toEqual([2]);
    await consumer.stop();
    const [letter] = parseEntries(await redis.sendCommand(['XRANGE', 'size.consumer.dlq', '-', '+']));
    const field = (name: string) => letter?.fields.get(name)?.toString();
    expect([field('x-dlq-reason'), field('x-dlq-stream'), field('x-dlq-stream-id'), field('x-dlq-by-reference')]).toEqual(['too-large', 'size.consumer', oversizeId, '1']);
    expect(Number(field('x-dlq-size'))).toBeGreaterThan(defaultMaxEventBytes);
    expect(field('x-dlq-error')).toMatch(/the limit is 1048576/);
    // A reference, not a copy: no data, and the letter itself is small.
    expect(letter?.fields.has('data')).toBe(false);
    expect([...letter!.fields.values()].reduce((sum, value) => sum + value.length, 0)).toBeLessThan(4096);
  });

  test('after a read larger than maxBatchBytes the next read asks for fewer entries', async ({ redis }) => {
    const channel = testChannel('size.batches');
    const producer = createProducer(redis, channel, { source: 'herald/test' });
    const publish = (count: number) => producer.publishBatch(Array.from({ length: count }, (_, i) => ({ name: 'Ping' as const, data: { subject: `s${i}`, seq: i, blob: new Uint8Array(100_000) } })));
    await publish(40);
    await redis.sendCommand(['XGROUP', 'CREATE', 'size.batches', 'g', '0']);
    const reader = await duplicateConnection(redis);
    const read = createReadStage({ reader, redis, stream: 'size.batches', group: 'g', consumer: 'c', batchSize: 10, blockMs: 20, maxBatchBytes: 500_000 });
    const sizes: number[] = [];
    for (let i = 0; i < 4; i++) sizes.push((await read.next()).length);
    await closeConnection(reader);
    // 10 entries of just over 100 KB are over the 500 KB budget: later reads ask for the 4 that fit.
    expect(sizes).toEqual([10, 4, 4, 4]);
  });
});
