// Writes an entry that cannot be processed to the channel's dead-letter stream with the reason, and
// acks the original, in one MULTI/EXEC: the entry is either still pending or safely dead-lettered,
// never lost. A too-large entry is dead-lettered by reference (stream, id, size, reason), never copied:
// copying it would double the memory it already costs, in Redis and in this process. The DLQ is never
// trimmed here: a dead letter is data, kept until an operator requeues or discards it.
import { MAX_ERROR_TEXT, type DeadLetter, type ReadEntry } from '../core/handle-stage.ts';
import { isClusterConnection, keySlot } from './cluster-connection.ts';
import type { RedisConnection, RedisValue } from './connection.ts';

export interface DeadLetterTarget {
  stream: string;
  deadLetterStream: string;
  group: string;
  consumer: string;
}

/** Envelope attributes a by-reference letter still names, when each is short enough to be an attribute. */
const REFERENCE_ATTRIBUTES = new Set(['id', 'type', 'subject', 'sequence', 'source']);
const MAX_REFERENCE_ATTRIBUTE_BYTES = 256;

function letterFields(entry: ReadEntry, letter: DeadLetter): RedisValue[] {
  const fields: RedisValue[] = [];
  const flat = entry.flat ?? [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i]!.toString();
    const value = flat[i + 1]!;
    if (!letter.byReference) fields.push(name, value);
    else if (REFERENCE_ATTRIBUTES.has(name) && value.length <= MAX_REFERENCE_ATTRIBUTE_BYTES) fields.push(name, value);
  }
  if (letter.byReference) fields.push('x-dlq-by-reference', '1');
  return fields;
}

export async function deadLetter(redis: RedisConnection, target: DeadLetterTarget, entry: ReadEntry, letter: DeadLetter): Promise<void> {
  const fields = letterFields(entry, letter);
  fields.push(
    'x-dlq-reason', letter.reason,
    'x-dlq-error', letter.error.slice(0, MAX_ERROR_TEXT),
    'x-dlq-stream', target.stream,
    'x-dlq-stream-id', entry.id,
    'x-dlq-size', String(letter.size),
    'x-dlq-group', target.group,
    'x-dlq-consumer', target.consumer,
    'x-dlq-deliveries', String(letter.deliveries),
    'x-dlq-time', new Date().toISOString(),
  );
  // Never MAXLEN: a dead letter is data, kept until an operator requeues or discards it.
  const write: RedisValue[] = ['XADD', target.deadLetterStream, '*', ...fields];
  const ack: RedisValue[] = ['XACK', target.stream, target.group, entry.id];
  if (isClusterConnection(redis) && keySlot(target.stream) !== keySlot(target.deadLetterStream)) {
    // An untagged single-partition channel on Redis Cluster: its DLQ lives in another slot, where no
    // MULTI reaches. Letter first, ack second: a crash between them dead-letters the entry again on
    // redelivery (a second letter with the same x-dlq-stream-id), never loses it. Partitioned channels
    // ({a#p} and {a#p}.dlq) share a slot and keep the single MULTI.
    await redis.sendCommand(write);
    await redis.sendCommand(ack);
    return;
  }
  const transaction = redis.multi();
  transaction.addCommand(write);
  transaction.addCommand(ack);
  await transaction.exec();
}
