// Typed publishing to a channel's Redis stream: one XADD per event, batches in one pipelined round
// trip. It never trims entries that a consumer group has not yet processed (see retention.ts).
import type { Span } from '@opentelemetry/api';
import { messageByName } from '../core/channel.ts';
import { encodeMessage, encodedEventToFields, type EncodedEvent } from '../core/envelope.ts';
import { assertEventSize, defaultMaxEventBytes } from '../core/event-size.ts';
import type { RedisConnection, RedisValue } from './connection.ts';
import { trimSafely } from './retention.ts';
import { partitionOf } from '../core/partition.ts';
import { isClusterConnection } from './cluster-connection.ts';
import { checkReplies, pipelineWithWait } from './replica-wait.ts';
import { appendConnectionOf, type AppendConnection, type AppendReply } from './append-connection.ts';
import { assertXaddSize, RespWriter, writeXadd } from './xadd-encoding.ts';
import { partitionStreamKey, streamKey } from './stream-names.ts';
import { endSpan, eventAttributes, startPublishSpan, startRelaySpan, withSpanTrace } from '../core/telemetry.ts';
import type { Producer, ProducerOptions } from '../core/transport.ts';
import type { ChannelDefinition, PublishOptions } from '../core/types.ts';

export type { OutgoingEvent, Producer, ProducerOptions } from '../core/transport.ts';

/** 1 M entries of ~200 B is ~250 MB of Redis memory. */
export const DEFAULT_MAX_LEN = 1_000_000;
/** A trim every 1000 events keeps its cost (one Lua call) off all but 0.1% of publishes. */
export const DEFAULT_TRIM_EVERY = 1000;
/**
 * A trim examines at most this many times trimEvery ids (and never fewer than MIN_TRIM_SCAN): enough to
 * catch up in a few trims after a slow group held retention back, small enough to keep one call short.
 */
export const TRIM_SCAN_FACTOR = 10;
export const MIN_TRIM_SCAN = 10_000;
/** XADDs per socket write on the producer's own connection (docs/benchmarks.md §2). */
export const APPEND_CHUNK = 10;

