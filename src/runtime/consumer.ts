// A consumer-group reader of one channel: XREADGROUP BLOCK, decode, dispatch to typed handlers, XACK.
// It reclaims entries that dead consumers left pending, retries failures with backoff, and sends what
// can never succeed to the dead-letter stream. It never acks an entry that was not handled or dead-lettered.
import { deadLetterStream, messageByType } from './channel.ts';
import { consumerDefaults, silentLogger, type ConsumerConfig, type RuntimeLogger } from './consumer-config.ts';
import { deadLetter, type DeadLetterTarget } from './dead-letter.ts';
import { readWireEvent, readWireFields, receivedWireEvent, wireSlot, wireSubject, type WireFields } from './envelope.ts';
import { DeadLetterError, isDeadLetterError, isNotReadyError } from './errors.ts';
import { closeConnection, duplicateConnection, type RedisConnection, type RedisValue } from './redis.ts';
import { parseAutoClaim, parseGroups, parsePendingCounts, parseRawEntries, parseReadGroupRaw, toStreamEntry, type RawEntry } from './stream-replies.ts';
import { createSubjectLanes, type LaneEntry, type Outcome } from './subject-lanes.ts';
import type { ChannelDefinition, ChannelHandlers, ConsumerStats, Handler, Middleware, ReceivedEvent } from './types.ts';

export interface ConsumerOptions<C extends ChannelDefinition> {
  /** Consumer group: one per consuming service (for example `sales`). */
  group: string;
  /** Consumer name: one per instance, stable across restarts so it resumes its own pending entries. */
  consumer: string;
  handlers: ChannelHandlers<C>;
  /** Outermost first. */
  middleware?: Middleware[];
  config?: Partial<ConsumerConfig>;
  logger?: RuntimeLogger;
  /** Told the outcome of each entry (for metrics); it must not throw. */
  onOutcome?: (outcome: ConsumerOutcome) => void;
}

/** What became of one entry: handled (acked), failed (left for a retry), dead-lettered (with the reason). */
export interface ConsumerOutcome {
  channel: string;
  /** CloudEvents `type`, or `unknown` when the entry had none readable. */
  type: string;
  outcome: 'handled' | 'failed' | 'dead_lettered';
  reason?: string;
}

export interface Consumer<C extends ChannelDefinition> {
  readonly channel: C;
  /** Creates the group if needed and starts reading in the background. */
  start(): Promise<void>;
  /** Stops reading, finishes and acks what is in flight, then closes its connection. */
  stop(): Promise<void>;
  stats(): Promise<ConsumerStats>;
}


/** An entry of a batch: its fields read once, by slot; its lane is its subject. */
interface Item extends LaneEntry, RawEntry {
  fields: WireFields | null;
}

function toItem(entry: RawEntry): Item {
  if (!entry.flat || entry.flat.length === 0) return { id: entry.id, flat: entry.flat, fields: null, key: null };
  const fields = readWireFields(entry.flat);
  return { id: entry.id, flat: entry.flat, fields, key: wireSubject(fields) ?? entry.id };
}

