// The Redis Streams transport passes the conformance suite, against a real redis-server (restarted
// in place for the persistence test).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer, type RedisServer } from '../../cli/redis-server.ts';
import { closeConnection, connectRedis, type RedisConnection } from '../redis/connection.ts';
import { redisStreamsHarness } from '../../../test/support/redis-streams-harness.ts';
import { transportConformance } from '../../../test/support/transport-conformance.ts';

let dir: string;
let server: RedisServer;
let redis: RedisConnection;

transportConformance({
  name: 'Redis Streams',
  features: { persistent: true, takeover: true },
  async open() {
    dir = mkdtempSync(join(tmpdir(), 'herald-conformance-'));
    server = await startRedisServer({ dir, appendfsync: 'always' });
    redis = await connectRedis(server.url);
    return {
      ...redisStreamsHarness(() => redis),
      async restart() {
        // The same client reconnects by itself (connection.ts never gives up after a first connection).
        await server.stop();
        server = await startRedisServer({ dir, port: server.port, appendfsync: 'always' });
        await redis.sendCommand(['PING']);
      },
    };
  },
  async close() {
    await closeConnection(redis).catch(() => redis.destroy());
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  },
});
