// `herald inspect` and `herald replay` against a real redis-server.
import { expect, test } from 'vitest';
import { redisTest, type TestRedisServer } from '../../../test/support/redis-fixture.ts';
import { testChannel } from '../../../test/support/test-channel.ts';
import { createConsumer, createProducer, parseEntries, DeadLetterError, type RedisConnection } from '../../runtime/index.ts';
import { runCli } from '../../../test/support/run-cli.ts';
import { setTimeout as sleep } from 'node:timers/promises';

let server: TestRedisServer;
let redis: RedisConnection;
redisTest.beforeAll(({ redisServer, redis: connection }) => {
  server = redisServer;
  redis = connection;
});

const run = (args: string[]) => runCli(args, server.url);

test('inspect lists lag and dead letters; replay requeues them and rewinds a group', async () => {
  const channel = testChannel('ops.stream');
  const producer = createProducer(redis, channel, { source: 'herald/test' });
  let reject = true;
  const handled: number[] = [];
  const consumer = createConsumer(redis, channel, {
    group: 'g', consumer: 'c', config: { blockMs: 50 },
    handlers: {
      Ping: (e) => { if (reject) throw new DeadLetterError('rejected', 'not today'); handled.push(e.data.seq); },
      Pong: () => {},
    },
  });
  await producer.publish('Ping', { subject: 's', seq: 1, blob: new Uint8Array() });
  await consumer.start();
  for (let i = 0; i < 200 && parseEntries(await redis.sendCommand(['XRANGE', 'ops.stream.dlq', '-', '+'])).length === 0; i++) await sleep(20);
  const inspected = await run(['inspect', 'ops.stream']);
  expect(inspected.code).toBe(0);
  expect(inspected.out).toMatch(/ops\.stream {2}1 entries/);
  expect(inspected.out).toMatch(/group g: lag 0, pending 0/);
  expect(inspected.out).toMatch(/DLQ .* herald\.test\.v1\.Ping: rejected — not today/);

  reject = false;
  const requeued = await run(['replay', '--dead-letters', 'ops.stream']);
  expect(requeued.out).toMatch(/requeued 1 dead-lettered entry/);
  for (let i = 0; i < 200 && handled.length < 1; i++) await sleep(20);
  expect(handled).toEqual([1]);

  await consumer.stop();
  const rewound = await run(['replay', '--channel', 'ops.stream', '--group', 'g', '--from', '0']);
  expect(rewound.code).toBe(0);
  await consumer.start();
  for (let i = 0; i < 200 && handled.length < 3; i++) await sleep(20);
  await consumer.stop();
  expect(handled).toEqual([1, 1, 1]); // the original entry and the requeued copy, read again
});

test('inspect counts every dead letter and reports a group whose readers stopped as stalled', async () => {
  const channel = testChannel('ops.stalled');
  const producer = createProducer(redis, channel, { source: 'herald/test' });
  for (let seq = 0; seq < 3; seq++) await producer.publish('Ping', { subject: 's', seq, blob: new Uint8Array() });
  await redis.sendCommand(['XGROUP', 'CREATE', 'ops.stalled', 'evil-group', '0']);
  await redis.sendCommand(['XGROUP', 'CREATE', 'ops.stalled', 'quiet', '0']);
  await redis.sendCommand(['XREADGROUP', 'GROUP', 'quiet', 'gone', 'COUNT', '1', 'STREAMS', 'ops.stalled', '>']);
  for (let i = 0; i < 25; i++) await redis.sendCommand(['XADD', 'ops.stalled.dlq', '*', 'x-dlq-reason', 'rejected', 'x-dlq-error', `junk ${i}`]);
  await sleep(60);
  const inspected = await run(['inspect', 'ops.stalled', '--stale-ms', '50']);
  expect(inspected.out).toMatch(/group evil-group: lag 3, .*readers 0, no reader yet/);
  expect(inspected.out).toMatch(/group quiet: lag 2, .*readers 1, STALLED: no reader active for \d+ s; retention no longer waits for it/);
  expect(inspected.out).toMatch(/DLQ ops\.stalled\.dlq: 25 dead letters/);
});
