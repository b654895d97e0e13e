// An in-memory transport: streams, consumer groups, pending entries and dead-letter streams inside one
// process, with the same envelope, stages (lanes, handle) and delivery rules as the Redis Streams
// transport. For tests and local runs of code written against herald/runtime; it passes the same
// conformance suite (test/support/transport-conformance.ts). It never persists anything and imports no Redis module.
import { setTimeout as sleep } from 'node:timers/promises';
import { messageByName } from '../core/channel.ts';
import { encodeMessage, encodedEventToFields, type EncodedEvent } from '../core/envelope.ts';
import { assertEventSize, defaultMaxEventBytes } from '../core/event-size.ts';
import { createHandleStage, readEntry, type ReadEntry } from '../core/handle-stage.ts';
import { silentLogger } from '../core/logger.ts';
import { createSubjectLanes } from '../core/subject-lanes.ts';
import type { ChannelDefinition, ConsumerStats, Handler, MessageName, PayloadOf, PublishOptions, WireValue } from '../core/types.ts';
import { resolveConsumerConfig } from '../core/consumer-config.ts';
import type { Consumer, ConsumerOptions, OutgoingEvent, Producer, ProducerOptions } from '../core/transport.ts';
import { deadLetterKey, streamKey } from '../redis/stream-names.ts';

interface Pending {
  consumer: string;
  deliveries: number;
  deliveredAt: number;
}

interface Group {
  /** Index in `entries` of the next entry never delivered to the group. */
  next: number;
  pending: Map<string, Pending>;
}

interface Stream {
  entries: Array<{ id: string; flat: WireValue[] }>;
  groups: Map<string, Group>;
  /** Woken on every append, so blocked readers return at once. */
  waiters: Set<() => void>;
}

export interface MemoryTransport {
  createProducer<C extends ChannelDefinition>(channel: C, options: ProducerOptions): Producer<C>;
  createConsumer<C extends ChannelDefinition>(channel: C, options: ConsumerOptions<C>): Consumer<C>;
  /** Appends raw fields to a stream, as a foreign producer might; resolves to the entry id. */
  append(stream: string, flat: WireValue[]): string;
  /** Every entry of a stream (for example a dead-letter stream), with its fields. */
  read(stream: string): Array<{ id: string; fields: Map<string, WireValue> }>;
  /** Delivers up to `count` new entries to `consumer` without handling them: a consumer that crashed. */
  abandon(stream: string, group: string, consumer: string, count: number): void;
}

