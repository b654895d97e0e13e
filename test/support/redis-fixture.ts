// The Redis fixture for vitest: one real redis-server per test file, started on first use and stopped
// after the file, plus a connected client. Tests take `{ redis, redisServer }` from `redisTest` instead
// of repeating a start/stop block. Each server has a free port and its own temporary folder.
import { test } from 'vitest';
import { closeConnection, connectRedis, type RedisConnection } from '../../src/runtime/redis/connection.ts';
import { startTestRedis, type RedisServer } from './redis.ts';

export type TestRedisServer = RedisServer & { cleanup(): Promise<void> };

export const redisTest = test.extend<{ redis: RedisConnection; redisServer: TestRedisServer }>({
  redisServer: [
    async ({}, use) => {
      const server = await startTestRedis();
      await use(server);
      await server.cleanup();
    },
    { scope: 'file' },
  ],
  redis: [
    async ({ redisServer }: { redisServer: TestRedisServer }, use: (redis: RedisConnection) => Promise<void>) => {
      const redis = await connectRedis(redisServer.url);
      await use(redis);
      await closeConnection(redis).catch(() => redis.destroy());
    },
    { scope: 'file' },
  ],
});
