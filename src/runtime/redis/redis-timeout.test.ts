// connectRedis's commandTimeoutMs: node-redis's default unless asked, and 0 arms no per-command timer
// on the connection and its duplicates (the consumer's reader is a duplicate).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestRedis, type RedisServer } from '../../../test/support/redis.ts';
import { closeConnection, connectRedis, duplicateConnection, type RedisConnection } from './connection.ts';

let server: RedisServer & { cleanup(): Promise<void> };

beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => {
  await server.cleanup();
});

// node-redis keeps the effective per-command options here; `timeout` is what arms its AbortSignal timer.
const timeoutOf = (client: RedisConnection) => (client as unknown as { _commandOptions: { timeout?: number } })._commandOptions.timeout;

test('without commandTimeoutMs a connection keeps node-redis default of 5 s', async () => {
  const redis = await connectRedis(server.url);
  try {
    expect(timeoutOf(redis)).toBe(5000);
  } finally {
    await closeConnection(redis);
  }
});

test('commandTimeoutMs 0 arms no timer on the connection or its duplicates, and commands still answer', async () => {
  const redis = await connectRedis(server.url, { commandTimeoutMs: 0 });
  const copy = await duplicateConnection(redis);
  try {
    expect(timeoutOf(redis)).toBe(0);
    expect(timeoutOf(copy)).toBe(0);
    expect(await redis.sendCommand(['BLPOP', 'herald:test:empty', '0.2'])).toBeNull();
    expect(String(await copy.sendCommand(['PING']))).toBe('PONG');
  } finally {
    await closeConnection(copy);
    await closeConnection(redis);
  }
});
