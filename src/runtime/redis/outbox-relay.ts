// Publishes an outbox stream to the channels its entries name: read a batch, XADD each entry's wire
// fields unchanged to its channel, then XDEL the batch. At-least-once: a crash after publish and before
// XDEL republishes the same event id (consumers dedupe on it). It never decodes or re-encodes an event,
// and it never stalls behind one entry: an entry it can never publish is parked with a reason and
// counted, and the relay goes on.
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultMaxEventBytes, eventSize } from '../core/event-size.ts';
import { partitionOf } from '../core/partition.ts';
import { endSpan, startRelaySpan } from '../core/telemetry.ts';
import type { ChannelDefinition, Envelope } from '../core/types.ts';
import { producerDefaults } from './producer.ts';
import { duplicateConnection, type RedisConnection, type RedisValue } from './connection.ts';
import { trimSafely } from './retention.ts';
import { parseEntries, type StreamEntry } from './replies.ts';
import { outboxChannelField } from './outbox.ts';
import { waitForStreamReplicas, type WaitForReplicas } from './functions.ts';
import { parkedStream, partitionStreamKey } from './stream-names.ts';

/** Why an entry was parked instead of published. */
export type ParkReason = 'unknown-channel' | 'too-large' | 'refused';

export interface OutboxRelayOptions {
  /** The outbox stream key, for example `catalog:outbox`. */
  outboxKey: string;
  /**
   * The channels this relay may publish to (the service's send operations): an address, or a channel
   * definition whose `partitions` sends each entry to its subject's partition stream.
   */
  channels: ReadonlyArray<string | Pick<ChannelDefinition, 'address' | 'partitions'>>;
  /** Entries per round trip. */
  batchSize?: number;
  /** How long one XREAD waits for new entries; bounds shutdown latency. */
  blockMs?: number;
  /** Largest entry (wire fields) a channel accepts; larger ones are parked as `too-large`. */
  maxEventBytes?: number;
  /** Retention of each channel (see ProducerOptions.maxLen) and how often it is applied. */
  maxLen?: number;
  trimEvery?: number;
  /**
   * Confirm each published batch reached this many replicas of every stream it went to (WAIT) before the
   * outbox entries are deleted; fewer in time retries the round (the entries are published again, and
   * consumers dedupe them). Without it a master failover can lose a published event whose outbox entry is gone.
   */
  waitForReplicas?: WaitForReplicas;
  /** Fault injection for tests only: pause between publish and XDEL, so a SIGKILL lands in that window. */
  ackDelayMs?: number;
  /** Told about what the relay does, for metrics. */
  observer?: {
    /** `seconds`: the round trip that published the batch these entries were part of. */
    published?(channel: string, count: number, seconds: number): void;
    parked?(reason: ParkReason, channel: string): void;
  };
  logger?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

/**
 * 100 entries: one round trip moves a batch of typical events (a few hundred bytes each) with room to
 * spare; a larger batch only delays the first publish after a backlog.
 */
export const DEFAULT_RELAY_BATCH = 100;
/** 1 s: an idle relay wakes this often, so stop() never waits longer than that. */
export const DEFAULT_RELAY_BLOCK_MS = 1000;
/** A failing round (Redis down, busy, out of memory) is retried after 100 ms, doubling up to 5 s. */
export const RELAY_RETRY_MIN_MS = 100;
export const RELAY_RETRY_MAX_MS = 5000;

export interface RelayStatus {
  running: boolean;
  /** Entries committed to the outbox but not yet published and removed. */
  backlog: number;
  /** Entries parked since this relay started (the parked stream keeps them all). */
  parked: number;
  published: number;
  /** The error of the current failing streak, if any. */
  failing?: string;
}

export interface OutboxRelay {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly running: boolean;
  backlog(): Promise<number>;
  status(): Promise<RelayStatus>;
}

/**
 * Only a plain `ERR` reply is about the entry itself; everything else (NOPERM, OOM, BUSY, WRONGTYPE on
 * the channel key, a lost connection) says nothing about it: the round is retried, nothing is parked.
 */
function saysNothingAboutTheEntry(error: Error): boolean {
  return !error.message.startsWith('ERR ');
}

const spanAttributes = new Set(['traceparent', 'tracestate', 'id', 'type', 'source', 'specversion', 'subject', 'correlationid']);

interface Routed {
  entry: StreamEntry;
  channel: string;
  /** The envelope attributes a span needs (trace context, id, type), read as text without decoding data. */
  trace: Partial<Envelope>;
  /** The stream it goes to: the channel's, or its subject's partition of it. */
  stream: string;
  fields: RedisValue[];
}

export function createOutboxRelay(redis: RedisConnection, options: OutboxRelayOptions): OutboxRelay {
  const batchSize = options.batchSize ?? DEFAULT_RELAY_BATCH;
  const blockMs = options.blockMs ?? DEFAULT_RELAY_BLOCK_MS;
  const maxEventBytes = options.maxEventBytes ?? defaultMaxEventBytes;
  const maxLen = options.maxLen ?? producerDefaults.maxLen;
  const trimEvery = options.trimEvery ?? producerDefaults.trimEvery;
  const partitionsOf = new Map(options.channels.map((c) => (typeof c === 'string' ? [c, 1] : [c.address, c.partitions ?? 1])));
  const allowed = new Set(partitionsOf.keys());
  const sinceTrim = new Map<string, number>();
  let reader: RedisConnection | undefined;
  let running = false;
  let loop: Promise<void> | undefined;
  let stopping: AbortController | undefined;
  let parked = 0;
  let published = 0;
  let failing: { error: string; count: number } | undefined;

  /** Splits an entry into its channel and wire fields; a reason when it can never be published. */
  const route = (entry: StreamEntry): Routed | { entry: StreamEntry; channel: string; reason: ParkReason; error: string } => {
    const fields: RedisValue[] = [];
    let channel = '';
    let subject: string | undefined;
    const trace: Partial<Record<keyof Envelope, string>> = {};
    for (const [name, value] of entry.fields) {
      if (name === outboxChannelField) channel = value.toString();
      else fields.push(name, value);
      // Only the subject (to pick a partition) and the attributes a span names are read: the event itself is never decoded.
      if (name === 'subject') subject = value.toString();
      if (spanAttributes.has(name)) trace[name as keyof Envelope] = value.toString();
    }
    if (!allowed.has(channel)) {
      return { entry, channel, reason: 'unknown-channel', error: `channel "${channel}" is not one this relay publishes to (${[...allowed].join(', ')})` };
    }
    const size = eventSize(fields);
    if (size > maxEventBytes) return { entry, channel, reason: 'too-large', error: `event is ${size} bytes; ${channel} accepts at most ${maxEventBytes}` };
    const partitions = partitionsOf.get(channel)!;
    return { entry, channel, stream: partitionStreamKey(channel, partitionOf(subject, partitions), partitions), fields, trace: trace as Partial<Envelope> };
  };

  const park = async (entry: StreamEntry, channel: string, reason: ParkReason, error: string): Promise<void> => {
    const fields: RedisValue[] = ['x-park-reason', reason, 'x-park-error', error.slice(0, 2000), 'x-park-outbox-id', entry.id, 'x-park-time', new Date().toISOString()];
    for (const [name, value] of entry.fields) fields.push(name, value);
    const transaction = redis.multi();
    transaction.addCommand(['XADD', parkedStream(options.outboxKey), '*', ...fields]);
    transaction.addCommand(['XDEL', options.outboxKey, entry.id]);
    await transaction.exec();
    parked += 1;
    options.observer?.parked?.(reason, channel);
    options.logger?.warn({ outbox: options.outboxKey, entry: entry.id, channel, reason, error }, 'outbox entry parked');
  };

  /** Retention per stream; each partition keeps maxLen / partitions, so the channel keeps about maxLen. */
  const afterPublish = async (item: Routed, count: number): Promise<void> => {
    const since = (sinceTrim.get(item.stream) ?? 0) + count;
    sinceTrim.set(item.stream, since >= trimEvery ? 0 : since);
    const share = Math.max(1, Math.ceil(maxLen / partitionsOf.get(item.channel)!));
    if (since >= trimEvery) await trimSafely(redis, item.stream, share, Math.max(trimEvery * 10, 10_000));
  };

  /** Publishes one batch, parking what can never go out. Throws on an infrastructure error (the round is retried). */
  const relayBatch = async (entries: StreamEntry[]): Promise<void> => {
    const publishable: Routed[] = [];
    for (const entry of entries) {
      const routed = route(entry);
      if ('reason' in routed) await park(routed.entry, routed.channel, routed.reason, routed.error);
      else publishable.push(routed);
    }
    if (publishable.length === 0) return;
    // Sent in one tick, so node-redis writes them as one pipeline; each settles on its own, so one
    // refused entry is told apart from the others.
    const started = performance.now();
    // Each entry is sent under a PRODUCER `send` span that continues the event's own trace (the context
    // its command wrote into traceparent/tracestate), so one trace runs from the command to the consumers.
    const spans = publishable.map((item) => startRelaySpan(item.channel, item.trace));
    const replies = await Promise.allSettled(publishable.map((item) => redis.sendCommand(['XADD', item.stream, '*', ...item.fields])));
    const seconds = (performance.now() - started) / 1000;
    replies.forEach((settled, i) => endSpan(spans[i]!, settled.status === 'rejected' ? settled.reason : undefined));
    const done = new Set<string>();
    let infrastructure: Error | undefined;
    for (let i = 0; i < publishable.length; i++) {
      const settled = replies[i]!;
      const item = publishable[i]!;
      if (settled.status === 'fulfilled') {
        done.add(item.entry.id);
        continue;
      }
      const reply = settled.reason instanceof Error ? settled.reason : new Error(String(settled.reason));
      if (saysNothingAboutTheEntry(reply)) {
        infrastructure ??= reply;
        continue;
      }
      // Redis refused this entry itself (for example a malformed field list): it will never pass.
      await park(item.entry, item.channel, 'refused', reply.message);
    }
    if (done.size > 0 && options.waitForReplicas) {
      // On the same connection as the XADDs, so WAIT covers them on each stream's master.
      const streams = new Set(publishable.filter((item) => done.has(item.entry.id)).map((item) => item.stream));
      await Promise.all([...streams].map((stream) => waitForStreamReplicas(redis, stream, options.waitForReplicas!)));
    }
    if (options.ackDelayMs) await sleep(options.ackDelayMs);
    if (done.size > 0) {
      await redis.sendCommand(['XDEL', options.outboxKey, ...done]);
      published += done.size;
      const perStream = new Map<string, { item: Routed; count: number }>();
      for (const item of publishable) {
        if (!done.has(item.entry.id)) continue;
        const seen = perStream.get(item.stream) ?? { item, count: 0 };
        seen.count += 1;
        perStream.set(item.stream, seen);
      }
      for (const { item, count } of perStream.values()) {
        options.observer?.published?.(item.channel, count, seconds);
        await afterPublish(item, count);
      }
    }
    if (infrastructure) throw infrastructure;
  };

  async function runLoop(signal: AbortSignal): Promise<void> {
    let retryMs = RELAY_RETRY_MIN_MS;
    while (running) {
      try {
        // Always from the beginning: whatever is still in the outbox was not confirmed published.
        const reply = await reader!.sendCommand(['XREAD', 'COUNT', String(batchSize), 'BLOCK', String(blockMs), 'STREAMS', options.outboxKey, '0-0']);
        const entries = parseEntries(firstStreamEntries(reply)).filter((e) => e.fields.size > 0);
        // A blocking XREAD from 0-0 returns at once while entries exist; when the outbox is empty it waits.
        if (entries.length > 0) await relayBatch(entries);
        if (failing) options.logger?.info({ outbox: options.outboxKey, failures: failing.count }, 'outbox relay recovered');
        failing = undefined;
        retryMs = RELAY_RETRY_MIN_MS;
      } catch (error) {
        if (!running) break;
        const message = error instanceof Error ? error.message : String(error);
        // One log line per failing streak and per 100 failures, not one per retry.
        if (!failing || failing.error !== message || failing.count % 100 === 0) {
          options.logger?.error({ err: message, outbox: options.outboxKey, failures: (failing?.count ?? 0) + 1 }, 'outbox relay failed; retrying');
        }
        failing = { error: message, count: (failing?.error === message ? failing.count : 0) + 1 };
        await sleep(retryMs, undefined, { signal }).catch(() => undefined);
        retryMs = Math.min(retryMs * 2, RELAY_RETRY_MAX_MS);
      }
    }
  }

  const relay: OutboxRelay = {
    get running() {
      return running;
    },
    async start() {
      if (running) return;
      reader = await duplicateConnection(redis, `${options.outboxKey}:relay`);
      running = true;
      stopping = new AbortController();
      loop = runLoop(stopping.signal);
      options.logger?.info({ outbox: options.outboxKey, channels: [...allowed] }, 'outbox relay started');
    },
    async stop() {
      if (!running) return;
      running = false;
      stopping?.abort();
      // The blocked XREAD holds only the reader connection; destroying it ends the wait at once.
      reader?.destroy();
      await loop;
      reader = undefined;
    },
    async backlog() {
      return Number(await redis.sendCommand(['XLEN', options.outboxKey]));
    },
    async status() {
      return { running, backlog: await relay.backlog(), parked, published, ...(failing ? { failing: failing.error } : {}) };
    },
  };
  return relay;
}

/** XREAD's reply (RESP3 map or RESP2 list) as the entries of its single stream. */
function firstStreamEntries(reply: unknown): unknown {
  if (!reply) return [];
  if (reply instanceof Map) return [...reply.values()][0] ?? [];
  if (Array.isArray(reply)) return (reply[0] as [unknown, unknown] | undefined)?.[1] ?? [];
  return Object.values(reply as Record<string, unknown>)[0] ?? [];
}