export function createConsumer<C extends ChannelDefinition>(redis: RedisConnection, channel: C, options: ConsumerOptions<C>): Consumer<C> {
  const config: ConsumerConfig = { ...consumerDefaults, ...options.config };
  const logger = options.logger ?? silentLogger;
  const stream = channel.address;
  const { group, consumer } = options;
  const target: DeadLetterTarget = { stream, deadLetterStream: deadLetterStream(channel), group, consumer, maxLen: config.deadLetterMaxLen };
  const counters = { handled: 0, failed: 0, deadLettered: 0, reclaimed: 0 };
  const handlers = options.handlers as Record<string, Handler<any>>;
  const dispatch: Handler<any> = (event) => handlers[event.name]!(event);
  const handle = (options.middleware ?? []).reduceRight<Handler<any>>((next, middleware) => middleware(next), dispatch);
  const tell = options.onOutcome ?? (() => {});
  const typeOf = (entry: Item): string => {
    const type = entry.fields?.values[wireSlot.type!];
    return type === undefined ? 'unknown' : String(type);
  };

  let running = false;
  let reader: RedisConnection | undefined;
  let loop: Promise<void> | undefined;

  const ensureGroup = async (): Promise<void> => {
    try {
      await redis.sendCommand(['XGROUP', 'CREATE', stream, group, config.startId, 'MKSTREAM']);
    } catch (error) {
      if (!String(error).includes('BUSYGROUP')) throw error;
    }
  };

  const process = async (entry: Item, deliveryCount: number, quick: boolean): Promise<Outcome> => {
    let event: ReceivedEvent<unknown>;
    try {
      event = decode(entry, deliveryCount);
    } catch (error) {
      return toDeadLetter(entry, error, deliveryCount);
    }
    let lastError: unknown;
    for (let attempt = 0; attempt <= config.retryAttempts; attempt++) {
      try {
        await handle(event);
        counters.handled++;
        tell({ channel: stream, type: event.envelope.type, outcome: 'handled' });
        return 'ack';
      } catch (error) {
        if (isDeadLetterError(error)) return toDeadLetter(entry, error, deliveryCount);
        lastError = error;
        // The whole batch waits for its slowest lane: an early event gets short retries (its predecessor
        // may be in flight on another consumer), none when an earlier one of its subject already waits.
        const early = isNotReadyError(error);
        if (early && quick) break;
        const backoff = early ? config.notReadyBackoffMs : config.retryBackoffMs;
        if (attempt < config.retryAttempts && running) await sleep(backoff * 2 ** attempt);
        else if (!running) break;
      }
    }
    if (!quick) {
      counters.failed++;
      tell({ channel: stream, type: event.envelope.type, outcome: 'failed' });
    }
    if (deliveryCount >= config.maxDeliveries) {
      const message = `failed after ${deliveryCount} deliveries: ${errorMessage(lastError)}`;
      return toDeadLetter(entry, new DeadLetterError('max-deliveries', message), deliveryCount);
    }
    if (isNotReadyError(lastError)) return 'waiting';
    logger.warn({ stream, id: entry.id, deliveryCount, err: errorMessage(lastError) }, 'handler failed; entry left pending for redelivery');
    return 'pending';
  };

  const decode = (entry: Item, deliveryCount: number): ReceivedEvent<unknown> => {
    const fields = entry.fields!;
    if (fields.size > config.maxEventBytes) throw new DeadLetterError('too-large', `entry is ${fields.size} bytes; the limit is ${config.maxEventBytes}`, { size: fields.size });
    const wire = readWireEvent(entry.flat!, fields);
    const definition = messageByType(channel, wire.type);
    if (!definition) throw new DeadLetterError('unknown-type', `type ${wire.type} is not carried by ${stream}`);
    let data: unknown;
    try {
      data = definition.codec.decode(wire.data);
    } catch (error) {
      throw new DeadLetterError('undecodable', `data is not a valid ${definition.type}: ${errorMessage(error)}`);
    }
    return receivedWireEvent(wire, data, definition.name, stream, entry.id, deliveryCount);
  };

  const toDeadLetter = async (entry: Item, error: unknown, deliveries: number): Promise<Outcome> => {
    const reason = isDeadLetterError(error) ? error.reason : 'rejected';
    await deadLetter(redis, target, toStreamEntry(entry), { reason, error: errorMessage(error), deliveries });
    counters.deadLettered++;
    tell({ channel: stream, type: typeOf(entry), outcome: 'dead_lettered', reason });
    logger.warn({ stream, id: entry.id, reason, err: errorMessage(error) }, 'event dead-lettered');
    return 'dead';
  };

  const lanes = createSubjectLanes<Item>(process, config.concurrency);

  /**
   * Handles a batch (see SubjectLanes.run). Resolves once every entry is handled, with the batch's XACK
   * already sent; the caller awaits `ack`.
   */
  const handleBatch = async (entries: RawEntry[], deliveryCounts?: Map<string, number>, due?: Set<string>): Promise<{ ack: Promise<unknown> }> => {
    const acked = await lanes.run(entries.map(toItem), deliveryCounts, due);
    return { ack: acked.length > 0 ? redis.sendCommand(['XACK', stream, group, ...acked]) : Promise.resolve() };
  };

  const processBatch = async (entries: RawEntry[], deliveryCounts?: Map<string, number>, due?: Set<string>): Promise<void> => {
    await (await handleBatch(entries, deliveryCounts, due)).ack;
  };

  const deliveryCountsOf = async (entries: RawEntry[]): Promise<Map<string, number>> => {
    if (entries.length === 0) return new Map();
    const first = entries[0]!.id;
    const last = entries[entries.length - 1]!.id;
    const raw = await redis.sendCommand(['XPENDING', stream, group, first, last, String(entries.length * 2), consumer]);
    return parsePendingCounts(raw);
  };

  /** Own entries left pending by a previous run of this consumer: redelivered (XREADGROUP 0), handled first, in order. */
  const drainOwnPending = async (): Promise<void> => {
    let cursor = '0';
    while (running) {
      const raw = await redis.sendCommand(['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(config.batchSize), 'STREAMS', stream, cursor]);
      const entries = parseReadGroupRaw(raw, stream);
      if (entries.length === 0) return;
      await processBatch(entries, await deliveryCountsOf(entries));
      cursor = entries[entries.length - 1]!.id;
    }
  };

  /**
   * Takes over entries idle longer than minIdleMs, from any consumer of the group (a dead one's, or its
   * own that failed): XAUTOCLAIM counts a delivery. They are handled by the own-pending pass that follows,
   * in stream order with this consumer's other pending entries. Returns the ids taken over.
   */
  const reclaim = async (): Promise<Set<string>> => {
    const claimed = new Set<string>();
    let cursor = '0-0';
    do {
      // Not JUSTID: that would not count the delivery. The entries are read again by the pass.
      const claim = parseAutoClaim(await redis.sendCommand(['XAUTOCLAIM', stream, group, consumer, String(config.minIdleMs), cursor, 'COUNT', String(config.batchSize)]));
      cursor = claim.next;
      for (const entry of claim.entries) claimed.add(entry.id);
    } while (cursor !== '0-0' && running);
    if (claimed.size > 0) {
      counters.reclaimed += claimed.size;
      logger.info({ stream, count: claimed.size }, 'reclaimed pending entries');
    }
    return claimed;
  };

  /**
   * Handles this consumer's pending entries that are due (just reclaimed, or waiting for a predecessor)
   * in stream order, every claim interval. Reads them with XPENDING + XRANGE, which (unlike XREADGROUP 0)
   * neither counts a delivery nor resets their idle time: maxDeliveries still counts real redeliveries,
   * and an entry that keeps failing is still reclaimed (and counted) after minIdleMs.
   */
  const retryOwnPending = async (claimed: Set<string>): Promise<void> => {
    const due = lanes.startPass(claimed);
    let start = '-';
    while (running) {
      const rows = (await redis.sendCommand(['XPENDING', stream, group, start, '+', String(config.batchSize), consumer])) as Array<[RedisValue, RedisValue, number, number]>;
      if (!rows || rows.length === 0) return;
      const counts = parsePendingCounts(rows);
      const ids = [...counts.keys()];
      const pipeline = redis.multi();
      for (const id of ids) pipeline.addCommand(['XRANGE', stream, id, id]);
      const entries = ((await pipeline.execAsPipeline()) as unknown[]).flatMap((reply) => (reply instanceof Error ? [] : parseRawEntries(reply)));
      await processBatch(entries, counts, due);
      if (rows.length < config.batchSize) return;
      start = `(${ids[ids.length - 1]!}`;
    }
  };

  const run = async (): Promise<void> => {
    let lastClaim = 0;
    let ownDrained = false;
    // The previous batch's XACK travels while the next XREADGROUP waits: one round trip per batch
    // instead of two. It settles before the next batch is handled, and before the loop ends.
    let ackInFlight: Promise<unknown> | undefined;
    const settleAck = async (): Promise<void> => {
      const outcome = ackInFlight;
      ackInFlight = undefined;
      const error = await outcome;
      if (error) throw error;
    };
    // While a batch is handled, the next one is already being read (one batch ahead): the read's round
    // trip and Redis's work overlap with handling. A batch read ahead is always handled, even after
    // stop(), so nothing is left delivered but unhandled.
    type Read = { raw: unknown } | { error: unknown };
    let readAhead: Promise<Read> | undefined;
    const read = (): Promise<Read> =>
      reader!.sendCommand([
        'XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(config.batchSize), 'BLOCK', String(config.blockMs), 'STREAMS', stream, '>',
      ]).then((raw) => ({ raw }), (error: unknown) => ({ error }));
    const nextBatch = async (): Promise<RawEntry[]> => {
      const result = await (readAhead ?? read());
      readAhead = undefined;
      if ('error' in result) throw result.error;
      return parseReadGroupRaw(result.raw, stream);
    };
    const handleAndAck = async (entries: RawEntry[]): Promise<void> => {
      await settleAck();
      const { ack } = await handleBatch(entries);
      // Resolves to the error instead of rejecting, so a failed ack is never an unhandled rejection.
      ackInFlight = ack.then(() => undefined, (error: unknown) => error ?? new Error('XACK failed'));
    };
    while (running) {
      try {
        if (!ownDrained) {
          await drainOwnPending();
          ownDrained = true;
        }
        if (Date.now() - lastClaim >= config.claimIntervalMs) {
          // The pass must see only entries whose outcome is settled: the batch read ahead is handled
          // and every XACK lands first, or they would look pending and unhandled.
          if (readAhead) await handleAndAck(await nextBatch());
          await settleAck();
          await retryOwnPending(await reclaim());
          lastClaim = Date.now();
        }
        const entries = await nextBatch();
        if (running && entries.length > 0) readAhead = read();
        await handleAndAck(entries);
      } catch (error) {
        if (!running) break;
        if (String(error).includes('NOGROUP')) await ensureGroup().catch(() => {});
        logger.error({ stream, group, err: errorMessage(error) }, 'consumer loop error; retrying');
        await sleep(500);
      }
    }
    if (readAhead) await nextBatch().then(handleAndAck).catch((error) => logger.error({ stream, group, err: errorMessage(error) }, 'last batch failed; its entries stay pending'));
    await settleAck().catch((error) => logger.error({ stream, group, err: errorMessage(error) }, 'last XACK failed; its entries stay pending'));
  };

  return {
    channel,
    async start() {
      if (running) return;
      await ensureGroup();
      reader = await duplicateConnection(redis, `${group}:${consumer}:reader`);
      running = true;
      loop = run();
      logger.info({ stream, group, consumer }, 'consumer started');
    },
    async stop() {
      if (!running) return;
      running = false;
      // The blocking read returns within blockMs; in-flight handlers finish and are acked first.
      await loop;
      if (reader) await closeConnection(reader).catch(() => reader?.destroy());
      reader = undefined;
      logger.info({ stream, group, consumer }, 'consumer stopped');
    },
    async stats() {
      const groups = parseGroups(await redis.sendCommand(['XINFO', 'GROUPS', stream]).catch(() => []));
      const info = groups.find((g) => g.name === group);
      return { ...counters, lag: info?.lag ?? null, pending: info?.pending ?? 0, running };
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
