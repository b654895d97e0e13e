// Retention that never loses work: trim a stream towards MAXLEN, but never past the first entry that
// some consumer group has not yet delivered or acknowledged. The cut is computed server side by the
// installed function `herald_trim_safely` (safe-trim.ts), atomically with the trim. A group that stopped
// reading (every consumer idle for staleGroupMs) no longer holds the stream back: `herald inspect` reports
// it as stalled, and retention does not wait for it forever.

import type { RedisConnection } from './connection.ts';
import { fcall } from './functions.ts';

/**
 * 1 hour: far longer than any restart or deploy of a consumer, short enough that a forgotten or rogue
 * group (`XGROUP CREATE ... evil-group 0` with nobody reading) cannot stop retention for good.
 */
export const DEFAULT_STALE_GROUP_MS = 3_600_000;

/**
 * Trims `stream` towards `maxLen` without dropping entries an active group still needs; a group with no
 * consumer active within `staleGroupMs` is not waited for.
 */
export async function trimSafely(redis: RedisConnection, stream: string, maxLen: number, scanLimit = 10_000, staleGroupMs = DEFAULT_STALE_GROUP_MS): Promise<number> {
  return Number(await fcall(redis, 'herald_trim_safely', [stream], [String(maxLen), String(scanLimit), String(staleGroupMs)]));
}
