// Every consumer knob, with its default and why it has that value (as Watermill's SubscriberConfig).
import { defaultMaxEventBytes } from '../core/event-size.ts';

export interface ConsumerConfig {
  /** Entries per XREADGROUP. 200 amortises the round trip while bounding memory to ~200 entries. */
  batchSize: number;
  /** How long one XREADGROUP blocks waiting for new entries. Also bounds how late a stop is noticed. */
  blockMs: number;
  /** Subjects (aggregates) handled at once. Entries of one subject are always handled in stream order. */
  concurrency: number;
  /** How often to reclaim entries idle on any consumer (XAUTOCLAIM) and retry own ones waiting for a predecessor. */
  claimIntervalMs: number;
  /** An entry must be pending this long before it is reclaimed: longer than any healthy handling. */
  minIdleMs: number;
  /** Deliveries after which a still-failing entry goes to the dead-letter stream. */
  maxDeliveries: number;
  /** In-process retries of a failing handler before the entry is left pending for redelivery. */
  retryAttempts: number;
  /** First retry delay; doubles on each attempt (100, 200, 400 ms ...). */
  retryBackoffMs: number;
  /**
   * First retry delay of an event that came early (NotReadyError); doubles on each attempt. Short: the
   * whole batch waits for it, and an early event still waiting is retried at every claim interval anyway.
   */
  notReadyBackoffMs: number;
  /** Where a newly created group starts: '0' = the whole retained stream, '$' = only new entries. */
  startId: string;
  /** Approximate cap of the dead-letter stream. */
  deadLetterMaxLen: number;
  /** Entries larger than this (all fields) go to the dead-letter stream as `too-large`, undecoded. */
  maxEventBytes: number;
}

export const consumerDefaults: Readonly<ConsumerConfig> = Object.freeze({
  batchSize: 200,
  blockMs: 1000,
  concurrency: 32,
  claimIntervalMs: 5000,
  minIdleMs: 30_000,
  maxDeliveries: 5,
  retryAttempts: 3,
  retryBackoffMs: 100,
  notReadyBackoffMs: 10,
  startId: '0',
  deadLetterMaxLen: 100_000,
  maxEventBytes: defaultMaxEventBytes,
});
