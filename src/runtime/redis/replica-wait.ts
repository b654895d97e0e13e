// Writes followed by Redis WAIT in one pipeline: on one node or a cluster (the pipeline goes to the first
// key's master) the WAIT reaches the master right after the writes. Fewer replicas than asked confirming
// in time throws HERALD_ERR_NOT_REPLICATED: a failover could lose the writes, so they are reported as failed.
import { HeraldError } from '../core/errors.ts';
import type { RedisConnection, RedisValue } from './connection.ts';

/** Replication confirmation for a write (Redis WAIT). */
export interface WaitForReplicas {
  replicas: number;
  timeoutMs: number;
}

/** Sends `commands` in one pipeline, then WAIT when `wait` is given; resolves to the commands' replies. */
export async function pipelineWithWait(redis: RedisConnection, commands: RedisValue[][], wait?: WaitForReplicas): Promise<unknown[]> {
  const pipeline = redis.multi();
  for (const command of commands) pipeline.addCommand(command);
  if (wait) pipeline.addCommand(['WAIT', String(wait.replicas), String(wait.timeoutMs)]);
  const replies = (await pipeline.execAsPipeline()) as unknown[];
  return checkReplies(`${String(commands[0]![0])} ${String(commands[0]![1])}`, commands.length, replies, wait);
}

/**
 * The replies of `count` commands (then WAIT's, when `wait` is given) with WAIT's removed: throws the
 * first error reply, and HERALD_ERR_NOT_REPLICATED when fewer replicas than asked confirmed. `first`
 * names the first command (`XADD <stream>`) in the message.
 */
export function checkReplies(first: string, count: number, replies: unknown[], wait?: WaitForReplicas): unknown[] {
  for (const reply of replies) if (reply instanceof Error) throw reply;
  if (wait) {
    const confirmed = Number(replies.pop());
    if (confirmed < wait.replicas) {
      const target = `${first}${count > 1 ? ` and ${count - 1} more` : ''}`;
      throw new HeraldError('HERALD_ERR_NOT_REPLICATED', `${target} reached ${confirmed} of ${wait.replicas} replica(s) within ${wait.timeoutMs} ms; a failover could lose it`, { command: first.slice(first.indexOf(' ') + 1), confirmed });
    }
  }
  return replies;
}
