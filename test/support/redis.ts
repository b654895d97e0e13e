// Test harness: a real redis-server per test file, on a free loopback port, in a temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer, type RedisServer, type RedisServerOptions } from '../../src/cli/redis-server.ts';

export type { RedisServer };

export async function startTestRedis(options: Partial<RedisServerOptions> = {}): Promise<RedisServer & { cleanup(): Promise<void> }> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'herald-redis-'));
  const server = await startRedisServer({ ...options, dir });
  return Object.assign(server, {
    async cleanup() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
