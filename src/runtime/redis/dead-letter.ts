// Writes an entry that cannot be processed to `<channel>.dlq` with the reason, and acks the original,
// in one MULTI/EXEC: the entry is either still pending or safely dead-lettered, never lost.
import type { DeadLetterReason } from '../core/errors.ts';
import type { RedisConnection, RedisValue } from './connection.ts';
import type { StreamEntry } from './replies.ts';

export interface DeadLetter {
  reason: DeadLetterReason;
  error: string;
  deliveries: number;
}

export interface DeadLetterTarget {
  stream: string;
  deadLetterStream: string;
  group: string;
  consumer: string;
  maxLen: number;
}

export async function deadLetter(redis: RedisConnection, target: DeadLetterTarget, entry: StreamEntry, letter: DeadLetter): Promise<void> {
  const fields: RedisValue[] = [];
  for (const [name, value] of entry.fields) fields.push(name, value);
  fields.push(
    'x-dlq-reason', letter.reason,
    'x-dlq-error', letter.error.slice(0, 2000),
    'x-dlq-stream', target.stream,
    'x-dlq-stream-id', entry.id,
    'x-dlq-group', target.group,
    'x-dlq-consumer', target.consumer,
    'x-dlq-deliveries', String(letter.deliveries),
    'x-dlq-time', new Date().toISOString(),
  );
  const transaction = redis.multi();
  transaction.addCommand(['XADD', target.deadLetterStream, 'MAXLEN', '~', String(target.maxLen), '*', ...fields]);
  transaction.addCommand(['XACK', target.stream, target.group, entry.id]);
  await transaction.exec();
}
