// The conformance suite's view of the Redis Streams transport over one connection, a single node's or a
// cluster's: its producer and consumer, and the raw stream commands a test arranges and observes with.
import { createConsumer } from '../../src/runtime/redis/consumer.ts';
import type { RedisConnection } from '../../src/runtime/redis/connection.ts';
import { createProducer } from '../../src/runtime/redis/producer.ts';
import { parseEntries } from '../../src/runtime/redis/replies.ts';
import { deadLetterKey } from '../../src/runtime/redis/stream-names.ts';
import type { TransportHarness } from './transport-conformance.ts';

export function redisStreamsHarness(redis: () => RedisConnection): TransportHarness {
  return {
    createProducer: (channel) => createProducer(redis(), channel, { source: 'herald/test' }),
    createConsumer: (channel, options) => createConsumer(redis(), channel, options),
    appendRaw: async (stream, flat) => void (await redis().sendCommand(['XADD', stream, '*', ...flat])),
    deadLetters: async (stream) =>
      parseEntries(await redis().sendCommand(['XRANGE', deadLetterKey(stream), '-', '+'])).map((letter) => ({
        reason: String(letter.fields.get('x-dlq-reason')),
        streamId: String(letter.fields.get('x-dlq-stream-id')),
      })),
    abandon: async (stream, group, consumer, count) => {
      await redis().sendCommand(['XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM']);
      await redis().sendCommand(['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(count), 'STREAMS', stream, '>']);
    },
  };
}
