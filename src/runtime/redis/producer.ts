// Typed publishing to a channel's Redis stream: one XADD per event, batches in one pipelined round
// trip. It never trims entries that a consumer group has not yet processed (see retention.ts).
import { messageByName } from '../core/channel.ts';
import { encodeEvent, encodedEventToFields, type EncodedEvent } from '../core/envelope.ts';
import { assertEventSize, defaultMaxEventBytes } from '../core/event-size.ts';
import type { RedisConnection, RedisValue } from './connection.ts';
import { trimSafely } from './retention.ts';
import { partitionOf } from '../core/partition.ts';
import { partitionStreamKey, streamKey } from './stream-names.ts';
import type { ChannelDefinition, MessageName, PayloadOf, PublishOptions } from '../core/types.ts';

export interface ProducerOptions {
  /** CloudEvents `source`, for example `herald/catalog`. */
  source: string;
  /**
   * Retention: the stream is trimmed towards this many entries, but never past an entry that a
   * consumer group has not yet acknowledged. 1 M entries of ~200 B is ~250 MB of Redis memory.
   */
  maxLen?: number;
  /** Trim after every this many published events (trimming scans at most this many ids). */
  trimEvery?: number;
  /** Largest event (all stream fields, envelope and data) accepted; larger ones throw HERALD_ERR_EVENT_TOO_LARGE. */
  maxEventBytes?: number;
}

export const producerDefaults = { maxLen: 1_000_000, trimEvery: 1000, maxEventBytes: defaultMaxEventBytes } as const;

export type OutgoingEvent<C extends ChannelDefinition> = {
  [N in MessageName<C>]: { name: N; data: PayloadOf<C, N>; options?: PublishOptions };
}[MessageName<C>];

export interface Producer<C extends ChannelDefinition> {
  readonly channel: C;
  /** Publishes one event; resolves to its stream entry id. */
  publish<N extends MessageName<C>>(name: N, data: PayloadOf<C, N>, options?: PublishOptions): Promise<string>;
  /** Publishes many events in one pipelined round trip, in order; resolves to their entry ids. */
  publishBatch(items: ReadonlyArray<OutgoingEvent<C>>): Promise<string[]>;
  /** Encodes an event without sending it (an outbox stores this and a relay publishes it later). */
  encode<N extends MessageName<C>>(name: N, data: PayloadOf<C, N>, options?: PublishOptions): EncodedEvent;
  /** Publishes already-encoded events unchanged (same id, same time), in one round trip. */
  publishEncoded(events: ReadonlyArray<EncodedEvent>): Promise<string[]>;
}

export function createProducer<C extends ChannelDefinition>(redis: RedisConnection, channel: C, options: ProducerOptions): Producer<C> {
  const maxLen = options.maxLen ?? producerDefaults.maxLen;
  const trimEvery = options.trimEvery ?? producerDefaults.trimEvery;
  const maxEventBytes = options.maxEventBytes ?? producerDefaults.maxEventBytes;
  const stream = streamKey(channel);
  const partitions = channel.partitions ?? 1;
  /** The stream an event goes to: the channel's, or its subject's partition of it. */
  const streamOf = (event: EncodedEvent): string =>
    partitions === 1 ? stream : partitionStreamKey(channel, partitionOf(event.envelope.subject, partitions), partitions);
  const touched = new Set<string>();
  let sinceTrim = 0;

  const encode = (name: string, data: unknown, publishOptions?: PublishOptions): EncodedEvent =>
    encodeEvent(messageByName(channel, name), options.source, data, publishOptions);

  const xaddArgs = (event: EncodedEvent): RedisValue[] => {
    const target = streamOf(event);
    if (partitions > 1) touched.add(target);
    const args: RedisValue[] = ['XADD', target, '*'];
    const fields = encodedEventToFields(event, args);
    assertEventSize(fields, maxEventBytes, target, event.envelope.type, 3);
    return args;
  };

  const afterPublish = async (count: number): Promise<void> => {
    sinceTrim += count;
    if (sinceTrim < trimEvery) return;
    sinceTrim = 0;
    if (partitions === 1) {
      await trimSafely(redis, stream, maxLen, Math.max(trimEvery * 10, 10_000));
      return;
    }
    // Each partition keeps maxLen / partitions entries, so the channel as a whole keeps about maxLen.
    const streams = [...touched];
    touched.clear();
    for (const key of streams) await trimSafely(redis, key, Math.max(1, Math.ceil(maxLen / partitions)), Math.max(trimEvery * 10, 10_000));
  };

  const publishEncoded = async (events: ReadonlyArray<EncodedEvent>): Promise<string[]> => {
    if (events.length === 0) return [];
    // Every event is checked before any is sent: a batch with one oversize event publishes nothing.
    const commands = events.map(xaddArgs);
    let ids: string[];
    if (events.length === 1) {
      ids = [String(await redis.sendCommand(commands[0]!))];
    } else {
      const pipeline = redis.multi();
      for (const command of commands) pipeline.addCommand(command);
      const replies = (await pipeline.execAsPipeline()) as unknown[];
      ids = replies.map((reply) => {
        if (reply instanceof Error) throw reply;
        return String(reply);
      });
    }
    await afterPublish(events.length);
    return ids;
  };

  return {
    channel,
    encode: encode as Producer<C>['encode'],
    publishEncoded,
    async publish(name, data, publishOptions) {
      const [id] = await publishEncoded([encode(name, data, publishOptions)]);
      return id!;
    },
    async publishBatch(items) {
      return publishEncoded(items.map((item) => encode(item.name, item.data, item.options)));
    },
  };
}