export const producerDefaults = { maxLen: DEFAULT_MAX_LEN, trimEvery: DEFAULT_TRIM_EVERY, maxEventBytes: defaultMaxEventBytes } as const;

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

  const encodeUnder = (span: Span, name: string, data: unknown, publishOptions?: PublishOptions): EncodedEvent => {
    // The event carries the context of the span it was built under, so its traceparent names that span.
    const event = encodeMessage(messageByName(channel, name), options.source, data, withSpanTrace(publishOptions, span));
    if (span.isRecording()) {
      span.setAttributes(eventAttributes(event.envelope));
      // messaging.destination.name stays the channel's stream; the partition is its own attribute.
      if (partitions > 1) span.setAttribute('messaging.destination.partition.id', String(partitionOf(event.envelope.subject, partitions)));
    }
    return event;
  };

  const xaddArgs = (event: EncodedEvent): RedisValue[] => {
    const target = streamOf(event);
    if (partitions > 1) touched.add(target);
    const args: RedisValue[] = ['XADD', target, '*'];
    const fields = encodedEventToFields(event, args);
    assertEventSize(fields, maxEventBytes, target, event.envelope.type, 3);
    return args;
  };

  /** Counts published events; every trimEvery of them, trims (a promise then, else undefined). */
  const afterPublish = (count: number): Promise<void> | undefined => {
    sinceTrim += count;
    if (sinceTrim < trimEvery) return undefined;
    sinceTrim = 0;
    return trim();
  };
  const trim = async (): Promise<void> => {
    const scan = Math.max(trimEvery * TRIM_SCAN_FACTOR, MIN_TRIM_SCAN);
    if (partitions === 1) {
      await trimSafely(redis, stream, maxLen, scan);
      return;
    }
    // Each partition keeps maxLen / partitions entries, so the channel as a whole keeps about maxLen.
    const streams = [...touched];
    touched.clear();
    for (const key of streams) await trimSafely(redis, key, Math.max(1, Math.ceil(maxLen / partitions)), scan);
  };

  /** Encodes for an outbox: a PRODUCER `create` span, the event's creation context, ends at once. */
  const encode = (name: string, data: unknown, publishOptions?: PublishOptions): EncodedEvent => {
    const span = startPublishSpan('create', stream, publishOptions);
    let failure: unknown;
    try {
      return encodeUnder(span, name, data, publishOptions);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      endSpan(span, failure);
    }
  };

  /** Sends events, each under its `send` span, ended when Redis answered. */
  const sendTraced = async (events: ReadonlyArray<EncodedEvent>, spans: Span[]): Promise<string[]> => {
    let failure: unknown;
    try {
      return await send(events);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      for (const span of spans) endSpan(span, failure);
    }
  };

  /** Builds each event under a new `send` span (its creation context, as the conventions allow for a direct send). */
  const encodeForSend = (items: ReadonlyArray<{ name: string; data: unknown; options?: PublishOptions | undefined }>) => {
    const spans: Span[] = [];
    try {
      const events = items.map((item) => {
        const span = startPublishSpan('send', stream, item.options);
        spans.push(span);
        return encodeUnder(span, item.name, item.data, item.options);
      });
      return { events, spans };
    } catch (error) {
      for (const span of spans) endSpan(span, error);
      throw error;
    }
  };

  const clustered = isClusterConnection(redis);
  const wait = options.waitForReplicas;
  /** Sends XADDs in one pipelined round trip (then WAIT, when asked); resolves to their entry ids in order. */
  const pipelined = async (commands: RedisValue[][]): Promise<string[]> => (await pipelineWithWait(redis, commands, wait)).map(String);
  // On a single node the producer writes its own RESP bytes on a socket of its own (append-connection.ts);
  // node-redis carries a publish whenever that socket is not ready.
  const appender = clustered ? undefined : appendConnectionOf(redis);
  const waitCommand = wait ? ['WAIT', String(wait.replicas), String(wait.timeoutMs)] : undefined;

  /**
   * Writes the batch in chunks of RESP commands, each as soon as it is encoded, so Redis works on one
   * chunk while the next is encoded; every event's size is checked before the first is written (a batch
   * with one oversize event publishes nothing). Resolves to the entry ids in order.
   */
  const sendAppend = async (connection: AppendConnection, events: ReadonlyArray<EncodedEvent>): Promise<string[]> => {
    const targets = events.map((event) => {
      const target = streamOf(event);
      assertXaddSize(target, event, maxEventBytes);
      return target;
    });
    if (partitions > 1) for (const target of targets) touched.add(target);
    const chunks: Array<Promise<AppendReply[]>> = [];
    for (let start = 0; start < events.length; start += APPEND_CHUNK) {
      const end = Math.min(events.length, start + APPEND_CHUNK);
      const out = new RespWriter((end - start) * 512 + 64);
      for (let i = start; i < end; i++) writeXadd(out, targets[i]!, events[i]!, maxEventBytes);
      const last = end === events.length;
      if (last && waitCommand) out.command(waitCommand);
      chunks.push(connection.send(out.done(), end - start + (last && waitCommand ? 1 : 0)));
    }
    const replies = chunks.length === 1 ? await chunks[0]! : (await Promise.all(chunks)).flat();
    // XADD answers a bulk string (the entry id); only an error reply is anything else.
    return checkReplies(`XADD ${targets[0]!}`, events.length, replies, wait) as string[];
  };

  const sendClient = async (events: ReadonlyArray<EncodedEvent>): Promise<string[]> => {
    // Every event is checked before any is sent: a batch with one oversize event publishes nothing.
    const commands = events.map(xaddArgs);
    if (events.length === 1 && !wait) return [String(await redis.sendCommand(commands[0]!))];
    if (partitions > 1 && clustered) {
      // On a cluster a pipeline reaches one slot: one pipeline per partition stream, sent side by side.
      const byStream = new Map<string, number[]>();
      commands.forEach((command, i) => {
        const key = String(command[1]);
        byStream.set(key, [...(byStream.get(key) ?? []), i]);
      });
      const ids = new Array<string>(commands.length);
      await Promise.all([...byStream.values()].map(async (indexes) => {
        const replies = await pipelined(indexes.map((i) => commands[i]!));
        indexes.forEach((i, n) => (ids[i] = replies[n]!));
      }));
      return ids;
    }
    return pipelined(commands);
  };

  const send = async (events: ReadonlyArray<EncodedEvent>): Promise<string[]> => {
    if (events.length === 0) return [];
    let ids: string[];
    // Publishes never overtake each other: the own socket is used only when none is in flight through
    // node-redis (and node-redis only while the own socket is not ready, its in-flight ones then failed).
    if (appender && appender.clientInFlight === 0 && appender.ready()) {
      ids = await sendAppend(appender, events);
    } else if (appender) {
      appender.clientInFlight++;
      try {
        ids = await sendClient(events);
      } finally {
        appender.clientInFlight--;
      }
    } else {
      ids = await sendClient(events);
    }
    const trimming = afterPublish(events.length);
    if (trimming) await trimming;
    return ids;
  };

  return {
    channel,
    encode: encode as Producer<C>['encode'],
    // An outbox relay's events keep their envelope; each `send` span continues the event's own trace.
    publishEncoded: (events) => sendTraced(events, events.map((event) => startRelaySpan(stream, event.envelope))),
    encodeEvent(event) {
      const encoded = encode(event.name, event.data, event.options);
      assertEventSize(encodedEventToFields(encoded), maxEventBytes, channel.address, encoded.envelope.type);
      return encoded;
    },
    async publish(name, data, publishOptions) {
      const { events, spans } = encodeForSend([{ name, data, options: publishOptions }]);
      const [id] = await sendTraced(events, spans);
      return id!;
    },
    async publishBatch(items) {
      const { events, spans } = encodeForSend(items);
      return sendTraced(events, spans);
    },
  };
}
