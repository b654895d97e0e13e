// The consumer's handle stage: one read entry in, one outcome out. It decodes the entry (undecodable,
// unknown or too-large entries are dead-lettered at once, never retried), runs the handler through the
// delivery rules (retry, dead-letter-after-N, wait-when-not-ready, then the caller's middleware), and
// turns what the handler threw into an outcome. Transport-free: the transport supplies the dead-letter
// write. It never acks and never throws: a failure it cannot classify leaves the entry pending.
import { messageByType } from './channel.ts';
import { readWireEvent, readWireFields, receivedWireEvent, wireSlot, wireSubject, type WireFields } from './envelope.ts';
import { DeadLetterError, isDeadLetterError, isInfrastructureError, isNotReadyError, type DeadLetterReason } from './errors.ts';
import type { RuntimeLogger } from './logger.ts';
import { composeHandler, deadLetterAfter, retry, waitWhenNotReady } from './reliability.ts';
import type { Outcome } from './subject-lanes.ts';
import type { ChannelDefinition, Handler, Middleware, ReceivedEvent, WireValue } from './types.ts';

/**
 * One entry as a transport read it: its id, its flat field list (null when it was deleted while
 * pending), its fields read once by slot, and its lane key (its subject, else its id; null: nothing to handle).
 */
export interface ReadEntry {
  id: string;
  flat: WireValue[] | null;
  fields: WireFields | null;
  key: string | null;
}

export function readEntry(id: string, flat: WireValue[] | null): ReadEntry {
  if (!flat || flat.length === 0) return { id, flat, fields: null, key: null };
  const fields = readWireFields(flat);
  return { id, flat, fields, key: wireSubject(fields) ?? id };
}

/** What goes to the dead-letter stream. `byReference`: too large to copy; the letter names the entry instead. */
export interface DeadLetter {
  reason: DeadLetterReason;
  error: string;
  deliveries: number;
  size: number;
  byReference: boolean;
}

/** The longest error text kept in a dead letter or a log line: a stack or a huge message is cut here. */
export const MAX_ERROR_TEXT = 2000;

export function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text;
}

export interface HandleStageOptions {
  channel: ChannelDefinition;
  /** The stream name handed to handlers as `event.channel`. */
  stream: string;
  handlers: Record<string, Handler<any>>;
  /** The caller's middleware, outermost first; inside the delivery rules. */
  middleware: ReadonlyArray<Middleware>;
  config: {
    maxEventBytes: number;
    maxDeliveries: number;
    retryAttempts: number;
    retryBackoffMs: number;
    notReadyAttempts: number;
    notReadyBackoffMs: number;
  };
  /** Aborted when the consumer stops: back-offs end at once. Asked at each back-off (a restart brings a new one). */
  signal: () => AbortSignal;
  logger: RuntimeLogger;
  /** Writes the dead letter and acks the entry, atomically. */
  deadLetter(entry: ReadEntry, letter: DeadLetter): Promise<void>;
  /** Told the outcome of each entry (for metrics and readiness); it must not throw. */
  onOutcome?: (outcome: HandleOutcome) => void;
}

/** What became of one entry: handled (acked), failed (left for a retry), dead-lettered (with the reason). */
export interface HandleOutcome {
  channel: string;
  /** CloudEvents `type`, or `unknown` when the entry had none readable. */
  type: string;
  outcome: 'handled' | 'failed' | 'dead_lettered';
  reason?: string;
}

export interface HandleCounters {
  handled: number;
  failed: number;
  infraFailed: number;
  deadLettered: number;
}

export interface HandleStage {
  /** Handles one delivery. `earlierWaits`: an earlier entry of its subject is held, so it gets no short waits. */
  handle(entry: ReadEntry, deliveryCount: number, earlierWaits: boolean): Promise<Outcome>;
  readonly counters: Readonly<HandleCounters>;
  /** Ids of entries held for a missing predecessor (outcome `waiting`) and not handled since. */
  readonly held: Set<string>;
}

