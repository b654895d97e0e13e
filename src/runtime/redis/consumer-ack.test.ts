// The consumer sends each batch's XACK while it reads the next batch: every handled entry must still
// be acknowledged, including the last batch's when the consumer is stopped right after handling it.
import { expect } from 'vitest';
import { redisTest as test } from '../../../test/support/redis-fixture.ts';
import { testChannel } from '../../../test/support/test-channel.ts';
import { createConsumer } from './consumer.ts';
import { createProducer } from './producer.ts';
import { setTimeout as sleep } from 'node:timers/promises';

test('acks every batch, the last one included, when stopped right after its last handler', async ({ redis }) => {
  const channel = testChannel('consumer.ack.overlap');
  const producer = createProducer(redis, channel, { source: 'herald/test' });
  await producer.publishBatch(Array.from({ length: 95 }, (_, i) => ({ name: 'Ping' as const, data: { subject: `s${i % 7}`, seq: i, blob: new Uint8Array() }, options: { subject: `s${i % 7}` } })));
  let handled = 0;
  let allHandled!: () => void;
  const done = new Promise<void>((resolve) => (allHandled = resolve));
  const consumer = createConsumer(redis, channel, {
    group: 'g',
    consumer: 'c1',
    handlers: { Ping: () => void (++handled === 95 && allHandled()), Pong: () => {} },
    config: { batchSize: 10, blockMs: 50 },
  });
  await consumer.start();
  await done;
  await consumer.stop();

  expect(await consumer.stats()).toMatchObject({ handled: 95, pending: 0, lag: 0 });
  expect(await redis.sendCommand(['XPENDING', channel.address, 'g', '-', '+', '10'])).toEqual([]);
});

test('a batch read ahead when stop() comes is handled and acked before the consumer stops', async ({ redis }) => {
  const channel = testChannel('consumer.ack.readahead');
  const producer = createProducer(redis, channel, { source: 'herald/test' });
  await producer.publishBatch(Array.from({ length: 60 }, (_, i) => ({ name: 'Ping' as const, data: { subject: 's', seq: i, blob: new Uint8Array() }, options: { subject: 's' } })));
  const seen: number[] = [];
  let firstBatchHandled!: () => void;
  const firstBatch = new Promise<void>((resolve) => (firstBatchHandled = resolve));
  const consumer = createConsumer(redis, channel, {
    group: 'g',
    consumer: 'c1',
    handlers: {
      Ping: async (event) => {
        seen.push(event.data.seq);
        if (seen.length === 10) firstBatchHandled();
        await sleep(2);
      },
      Pong: () => {},
    },
    config: { batchSize: 10, blockMs: 50 },
  });
  await consumer.start();
  await firstBatch;
  await consumer.stop();

  const delivered = Number((await redis.sendCommand(['XINFO', 'GROUPS', channel.address]) as Array<Record<string, unknown>>).map((g) => (Array.isArray(g) ? Object.fromEntries(pairs(g)) : g))[0]!['entries-read']);
  expect(delivered).toBeGreaterThanOrEqual(20); // the first batch and the one read ahead
  expect(seen).toEqual(Array.from({ length: delivered }, (_, i) => i)); // every delivered entry handled, in order
  expect((await consumer.stats()).pending).toBe(0);
});

function pairs(flat: unknown[]): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([String(flat[i]), flat[i + 1]]);
  return out;
}
