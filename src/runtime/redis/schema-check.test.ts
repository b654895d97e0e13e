// The strict dataschema check, through a real consumer on a real redis-server, and the middleware alone.
import { describe, expect, test } from 'vitest';
import { redisTest, type TestRedisServer } from '../../../test/support/redis-fixture.ts';
import { Ping, testChannel } from '../../../test/support/test-channel.ts';
import { buildEnvelope, encodedEventToFields } from '../core/envelope.ts';
import { isDeadLetterError } from '../core/errors.ts';
import { schemaCheck, type SchemaPolicy } from '../core/schema-check.ts';
import type { ReceivedEvent } from '../core/types.ts';
import type { RedisConnection } from './connection.ts';
import { createConsumer } from './consumer.ts';
import { replayChannel } from './replay.ts';
import { parseEntries } from './replies.ts';
import { publishSchemas } from './schema-registry.ts';

let server: TestRedisServer;
let redis: RedisConnection;
let streamNo = 0;
const fast = { blockMs: 50, retryBackoffMs: 5, claimIntervalMs: 50, minIdleMs: 200 };
const unknown = 'herald:herald.test.v1.Ping#sha256-0000000000000000';

redisTest.beforeAll(({ redisServer, redis: connection }) => {
  server = redisServer;
  redis = connection;
});

/** XADDs a Ping whose envelope says `dataschema`, as a foreign producer would. */
async function addPing(address: string, seq: number, dataschema: string): Promise<void> {
  const envelope = { ...buildEnvelope(testChannel(address).messages.Ping, 'herald/python'), dataschema };
  const data = Buffer.from(Ping.encode({ subject: `s${seq}`, seq, blob: new Uint8Array() }).finish());
  await redis.sendCommand(['XADD', address, '*', ...encodedEventToFields({ envelope, data })]);
}

/** Runs a consumer until `count` entries are either handled or dead-lettered; returns both. */
async function consume(address: string, count: number, schemas?: SchemaPolicy) {
  const channel = testChannel(address);
  const seen: number[] = [];
  const consumer = createConsumer(redis, channel, {
    group: 'g', consumer: 'c', config: fast, ...(schemas ? { schemas } : {}),
    handlers: { Ping: (e: ReceivedEvent<Ping>) => { seen.push(e.data.seq); }, Pong: () => {} },
  });
  await consumer.start();
  const dead = async () => parseEntries(await redis.sendCommand(['XRANGE', `${address}.dlq`, '-', '+']));
  await expect.poll(async () => seen.length + (await dead()).length, { timeout: 10_000 }).toBe(count);
  await consumer.stop();
  return { seen, dead: (await dead()).map((e) => ({ reason: e.fields.get('x-dlq-reason')!.toString(), error: e.fields.get('x-dlq-error')!.toString() })) };
}

describe('strict dataschema check', () => {
  test('dead-letters an entry whose fingerprint is neither generated nor registered, and applies the rest', async () => {
    const address = `schema.check.${++streamNo}`;
    await addPing(address, 1, testChannel(address).messages.Ping.dataschema);
    await addPing(address, 2, unknown);
    await addPing(address, 3, testChannel(address).messages.Ping.dataschema);
    const { seen, dead } = await consume(address, 3);
    expect(seen).toEqual([1, 3]);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.reason).toBe('unknown-schema');
    expect(dead[0]!.error).toContain('sha256-0000000000000000');
  });

  test('applies a fingerprint once it is a registered version of the type', async () => {
    const address = `schema.check.${++streamNo}`;
    await publishSchemas(redis, [{ type: 'herald.test.v1.Other', fingerprint: '0000000000000000', text: 'x\n', releases: ['v1.0.0'] }]);
    await addPing(address, 1, unknown);
    expect((await consume(address, 1)).dead.map((d) => d.reason)).toEqual(['unknown-schema']); // registered for another type only
    await publishSchemas(redis, [{ type: 'herald.test.v1.Ping', fingerprint: '0000000000000000', text: 'syntax = "proto3";\n', releases: ['v1.0.0'] }]);
    await addPing(address, 2, unknown);
    const { seen } = await consume(address, 2);
    expect(seen).toEqual([2]);
    await redis.sendCommand(['DEL', 'herald:schemas:herald.test.v1.Ping', 'herald:schemas:herald.test.v1.Ping:releases']);
  });

  test("schemas: 'any' accepts any fingerprint of a known type", async () => {
    const address = `schema.check.${++streamNo}`;
    await addPing(address, 7, unknown);
    const { seen, dead } = await consume(address, 1, 'any');
    expect(seen).toEqual([7]);
    expect(dead).toEqual([]);
  });

  test('a replay skips what the consumer would dead-letter, and applies registered versions', async () => {
    const address = `schema.check.${++streamNo}`;
    const channel = testChannel(address);
    await addPing(address, 1, channel.messages.Ping.dataschema);
    await addPing(address, 2, 'herald:herald.test.v1.Ping#sha256-1111111111111111');
    await addPing(address, 3, 'herald:herald.test.v1.Ping#sha256-2222222222222222');
    await publishSchemas(redis, [{ type: 'herald.test.v1.Ping', fingerprint: '2222222222222222', text: 'syntax = "proto3";\n', releases: ['v0.9.0'] }]);
    const seen: number[] = [];
    const handlers = { Ping: (e: ReceivedEvent<Ping>) => { seen.push(e.data.seq); }, Pong: () => {} };
    expect(await replayChannel(redis, channel, { handlers })).toMatchObject({ applied: 2, skipped: 1 });
    expect(seen).toEqual([1, 3]);
    seen.length = 0;
    expect(await replayChannel(redis, channel, { handlers, schemas: 'any' })).toMatchObject({ applied: 3, skipped: 0 });
    await redis.sendCommand(['DEL', 'herald:schemas:herald.test.v1.Ping', 'herald:schemas:herald.test.v1.Ping:releases']);
  });

  test('a registry that cannot be read fails the delivery for a retry instead of dead-lettering it', async () => {
    const channel = testChannel('schema.check.unit');
    const handled: string[] = [];
    const handle = schemaCheck(channel, () => Promise.reject(new Error('NOPERM')))((e) => { handled.push(e.envelope.dataschema); });
    const event = (dataschema: string) => ({ envelope: { ...buildEnvelope(channel.messages.Ping, 'x'), dataschema } }) as ReceivedEvent<unknown>;
    await handle(event(channel.messages.Ping.dataschema));
    const failure = await Promise.resolve(handle(event(unknown))).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(isDeadLetterError(failure)).toBe(false);
    expect(handled).toEqual([channel.messages.Ping.dataschema]);
  });
});