export function createHandleStage(options: HandleStageOptions): HandleStage {
  const { channel, stream, config, signal, logger } = options;
  const counters: HandleCounters = { handled: 0, failed: 0, infraFailed: 0, deadLettered: 0 };
  const held = new Set<string>();
  const tell = options.onOutcome ?? (() => {});
  const typeOf = (entry: ReadEntry): string => {
    const type = entry.fields?.values[wireSlot.type!];
    return type === undefined ? 'unknown' : String(type);
  };
  const dispatch: Handler<any> = (event) => options.handlers[event.name]!(event);
  const inner = composeHandler(options.middleware, dispatch);
  const rules = {
    deadLetterAfter: deadLetterAfter({ maxDeliveries: config.maxDeliveries }),
    retry: retry({ attempts: config.retryAttempts, backoffMs: config.retryBackoffMs, signal }),
    wait: waitWhenNotReady({ attempts: config.notReadyAttempts, backoffMs: config.notReadyBackoffMs, signal }),
  };
  const withWaits = composeHandler([rules.deadLetterAfter, rules.retry, rules.wait], inner);
  const withoutWaits = composeHandler([rules.deadLetterAfter, rules.retry], inner);

  const decode = (entry: ReadEntry, deliveryCount: number): ReceivedEvent<unknown> => {
    const fields = entry.fields!;
    if (fields.size > config.maxEventBytes) throw new DeadLetterError('too-large', `entry is ${fields.size} bytes; the limit is ${config.maxEventBytes}`, { size: fields.size });
    const wire = readWireEvent(entry.flat!, fields);
    const definition = messageByType(channel, wire.type);
    if (!definition) throw new DeadLetterError('unknown-type', `type ${wire.type} is not carried by ${stream}`);
    let data: unknown;
    try {
      data = definition.codec.decode(wire.data);
    } catch (error) {
      throw new DeadLetterError('undecodable', `data is not a valid ${definition.type}: ${errorText(error)}`);
    }
    return receivedWireEvent(wire, data, definition.name, stream, entry.id, deliveryCount);
  };

  const toDeadLetter = async (entry: ReadEntry, error: DeadLetterError | unknown, deliveries: number): Promise<Outcome> => {
    const reason = isDeadLetterError(error) ? error.reason : 'rejected';
    const size = entry.fields?.size ?? 0;
    try {
      await options.deadLetter(entry, { reason, error: errorText(error), deliveries, size, byReference: reason === 'too-large' });
    } catch (writeError) {
      // The entry stays pending, so nothing is lost: it comes back once the dead-letter write can succeed.
      counters.infraFailed++;
      logger.error({ stream, id: entry.id, reason, err: errorText(writeError) }, 'dead-letter write failed; entry left pending');
      return 'pending';
    }
    held.delete(entry.id);
    counters.deadLettered++;
    tell({ channel: stream, type: typeOf(entry), outcome: 'dead_lettered', reason });
    logger.warn({ stream, id: entry.id, reason, err: errorText(error) }, 'event dead-lettered');
    return 'dead';
  };

  return {
    counters,
    held,
    async handle(entry, deliveryCount, earlierWaits) {
      let event: ReceivedEvent<unknown>;
      try {
        event = decode(entry, deliveryCount);
      } catch (error) {
        return toDeadLetter(entry, error, deliveryCount);
      }
      try {
        await (earlierWaits ? withoutWaits : withWaits)(event);
      } catch (error) {
        if (isDeadLetterError(error)) return toDeadLetter(entry, error, deliveryCount);
        if (isNotReadyError(error)) {
          if (!held.has(entry.id)) logger.info({ stream, id: entry.id, subject: event.envelope.subject, err: errorText(error) }, 'event held until its predecessor is applied');
          held.add(entry.id);
          return 'waiting';
        }
        if (isInfrastructureError(error)) counters.infraFailed++;
        else counters.failed++;
        tell({ channel: stream, type: event.envelope.type, outcome: 'failed' });
        logger.warn({ stream, id: entry.id, deliveryCount, infrastructure: isInfrastructureError(error), err: errorText(error) }, 'handler failed; entry left pending for redelivery');
        return 'pending';
      }
      held.delete(entry.id);
      counters.handled++;
      tell({ channel: stream, type: event.envelope.type, outcome: 'handled' });
      return 'ack';
    },
  };
}
