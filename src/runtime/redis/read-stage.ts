// The consumer's read stage: XREADGROUP '>' for new entries, one batch read ahead while the current one
// is handled, and each batch's XACK sent while the next read waits (overlapped ack: one round trip per
// batch instead of two, measured in docs/benchmarks.md). It never handles or acks on its own decision.
import { readEntry, type ReadEntry } from '../core/handle-stage.ts';
import type { RedisConnection } from './connection.ts';
import { parseReadGroupRaw } from './replies.ts';

export interface ReadStageOptions {
  /** The connection that blocks on XREADGROUP (its own, so other commands never wait behind it). */
  reader: RedisConnection;
  /** The connection that sends XACK. */
  redis: RedisConnection;
  stream: string;
  group: string;
  consumer: string;
  batchSize: number;
  blockMs: number;
  maxBatchBytes: number;
}

export interface ReadStage {
  /** The next batch: the one read ahead, else a fresh blocking read. */
  next(): Promise<ReadEntry[]>;
  /** Starts reading the next batch now, while the current one is handled. */
  readAhead(): void;
  readonly hasReadAhead: boolean;
  /** Sends the XACK of `ids`; it travels while the next read waits. */
  ack(ids: string[]): void;
  /** Waits for the ack in flight; throws its error. */
  settleAck(): Promise<void>;
}

type Read = { raw: unknown } | { error: unknown };

export function createReadStage(options: ReadStageOptions): ReadStage {
  const { reader, redis, stream, group, consumer, blockMs, batchSize, maxBatchBytes } = options;
  let ahead: Promise<Read> | undefined;
  let ackInFlight: Promise<unknown> | undefined;
  // Entries per read: as many as fit maxBatchBytes at the last read's average entry size (1 at least,
  // batchSize at most), so a run of large entries is not pulled into memory batchSize at a time.
  let count = batchSize;

  const read = (): Promise<Read> =>
    reader.sendCommand(['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(count), 'BLOCK', String(blockMs), 'STREAMS', stream, '>'])
      .then((raw) => ({ raw }), (error: unknown) => ({ error }));

  return {
    async next() {
      const result = await (ahead ?? read());
      ahead = undefined;
      if ('error' in result) throw result.error;
      const entries = parseReadGroupRaw(result.raw, stream).map((entry) => readEntry(entry.id, entry.flat));
      let bytes = 0;
      for (const entry of entries) bytes += entry.fields?.size ?? 0;
      if (entries.length > 0) count = Math.max(1, Math.min(batchSize, Math.floor(maxBatchBytes / (bytes / entries.length))));
      return entries;
    },
    readAhead() {
      ahead = read();
    },
    get hasReadAhead() {
      return ahead !== undefined;
    },
    ack(ids) {
      if (ids.length === 0) return;
      // Resolves to the error instead of rejecting, so a failed ack is never an unhandled rejection.
      const sent = redis.sendCommand(['XACK', stream, group, ...ids]).then(() => undefined, (error: unknown) => error ?? new Error('XACK failed'));
      const earlier = ackInFlight;
      ackInFlight = earlier ? Promise.all([earlier, sent]).then(([first, second]) => first ?? second) : sent;
    },
    async settleAck() {
      const outcome = ackInFlight;
      ackInFlight = undefined;
      const error = await outcome;
      if (error) throw error;
    },
  };
}
