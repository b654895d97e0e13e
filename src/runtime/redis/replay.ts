// Replays the retained entries of a channel straight from the stream (XRANGE, no consumer group), for
// rebuilding a projection. Entries that cannot be decoded, or whose dataschema the live consumer would
// not accept, are counted and skipped: it has already dead-lettered them, and a rebuild must not stop
// on one bad entry.
import { setImmediate } from 'node:timers/promises';
import { messageByType } from '../core/channel.ts';
import { readWireEvent, receivedWireEvent } from '../core/envelope.ts';
import { schemaFilter, type SchemaPolicy } from '../core/schema-check.ts';
import type { RedisConnection } from './connection.ts';
import { redisSchemaLookup } from './schema-registry.ts';
import { partitionStreamKey, streamKey } from './stream-names.ts';
import { parseEntries, parseRawEntries, type RawEntry } from './replies.ts';
import type { ChannelDefinition, ChannelHandlers, Handler, ReceivedEvent } from '../core/types.ts';

export interface ReplayOptions<C extends ChannelDefinition> {
  handlers: ChannelHandlers<C>;
  /** First entry id to replay (inclusive). Default: the start of the stream. */
  fromId?: string;
  /** Last entry id to replay (inclusive). Default: the end of the stream when replay starts. */
  toId?: string;
  /** Entries per XRANGE call and per `handleBatch` call. */
  batchSize?: number;
  /**
   * Subjects (aggregates) handled at once within a batch; events of one subject are always handled in
   * stream order, as the consumer does. Default 64: one awaited Redis round trip per event would cap a
   * rebuild at the round-trip rate, while concurrent handlers' commands share round trips.
   */
  concurrency?: number;
  /**
   * Called with a whole decoded batch before its events are handled one by one (or instead, if it
   * returns true). `payloads[i]` holds the protobuf bytes `events[i].data` was decoded from: a view of
   * the Redis reply, so copy what you keep.
   */
  handleBatch?: (events: ReceivedEvent<unknown>[], payloads: Buffer[]) => Promise<boolean>;
  onProgress?: (done: number, total: number) => void;
  /** Which `dataschema` fingerprints to apply (schema-check.ts), as the live consumer does; default `registered`. */
  schemas?: SchemaPolicy;
  /**
   * The partition to replay, 0 ... partitions - 1, of a channel that declares partitions (its stream
   * `{a#p}`, stream-names.ts: partitionStreamKey). Without it: the channel's stream, its address.
   */
  partition?: number;
}

export interface ReplayResult {
  applied: number;
  skipped: number;
  lastId: string | null;
}

export async function replayChannel<C extends ChannelDefinition>(redis: RedisConnection, channel: C, options: ReplayOptions<C>): Promise<ReplayResult> {
  const stream = options.partition === undefined ? streamKey(channel) : partitionStreamKey(channel, options.partition, channel.partitions ?? 1);
  const batchSize = options.batchSize ?? 1000;
  const handlers = options.handlers as Record<string, Handler<any>>;
  const total = Number(await redis.sendCommand(['XLEN', stream]));
  // Freeze the end so events published during the replay are left to the live consumer.
  const toId = options.toId ?? (parseEntries(await redis.sendCommand(['XREVRANGE', stream, '+', '-', 'COUNT', '1']))[0]?.id ?? '0-0');
  let from = options.fromId ?? '-';
  let applied = 0;
  let skipped = 0;
  let lastId: string | null = null;
  const knownSchemas = schemaFilter(channel, redisSchemaLookup(redis), options.schemas);
  const page = (start: string): Promise<RawEntry[]> => redis.sendCommand(['XRANGE', stream, start, toId, 'COUNT', String(batchSize)]).then(parseRawEntries);
  // The next page is read while this one is decoded and handled: Redis's work and the round trip overlap ours.
  let reading: Promise<RawEntry[]> | undefined = page(from);
  while (reading) {
    const entries = await reading;
    reading = undefined;
    if (entries.length === 0) break;
    lastId = entries[entries.length - 1]!.id;
    if (entries.length === batchSize) {
      from = `(${lastId}`;
      reading = page(from);
      reading.catch(() => {}); // awaited on the next turn; a failure there is not unhandled meanwhile
      // node-redis writes queued commands from a setImmediate: without this turn of the event loop the
      // next page's XRANGE left only after this page had been handled, and nothing overlapped.
      await setImmediate();
    }
    let events: ReceivedEvent<unknown>[] = [];
    let payloads: Buffer[] = [];
    for (const entry of entries) {
      if (!entry.flat) continue;
      try {
        const wire = readWireEvent(entry.flat);
        const definition = messageByType(channel, wire.type);
        if (!definition) throw new Error(`unknown type ${wire.type}`);
        const data = definition.codec.decode(wire.data);
        events.push(receivedWireEvent(wire, data, definition.name, stream, entry.id, 1));
        payloads.push(wire.data);
      } catch {
        skipped++;
      }
    }
    // Skipped like an undecodable entry: the live consumer dead-lettered it as unknown-schema.
    const decoded = events;
    events = await knownSchemas(events);
    skipped += decoded.length - events.length;
    if (events !== decoded) payloads = keptPayloads(decoded, payloads, events);
    const batchHandled = options.handleBatch ? await options.handleBatch(events, payloads) : false;
    if (!batchHandled) await handleBySubject(events, handlers, options.concurrency ?? 64);
    applied += events.length;
    options.onProgress?.(applied + skipped, total);
  }
  return { applied, skipped, lastId };
}

/** The payloads of the events a filter kept (`kept`: a subsequence of `all`, same objects, same order). */
function keptPayloads(all: ReceivedEvent<unknown>[], payloads: Buffer[], kept: ReceivedEvent<unknown>[]): Buffer[] {
  const result: Buffer[] = [];
  let next = 0;
  for (let i = 0; i < all.length && next < kept.length; i++) {
    if (all[i] === kept[next]) {
      result.push(payloads[i]!);
      next++;
    }
  }
  return result;
}

/**
 * Handles a batch in lanes, one per subject (an event without a subject is a lane of its own), up to
 * `limit` lanes at once. The first handler error stops new lanes from starting, waits for the running
 * ones and is rethrown, so a failed replay never reports later events as applied.
 */
async function handleBySubject(events: ReceivedEvent<unknown>[], handlers: Record<string, Handler<any>>, limit: number): Promise<void> {
  const lanes = new Map<string, ReceivedEvent<unknown>[]>();
  for (const event of events) {
    const key = event.envelope.subject ?? event.streamId;
    const lane = lanes.get(key);
    if (lane) lane.push(event);
    else lanes.set(key, [event]);
  }
  const queue = [...lanes.values()];
  let next = 0;
  let failure: { error: unknown } | undefined;
  const runner = async (): Promise<void> => {
    while (!failure && next < queue.length) {
      const lane = queue[next++]!;
      try {
        for (const event of lane) await handlers[event.name]!(event);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, queue.length)) }, runner));
  if (failure) throw failure.error;
}
