// The Redis Streams transport passes the conformance suite, against a real redis-server (restarted
// in place for the persistence test).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer, type RedisServer } from '../../cli/redis-server.ts';
import { closeConnection, connectRedis, type RedisConnection } from '../redis/connection.ts';
import { createConsumer } from '../redis/consumer.ts';
import { createProducer } from '../redis/producer.ts';
import { parseEntries } from '../redis/replies.ts';
import { deadLetterKey } from '../redis/stream-names.ts';
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
      createProducer: (channel) => createProducer(redis, channel, { source: 'herald/test' }),
      createConsumer: (channel, options) => createConsumer(redis, channel, options),
      appendRaw: async (stream, flat) => void (await redis.sendCommand(['XADD', stream, '*', ...flat])),
      deadLetters: async (stream) => parseEntries(await redis.sendCommand(['XRANGE', deadLetterKey(stream), '-', '+'])).map((letter) => ({ reason: String(letter.fields.get('x-dlq-reason')), streamId: String(letter.fields.get('x-dlq-stream-id')) })),
      abandon: async (stream, group, consumer, count) => {
        await redis.sendCommand(['XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM']);
        await redis.sendCommand(['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(count), 'STREAMS', stream, '>']);
      },
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
