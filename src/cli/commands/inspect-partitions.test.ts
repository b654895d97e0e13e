// `herald inspect` on a partitioned channel, against a real redis-server: each partition stream names its
// partition, and per group the member holding that partition's lease, the live members, and the lag.
import { expect } from 'vitest';
import { redisTest as test } from '../../../test/support/redis-fixture.ts';
import { testChannel } from '../../../test/support/test-channel.ts';
import { createProducer } from '../../runtime/index.ts';
import { createPartitionedConsumer } from '../../runtime/redis/partitioned-consumer.ts';
import { runCli } from '../../../test/support/run-cli.ts';

test('inspect shows each partition\'s owner, the live members and the lag per partition', async ({ redisServer, redis }) => {
  const run = (args: string[]) => runCli(args, redisServer.url);
  const channel = { ...testChannel('insp.parts'), partitions: 2 };
  const producer = createProducer(redis, channel, { source: 'herald/test' });
  for (const subject of ['a', 'b', 'c', 'd', 'e', 'f']) await producer.publish('Ping', { subject, seq: 1, blob: new Uint8Array() }, { subject, sequence: 1 });
  const handled: string[] = [];
  const member = (name: string) => createPartitionedConsumer(redis, channel, {
    group: 'g', consumer: name, config: { blockMs: 50, claimIntervalMs: 50, minIdleMs: 200 }, sessionTimeoutMs: 1500, heartbeatMs: 300,
    handlers: { Ping: async (e) => void handled.push(e.data.subject), Pong: async () => {} },
  });
  const one = member('m-one');
  const two = member('m-two');
  await one.start();
  await two.start();
  try {
    await expect.poll(() => [one.owned().length, two.owned().length], { timeout: 10_000 }).toEqual([1, 1]);
    await expect.poll(() => handled.length, { timeout: 10_000 }).toBe(6);
    const owners = new Map([...one.owned().map((p) => [p, 'm-one'] as const), ...two.owned().map((p) => [p, 'm-two'] as const)]);
    const shown = await run(['inspect', '--json']);
    expect(shown.code).toBe(0);
    const report = JSON.parse(shown.out) as Array<{ stream: string; partition?: { channel: string; index: number; partitions: number }; groups: Array<{ name: string; lag: number; owner?: string; members?: string[] }> }>;
    for (const p of [0, 1]) {
      const stream = report.find((s) => s.stream === `{insp.parts#${p}}`)!;
      expect(stream.partition).toEqual({ channel: 'insp.parts', index: p, partitions: 2 });
      expect(stream.groups).toEqual([expect.objectContaining({ name: 'g', lag: 0, owner: owners.get(p), members: ['m-one', 'm-two'] })]);
    }
    const text = await run(['inspect']);
    expect(text.out).toMatch(/\{insp\.parts#0\} {2}\d+ entries {2}\(partition 0 of 2 of insp\.parts\)/);
    expect(text.out).toMatch(new RegExp(`group g: lag 0, pending 0, .*owner ${owners.get(0)} \\(members m-one, m-two\\)`));
  } finally {
    await one.stop();
    await two.stop();
  }
});
