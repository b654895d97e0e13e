// The Redis fixture for vitest: one real redis-server per test file, started on first use and stopped
// after the file, plus a connected client. Tests take `{ redis, redisServer }` from `redisTest` instead
// of repeating a start/stop block. Each server has a free port and its own temporary folder. A file that
// needs a server configured otherwise (ACL users, no functions) overrides `redisOptions` at its top:
// `redisTest.override('redisOptions', { scope: 'file' }, { functions: [] })`.
import { test } from 'vitest';
import { closeConnection, connectRedis, type RedisConnection } from '../../src/runtime/redis/connection.ts';
import { startTestRedis, type RedisServer, type TestRedisOptions } from './redis.ts';

export type TestRedisServer = RedisServer & { cleanup(): Promise<void> };

export const redisTest = test.extend<{ redis: RedisConnection; redisServer: TestRedisServer; redisOptions: TestRedisOptions }>({
  redisOptions: [{}, { scope: 'file' }],
  redisServer: [
    async ({ redisOptions }, use) => {
      const server = await startTestRedis(redisOptions);
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
