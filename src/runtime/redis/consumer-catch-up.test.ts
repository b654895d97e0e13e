// After one consumer of a group dies holding an event, the survivor must catch up as soon as that event
// is reclaimed: later events of the same subject, which came "early" meanwhile, are retried at the next
// claim interval (not left until they are reclaimed themselves, minIdleMs later) and applied in order.
import { expect } from 'vitest';
import { redisTest as test } from '../../../test/support/redis-fixture.ts';
import { testChannel, type Ping } from '../../../test/support/test-channel.ts';
import { createConsumer } from './consumer.ts';
import { NotReadyError } from '../core/errors.ts';
import { createProducer } from './producer.ts';

import type { ReceivedEvent } from '../core/types.ts';
import { setTimeout as sleep } from 'node:timers/promises';

test('the survivor applies every version in order soon after the dead consumer\'s event is reclaimed', async ({ redis }) => {
  const minIdleMs = 3000;
  const channel = testChannel('consumer.catch-up');
  const producer = createProducer(redis, channel, { source: 'herald/test' });
  const publish = (subject: string, seq: number) => producer.publish('Ping', { subject, seq, blob: new Uint8Array() }, { subject, sequence: seq });
  await redis.sendCommand(['XGROUP', 'CREATE', channel.address, 'g', '0', 'MKSTREAM']);
  await publish('affected', 1);
  await publish('healthy', 1);
  // The dead consumer read v1 of `affected` and crashed before acking it.
  await redis.sendCommand(['XREADGROUP', 'GROUP', 'g', 'dead', 'COUNT', '1', 'STREAMS', channel.address, '>']);

  // A projection that applies only the next version of a subject, as Sales' does.
  const applied = new Map<string, number[]>([['affected', []], ['healthy', []]]);
  const survivor = createConsumer(redis, channel, {
    group: 'g',
    consumer: 'survivor',
    config: { blockMs: 50, claimIntervalMs: 100, minIdleMs },
    handlers: {
      Ping: (event: ReceivedEvent<Ping>) => {
        const versions = applied.get(event.data.subject)!;
        const expected = versions.length + 1;
        if (event.data.seq < expected) return; // duplicate
        if (event.data.seq > expected) throw new NotReadyError(`v${event.data.seq} of ${event.data.subject} before v${expected}`);
        versions.push(event.data.seq);
      },
      Pong: () => {},
    },
  });
  await survivor.start();
  try {
    // New versions keep arriving before and after v1 is reclaimed (at minIdleMs).
    const started = Date.now();
    let last = 1;
    while (Date.now() - started < minIdleMs + 600) {
      last++;
      await publish('affected', last);
      await publish('healthy', last);
      await sleep(40);
    }
    const all = Array.from({ length: last }, (_, i) => i + 1);
    // Without the fix each early event waited to be reclaimed itself: the survivor trailed minIdleMs behind.
    await expect.poll(() => applied.get('affected')!.length, { timeout: minIdleMs / 2 }).toBe(last);

    expect(applied.get('healthy')).toEqual(all);
    expect(applied.get('affected')).toEqual(all);
    await survivor.stop();
    expect(await survivor.stats()).toMatchObject({ pending: 0, deadLettered: 0, lag: 0 });
    expect((await survivor.stats()).reclaimed).toBeGreaterThanOrEqual(1);
  } finally {
    await survivor.stop();
  }
});

test('an early event is applied as soon as its predecessor, later in the stream, is', async ({ redis }) => {
  const channel = testChannel('consumer.out-of-order');
  const producer = createProducer(redis, channel, { source: 'herald/test' });
  const publish = (seq: number) => producer.publish('Ping', { subject: 's', seq, blob: new Uint8Array() }, { subject: 's', sequence: seq });
  const applied: number[] = [];
  // claimIntervalMs and minIdleMs far away: only the arrival of v2 may release v3.
  const consumer = createConsumer(redis, channel, {
    group: 'g',
    consumer: 'c',
    config: { blockMs: 50, claimIntervalMs: 60_000, minIdleMs: 60_000 },
    handlers: {
      Ping: (event: ReceivedEvent<Ping>) => {
        if (event.data.seq !== applied.length + 1) throw new NotReadyError(`v${event.data.seq} before v${applied.length + 1}`);
        applied.push(event.data.seq);
      },
      Pong: () => {},
    },
  });
  await publish(1);
  await consumer.start();
  try {
    await publish(3);
    await sleep(300); // v3 has been tried and waits
    await publish(2);
    await expect.poll(() => applied.length).toBe(3);
    expect(applied).toEqual([1, 2, 3]);
    await consumer.stop();
    expect(await consumer.stats()).toMatchObject({ pending: 0, deadLettered: 0 });
  } finally {
    await consumer.stop();
  }
});

test('a later event of a subject waits while an earlier one that failed awaits redelivery', async ({ redis }) => {
  const channel = testChannel('consumer.failed-holds-back');
  const producer = createProducer(redis, channel, { source: 'herald/test' });
  const publish = (seq: number) => producer.publish('Ping', { subject: 's', seq, blob: new Uint8Array() }, { subject: 's', sequence: seq });
  const handled: Array<[number, number]> = [];
  let failures = 0;
  const consumer = createConsumer(redis, channel, {
    group: 'g',
    consumer: 'c',
    config: { blockMs: 50, claimIntervalMs: 50, minIdleMs: 400, retryAttempts: 0 },
    handlers: {
      Ping: (event: ReceivedEvent<Ping>) => {
        if (event.data.seq === 1 && failures++ === 0) throw new Error('transient');
        handled.push([event.data.seq, event.deliveryCount]);
      },
      Pong: () => {},
    },
  });
  await publish(1);
  await consumer.start();
  try {
    await sleep(100); // v1 failed once and awaits redelivery
    await publish(2);
    await expect.poll(() => handled.length).toBe(2);
    // v1 redelivered (reclaimed after minIdleMs), then v2: never v2 first. (v2, held back meanwhile,
    // may have been reclaimed too: its delivery count is 1 or 2.)
    expect(handled.map(([seq]) => seq)).toEqual([1, 2]);
    expect(handled[0]![1]).toBe(2);
    await consumer.stop();
    expect(await consumer.stats()).toMatchObject({ pending: 0, deadLettered: 0 });
  } finally {
    await consumer.stop();
  }
});
