// The consumer under faults of a real redis-server: an outage of the handler's own Redis commands
// (NOPERM after an ACL change, OOM at maxmemory) is retried and never dead-letters a valid event, and
// events waiting for a dead-lettered predecessor are held, counted, and applied once it is requeued.
import { describe, expect } from 'vitest';
import { redisTest as test } from '../../../test/support/redis-fixture.ts';
import { testChannel, type Ping } from '../../../test/support/test-channel.ts';
import { DeadLetterError, NotReadyError } from '../core/errors.ts';
import type { ReceivedEvent } from '../core/types.ts';
import { closeConnection, connectRedis, type RedisConnection, type RedisValue } from './connection.ts';
import { createConsumer } from './consumer.ts';
import { createProducer } from './producer.ts';
import { parseEntries, parsePendingCounts } from './replies.ts';
import { deadLetterKey } from './stream-names.ts';

const fast = { blockMs: 20, claimIntervalMs: 50, minIdleMs: 100, maxDeliveries: 2, retryAttempts: 1, retryBackoffMs: 1, notReadyAttempts: 1, notReadyBackoffMs: 1 };

/** A handler that applies versions of each subject in order into a Redis hash, as a projection does. */
function versionedApply(redis: RedisConnection, hash: string) {
  return async (event: ReceivedEvent<Ping>) => {
    const current = Number((await redis.sendCommand(['HGET', hash, event.data.subject])) ?? 0);
    if (event.data.seq <= current) return;
    if (event.data.seq > current + 1) throw new NotReadyError(`v${event.data.seq} of ${event.data.subject} before v${current + 1}`);
    await redis.sendCommand(['HSET', hash, event.data.subject, String(event.data.seq)]);
  };
}

const publishVersions = (redis: RedisConnection, address: string, versions: number[]) =>
  createProducer(redis, testChannel(address), { source: 'herald/test' }).publishBatch(
    versions.map((seq) => ({ name: 'Ping' as const, data: { subject: 'm1', seq, blob: new Uint8Array() }, options: { subject: 'm1' } })),
  );

const deliveries = async (redis: RedisConnection, stream: string): Promise<number[]> =>
  [...parsePendingCounts(await redis.sendCommand(['XPENDING', stream, 'g', '-', '+', '100'])).values()];
const deadLetters = async (redis: RedisConnection, stream: string) => parseEntries(await redis.sendCommand(['XRANGE', deadLetterKey(stream), '-', '+']));
const applied = async (redis: RedisConnection, hash: string) => Number((await redis.sendCommand(['HGET', hash, 'm1'])) ?? 0);