export function createMemoryTransport(): MemoryTransport {
  const streams = new Map<string, Stream>();
  let lastMs = 0;
  let seq = 0;

  const streamOf = (key: string): Stream => {
    let stream = streams.get(key);
    if (!stream) streams.set(key, (stream = { entries: [], groups: new Map(), waiters: new Set() }));
    return stream;
  };
  const groupOf = (stream: Stream, name: string): Group => {
    let group = stream.groups.get(name);
    if (!group) stream.groups.set(name, (group = { next: 0, pending: new Map() }));
    return group;
  };
  const append = (key: string, flat: WireValue[]): string => {
    const now = Date.now();
    seq = now > lastMs ? 0 : seq + 1;
    lastMs = Math.max(now, lastMs);
    const id = `${lastMs}-${seq}`;
    const stream = streamOf(key);
    stream.entries.push({ id, flat });
    for (const wake of stream.waiters) wake();
    stream.waiters.clear();
    return id;
  };
  const flatById = (stream: Stream, id: string) => stream.entries.find((entry) => entry.id === id)?.flat ?? null;
  const deliverNew = (stream: Stream, group: Group, consumer: string, count: number) => {
    const batch = stream.entries.slice(group.next, group.next + count);
    group.next += batch.length;
    for (const entry of batch) group.pending.set(entry.id, { consumer, deliveries: 1, deliveredAt: Date.now() });
    return batch;
  };

  return {
    append,
    read(key) {
      return streamOf(key).entries.map(({ id, flat }) => {
        const fields = new Map<string, WireValue>();
        for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!.toString(), flat[i + 1]!);
        return { id, fields };
      });
    },
    abandon(key, group, consumer, count) {
      const stream = streamOf(key);
      deliverNew(stream, groupOf(stream, group), consumer, count);
    },

    createProducer<C extends ChannelDefinition>(channel: C, options: ProducerOptions): Producer<C> {
      const key = streamKey(channel);
      const maxEventBytes = options.maxEventBytes ?? defaultMaxEventBytes;
      const encode = (name: string, data: unknown, publishOptions?: PublishOptions): EncodedEvent =>
        encodeMessage(messageByName(channel, name), options.source, data, publishOptions);
      const publishEncoded = async (events: ReadonlyArray<EncodedEvent>): Promise<string[]> => {
        const all = events.map((event) => {
          const flat = encodedEventToFields(event);
          assertEventSize(flat, maxEventBytes, key, event.envelope.type);
          return flat;
        });
        return all.map((flat) => append(key, flat));
      };
      return {
        channel,
        encode: encode as Producer<C>['encode'],
        encodeEvent(event) {
          const encoded = encode(event.name, event.data, event.options);
          assertEventSize(encodedEventToFields(encoded), maxEventBytes, key, encoded.envelope.type);
          return encoded;
        },
        publishEncoded,
        publish: async <N extends MessageName<C>>(name: N, data: PayloadOf<C, N>, publishOptions?: PublishOptions) => (await publishEncoded([encode(name, data, publishOptions)]))[0]!,
        publishBatch: (items: ReadonlyArray<OutgoingEvent<C>>) => publishEncoded(items.map((item) => encode(item.name, item.data, item.options))),
      };
    },

    createConsumer<C extends ChannelDefinition>(channel: C, options: ConsumerOptions<C>): Consumer<C> {
      const config = resolveConsumerConfig(options.config);
      const key = streamKey(channel);
      const stream = streamOf(key);
      const { consumer } = options;
      let running = false;
      let stopping = new AbortController();
      let loop: Promise<void> | undefined;
      let reclaimed = 0;
      const group = () => groupOf(stream, options.group);

      const handleStage = createHandleStage({
        channel, stream: key, config, logger: options.logger ?? silentLogger,
        handlers: options.handlers as Record<string, Handler<any>>,
        middleware: options.middleware ?? [],
        signal: () => stopping.signal,
        deadLetter: async (entry, letter) => {
          const fields: WireValue[] = letter.byReference ? ['x-dlq-by-reference', '1'] : [...(entry.flat ?? [])];
          fields.push('x-dlq-reason', letter.reason, 'x-dlq-error', letter.error, 'x-dlq-stream', key, 'x-dlq-stream-id', entry.id,
            'x-dlq-size', String(letter.size), 'x-dlq-group', options.group, 'x-dlq-consumer', consumer, 'x-dlq-deliveries', String(letter.deliveries));
          append(deadLetterKey(channel), fields);
          group().pending.delete(entry.id);
        },
      });
      const lanes = createSubjectLanes<ReadEntry>(handleStage.handle, config.concurrency, (id, laneKey) => ({ id, flat: null, fields: null, key: laneKey }), config.maxHeldEntries);
      const ack = (ids: string[]) => {
        for (const id of ids) group().pending.delete(id);
      };
      const countsOf = (ids: Iterable<string>) => new Map([...ids].map((id) => [id, group().pending.get(id)?.deliveries ?? 1]));

      /** As the Redis claim stage: take over idle entries, then walk this consumer's pending list in order. */
      const pass = async (): Promise<void> => {
        const now = Date.now();
        const claimed: ReadEntry[] = [];
        for (const [id, pending] of group().pending) {
          if (now - pending.deliveredAt < config.minIdleMs) continue;
          Object.assign(pending, { consumer, deliveries: pending.deliveries + 1, deliveredAt: now });
          claimed.push(readEntry(id, flatById(stream, id)));
        }
        reclaimed += claimed.length;
        const due = lanes.startPass(claimed);
        const own = [...group().pending].filter(([, p]) => p.consumer === consumer).map(([id]) => id).sort(compareIds);
        const entries = own.flatMap((id) => due.get(id) ?? lanes.blocker(id) ?? []);
        ack(await lanes.run(entries, countsOf(own), due));
      };

      const run = async (): Promise<void> => {
        let lastClaim = 0;
        while (running) {
          if (Date.now() - lastClaim >= config.claimIntervalMs) {
            await pass();
            lastClaim = Date.now();
          }
          const batch = deliverNew(stream, group(), consumer, config.batchSize);
          if (batch.length === 0) {
            // Block until an append, the claim interval, or stop.
            await Promise.race([new Promise<void>((wake) => stream.waiters.add(wake)), sleep(Math.min(config.blockMs, config.claimIntervalMs), undefined, { signal: stopping.signal }).catch(() => {})]);
            continue;
          }
          ack(await lanes.run(batch.map((entry) => readEntry(entry.id, entry.flat)), undefined));
        }
      };

      return {
        channel,
        async start() {
          if (running) return;
          if (!stream.groups.has(options.group)) groupOf(stream, options.group).next = config.startId === '$' ? stream.entries.length : 0;
          stopping = new AbortController();
          running = true;
          loop = run();
        },
        async stop() {
          if (!running) return;
          running = false;
          stopping.abort();
          await loop;
        },
        async stats(): Promise<ConsumerStats> {
          const g = stream.groups.get(options.group);
          // Dead letters are kept here too; the alarm mirrors the Redis consumer's (deadLetterMaxLen).
          const deadLetters = streamOf(deadLetterKey(channel)).entries.length;
          return {
            ...handleStage.counters, reclaimed, held: handleStage.held.size, lag: g ? stream.entries.length - g.next : null, pending: g?.pending.size ?? 0, running,
            deadLetters, deadLetterAlarm: deadLetters >= config.deadLetterMaxLen,
          };
        },
      };
    },
  };
}

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}
