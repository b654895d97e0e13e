// Retention that never loses work: trim a stream towards MAXLEN, but never past the first entry that
// some consumer group has not yet delivered or acknowledged. The cut is computed server side by the
// installed function `herald_trim_safely` (safe-trim.ts), atomically with the trim.

import type { RedisConnection } from './connection.ts';
import { fcall } from './functions.ts';

/** Trims `stream` towards `maxLen` without dropping entries a group still needs. */
export async function trimSafely(redis: RedisConnection, stream: string, maxLen: number, scanLimit = 10_000): Promise<number> {
  return Number(await fcall(redis, 'herald_trim_safely', [stream], [String(maxLen), String(scanLimit)]));
}