describe('infrastructure errors do not consume deliveries', () => {
  test('NOPERM on the handler\'s writes for many deliveries dead-letters nothing; all apply once the ACL is restored', async ({ redis, redisServer }) => {
    const stream = 'faults.noperm';
    await redis.sendCommand(['ACL', 'SETUSER', 'svc', 'on', '>svc-password', '~*', '&*', '+@all']);
    const service = await connectRedis(redisServer.url.replace('redis://', 'redis://svc:svc-password@'));
    const consumer = createConsumer(service, testChannel(stream), { group: 'g', consumer: 'c', config: fast, handlers: { Ping: versionedApply(service, 'faults.noperm.applied'), Pong: () => {} } });
    await consumer.start();
    try {
      await publishVersions(redis, stream, [1]);
      await expect.poll(() => applied(redis, 'faults.noperm.applied')).toBe(1);

      await redis.sendCommand(['ACL', 'SETUSER', 'svc', '-hset']);
      await publishVersions(redis, stream, [2, 3]);
      // v2 is redelivered well past maxDeliveries (2) while the outage lasts.
      await expect.poll(() => deliveries(redis, stream), { timeout: 15_000 }).toSatisfy((counts: number[]) => counts.length === 2 && counts[0]! >= 2 * fast.maxDeliveries);
      expect(await deadLetters(redis, stream)).toEqual([]);
      expect((await consumer.stats()).infraFailed).toBeGreaterThan(0);

      await redis.sendCommand(['ACL', 'SETUSER', 'svc', '+hset']);
      await expect.poll(() => applied(redis, 'faults.noperm.applied'), { timeout: 15_000 }).toBe(3);
      await expect.poll(() => deliveries(redis, stream)).toEqual([]);
      expect(await deadLetters(redis, stream)).toEqual([]);
      expect(await consumer.stats()).toMatchObject({ deadLettered: 0, held: 0 });
    } finally {
      await consumer.stop();
      await closeConnection(service);
    }
  });

  test('OOM at maxmemory dead-letters nothing (not even the dead-letter write can fail it); all apply once memory is back', async ({ redis }) => {
    const stream = 'faults.oom';
    await publishVersions(redis, stream, [1, 2, 3]);
    let opened!: () => void;
    const gate = new Promise<void>((resolve) => (opened = resolve));
    const apply = versionedApply(redis, 'faults.oom.applied');
    const consumer = createConsumer(redis, testChannel(stream), {
      group: 'g', consumer: 'c', config: fast,
      handlers: { Ping: async (event) => { await gate; await apply(event); }, Pong: () => {} },
    });
    await consumer.start();
    try {
      await redis.sendCommand(['CONFIG', 'SET', 'maxmemory', '1']);
      opened();
      await expect.poll(() => deliveries(redis, stream), { timeout: 15_000 }).toSatisfy((counts: number[]) => counts.length === 3 && counts[0]! >= 2 * fast.maxDeliveries);
      await redis.sendCommand(['CONFIG', 'SET', 'maxmemory', '0']);
      await expect.poll(() => applied(redis, 'faults.oom.applied'), { timeout: 15_000 }).toBe(3);
      expect(await deadLetters(redis, stream)).toEqual([]);
      expect(await consumer.stats()).toMatchObject({ deadLettered: 0 });
    } finally {
      await redis.sendCommand(['CONFIG', 'SET', 'maxmemory', '0']);
      await consumer.stop();
    }
  });
});

describe('successors of a dead-lettered event', () => {
  test('are held, visibly, not dead-lettered, and apply once the predecessor is requeued', async ({ redis }) => {
    const stream = 'faults.held';
    let refuseV1 = true;
    const apply = versionedApply(redis, 'faults.held.applied');
    const consumer = createConsumer(redis, testChannel(stream), {
      group: 'g', consumer: 'c', config: fast,
      handlers: {
        Ping: async (event) => {
          if (event.data.seq === 1 && refuseV1) throw new DeadLetterError('rejected', 'v1 refused until the operator fixes it');
          await apply(event);
        },
        Pong: () => {},
      },
    });
    await consumer.start();
    try {
      await publishVersions(redis, stream, [1, 2, 3]);
      await expect.poll(async () => (await consumer.stats()).held).toBe(2);
      // Redelivered past maxDeliveries while held: still pending, still not dead-lettered.
      await expect.poll(() => deliveries(redis, stream), { timeout: 15_000 }).toSatisfy((counts: number[]) => counts.length === 2 && Math.min(...counts) > fast.maxDeliveries);
      const letters = await deadLetters(redis, stream);
      expect(letters.map((l) => l.fields.get('x-dlq-reason')?.toString())).toEqual(['rejected']);
      expect(await consumer.stats()).toMatchObject({ held: 2, deadLettered: 1 });

      // The operator fixes the cause and requeues v1 (as `herald replay --dead-letters` does).
      refuseV1 = false;
      const fields: RedisValue[] = [];
      for (const [name, value] of letters[0]!.fields) if (!name.startsWith('x-dlq-')) fields.push(name, value);
      await redis.sendCommand(['XADD', stream, '*', ...fields]);
      await expect.poll(() => applied(redis, 'faults.held.applied'), { timeout: 15_000 }).toBe(3);
      await expect.poll(async () => (await consumer.stats()).held).toBe(0);
      await expect.poll(() => deliveries(redis, stream)).toEqual([]);
    } finally {
      await consumer.stop();
    }
  });
});
