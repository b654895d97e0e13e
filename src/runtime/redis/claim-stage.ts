// The consumer's claim stage: entries that no live consumer is working on. At start, this consumer's
// own pending entries from a previous run (XREADGROUP 0); every claim interval, entries idle longer than
// minIdleMs on any consumer (XAUTOCLAIM, which counts a delivery and returns their fields), then this
// consumer's due pending entries in stream order. It never acks: the lanes and handle stages decide.
import type { ReadEntry } from '../core/handle-stage.ts';
import { readEntry } from '../core/handle-stage.ts';
import type { RuntimeLogger } from '../core/logger.ts';
import type { SubjectLanes } from '../core/subject-lanes.ts';
import type { RedisConnection } from './connection.ts';
import { parseAutoClaim, parsePendingCounts, parseReadGroupRaw } from './replies.ts';

/** Handles a batch through the lanes and acks what they acked; `due` limits an own-pending pass. */
export type RunBatch = (entries: ReadEntry[], deliveryCounts?: Map<string, number>, due?: { has(id: string): boolean }) => Promise<void>;

export interface ClaimStageOptions {
  redis: RedisConnection;
  stream: string;
  group: string;
  consumer: string;
  batchSize: number;
  minIdleMs: number;
  lanes: SubjectLanes<ReadEntry>;
  logger: RuntimeLogger;
  isRunning(): boolean;
}

export interface ClaimStage {
  /** Handles this consumer's entries left pending by a previous run, in stream order, before any new one. */
  drainOwnPending(run: RunBatch): Promise<void>;
  /**
   * Takes over idle entries and handles this consumer's due pending entries. Resolves to the number
   * taken over, and the ids pending here when the walk completed (undefined when stopped mid-walk).
   */
  pass(run: RunBatch): Promise<{ claimed: number; pendingIds: Set<string> | undefined }>;
}

export function createClaimStage(options: ClaimStageOptions): ClaimStage {
  const { redis, stream, group, consumer, batchSize, minIdleMs, lanes, logger } = options;

  /** Delivery counts of own pending entries from `first` to `last`: at most `count` of them. */
  const deliveryCounts = async (first: string, last: string, count: number): Promise<Map<string, number>> =>
    parsePendingCounts(await redis.sendCommand(['XPENDING', stream, group, first, last, String(count), consumer]));

  /** XAUTOCLAIM pages until the cursor wraps: the entries taken over, with their fields. */
  const reclaim = async (): Promise<ReadEntry[]> => {
    const claimed: ReadEntry[] = [];
    let cursor = '0-0';
    do {
      // Not JUSTID: that would not count the delivery, and the fields would have to be read again.
      const claim = parseAutoClaim(await redis.sendCommand(['XAUTOCLAIM', stream, group, consumer, String(minIdleMs), cursor, 'COUNT', String(batchSize)]));
      cursor = claim.next;
      for (const entry of claim.entries) claimed.push(readEntry(entry.id, entry.flat));
    } while (cursor !== '0-0' && options.isRunning());
    return claimed;
  };

  return {
    async drainOwnPending(run) {
      let cursor = '0';
      while (options.isRunning()) {
        const raw = await redis.sendCommand(['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(batchSize), 'STREAMS', stream, cursor]);
        const entries = parseReadGroupRaw(raw, stream);
        if (entries.length === 0) return;
        const first = entries[0]!.id;
        const last = entries[entries.length - 1]!.id;
        // Reading history lists every own pending entry of the range (deleted ones with no fields), and
        // nothing else can join this consumer's list below its last delivered id: the counts are exact.
        await run(entries.map((entry) => readEntry(entry.id, entry.flat)), await deliveryCounts(first, last, entries.length));
        cursor = last;
      }
    },

    /**
     * The own-pending pass walks this consumer's pending list (XPENDING: ids and delivery counts, no
     * fields) in stream order. It handles the entries just taken over (their fields came with the claim)
     * and those the lanes held back (they kept their fields), with no re-read of any entry. An entry that
     * failed and is not yet idle long enough keeps its subject blocked, so nothing overtakes it; unlike
     * XREADGROUP 0, the walk counts no delivery and resets no idle time.
     */
    async pass(run) {
      const claimed = await reclaim();
      if (claimed.length > 0) logger.info({ stream, count: claimed.length }, 'reclaimed pending entries');
      const due = lanes.startPass(claimed);
      let start = '-';
      const pendingIds = new Set<string>();
      let complete = false;
      while (options.isRunning()) {
        const counts = await deliveryCounts(start, '+', batchSize);
        for (const id of counts.keys()) pendingIds.add(id);
        if (counts.size === 0) {
          complete = true;
          break;
        }
        const entries: ReadEntry[] = [];
        for (const id of counts.keys()) {
          const entry = due.get(id) ?? lanes.blocker(id);
          if (entry) entries.push(entry);
        }
        await run(entries, counts, due);
        if (counts.size < batchSize) {
          complete = true;
          break;
        }
        start = `(${[...counts.keys()].pop()!}`;
      }
      return { claimed: claimed.length, pendingIds: complete ? pendingIds : undefined };
    },
  };
}
