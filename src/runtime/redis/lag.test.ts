// Lag after Redis 7.0 loses a group's entries-read: an AOF rewrite, reads after it, then a restart
// replays the group's count as it was at the rewrite. The consumer's lag must still be right.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { startRedisServer } from '../../cli/redis-server.ts';
import { testChannel } from '../../../test/support/test-channel.ts';
import { closeConnection, connectRedis, type RedisConnection } from './connection.ts';
import { createConsumer } from './consumer.ts';
import { createProducer } from './producer.ts';
import { parseGroups } from './replies.ts';

test('lag is right after BGREWRITEAOF, more reads and a restart, where Redis 7.0\'s own figure is not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-lag-'));
  let server = await startRedisServer({ dir });
  let redis: RedisConnection = await connectRedis(server.url);
  const channel = testChannel('lag.after.rewrite');
  const publish = (count: number) => createProducer(redis, channel, { source: 'herald/test' }).publishBatch(
    Array.from({ length: count }, (_, i) => ({ name: 'Ping' as const, data: { subject: `s${i}`, seq: i, blob: new Uint8Array() } })),
  );
  const consume = async () => {
    let handled = 0;
    const consumer = createConsumer(redis, channel, { group: 'g', consumer: 'c', config: { blockMs: 20 }, handlers: { Ping: () => void handled++, Pong: () => {} } });
    await consumer.start();
    return { consumer, handled: () => handled };
  };
  try {
    await publish(10);
    await redis.sendCommand(['XGROUP', 'CREATE', channel.address, 'g', '0']);
    await redis.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '3', 'STREAMS', channel.address, '>']);
    await redis.sendCommand(['XACK', channel.address, 'g', ...parseIds(await redis.sendCommand(['XRANGE', channel.address, '-', '+', 'COUNT', '3']))]);
    await redis.sendCommand(['BGREWRITEAOF']);
    await expect.poll(async () => String(await redis.sendCommand(['INFO', 'persistence']))).toMatch(/aof_rewrite_in_progress:0/);
    await expect.poll(async () => String(await redis.sendCommand(['INFO', 'persistence']))).toMatch(/aof_rewrite_scheduled:0/);

    const first = await consume();
    await expect.poll(first.handled).toBe(7);
    await first.consumer.stop();
    await publish(5);
    await closeConnection(redis);
    await server.stop();

    server = await startRedisServer({ dir, port: server.port });
    redis = await connectRedis(server.url);
    const second = await consume();
    await expect.poll(second.handled).toBe(5);
    const groups = parseGroups(await redis.sendCommand(['XINFO', 'GROUPS', channel.address]));
    // Redis's own figure is wrong for good: it still counts the 7 entries read after the rewrite.
    expect(groups[0]).toMatchObject({ pending: 0, lag: 7 });
    expect(await second.consumer.stats()).toMatchObject({ lag: 0, pending: 0 });
    await second.consumer.stop();
    // Stopped, with 4 new entries: the corrected lag is exactly 4.
    await publish(4);
    expect((await second.consumer.stats()).lag).toBe(4);
  } finally {
    await closeConnection(redis).catch(() => {});
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

function parseIds(raw: unknown): string[] {
  return (raw as Array<[Buffer, unknown]>).map(([id]) => id.toString());
}
