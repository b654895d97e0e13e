// connectRedis's commandTimeoutMs, by what a caller sees during a Redis outage: a command that cannot
// be written fails after the timeout, and with 0 it waits for the reconnect, on the connection and on
// its duplicates (the consumer's reader is a duplicate). Nothing here looks inside node-redis.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { startRedisServer } from '../../cli/redis-server.ts';
import { isInfrastructureError } from '../core/errors.ts';
import { closeConnection, connectRedis, duplicateConnection } from './connection.ts';

async function withOutage(run: (url: string, outage: { begin(): Promise<void>; end(): Promise<void> }) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-timeout-'));
  let server = await startRedisServer({ dir });
  try {
    await run(server.url, {
      begin: () => server.stop(),
      end: async () => {
        server = await startRedisServer({ dir, port: server.port });
      },
    });
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('with a command timeout, a command issued while Redis is down fails with an infrastructure error', async () => {
  await withOutage(async (url, outage) => {
    const redis = await connectRedis(url, { commandTimeoutMs: 100 });
    try {
      await outage.begin();
      const error = await redis.sendCommand(['PING']).catch((e: unknown) => e);
      expect(isInfrastructureError(error)).toBe(true);
      await outage.end();
      await expect.poll(() => redis.sendCommand(['PING']).then(String, () => 'down')).toBe('PONG');
    } finally {
      await closeConnection(redis).catch(() => redis.destroy());
    }
  });
});

test('commandTimeoutMs 0: commands issued while Redis is down wait and answer after the reconnect, duplicates included', async () => {
  await withOutage(async (url, outage) => {
    const redis = await connectRedis(url, { commandTimeoutMs: 0 });
    const copy = await duplicateConnection(redis);
    try {
      await outage.begin();
      await expect.poll(() => redis.isReady).toBe(false);
      await expect.poll(() => copy.isReady).toBe(false);
      const waiting = Promise.all([redis.sendCommand(['PING']), copy.sendCommand(['PING'])]);
      await outage.end();
      expect((await waiting).map(String)).toEqual(['PONG', 'PONG']);
    } finally {
      await closeConnection(copy).catch(() => copy.destroy());
      await closeConnection(redis).catch(() => redis.destroy());
    }
  });
});
