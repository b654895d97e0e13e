// Test harness: a real redis-server per test file, on a free loopback port, in a temporary folder, with
// Herald's Redis Functions installed as `herald redis setup` installs them (the runtime's library and
// every service's), unless the test lists its own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedisServer, type RedisServer, type RedisServerOptions } from '../../src/cli/redis-server.ts';
import { functionLibraries } from '../../src/cli/service-manifests.ts';
import { closeConnection, connectRedis } from '../../src/runtime/redis/connection.ts';
import { loadFunctionLibraries, type FunctionLibrary } from '../../src/runtime/redis/functions.ts';

export type { RedisServer };

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface TestRedisOptions extends Partial<RedisServerOptions> {
  /** Libraries to install; default: the runtime's and every service's under services/. */
  functions?: FunctionLibrary[];
}

export async function startTestRedis(options: TestRedisOptions = {}): Promise<RedisServer & { cleanup(): Promise<void> }> {
  const { functions, ...serverOptions } = options;
  const dir = serverOptions.dir ?? mkdtempSync(join(tmpdir(), 'herald-redis-'));
  const server = await startRedisServer({ ...serverOptions, dir });
  const libraries = functions ?? functionLibraries(repoRoot);
  if (libraries.length > 0) {
    const admin = await connectRedis(server.url);
    try {
      await loadFunctionLibraries(admin, libraries);
    } finally {
      await closeConnection(admin);
    }
  }
  return Object.assign(server, {
    async cleanup() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
