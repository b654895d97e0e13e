// Every consumer knob, with a named default that says why it has its value (as Watermill's
// SubscriberConfig), and validate(), which refuses a combination that cannot work. It reads no
// environment and knows no transport: services pass their values in, every transport reads them.
import { defaultMaxEventBytes } from './event-size.ts';
import { HeraldError } from './errors.ts';

/** 200 entries per read amortise the round trip while bounding what one batch holds in memory. */
export const DEFAULT_BATCH_SIZE = 200;
/** 1 s: long enough that an idle consumer costs Redis almost nothing, short enough that stop() is prompt. */
export const DEFAULT_BLOCK_MS = 1000;
/** 32 subjects at once: concurrent handlers share round trips; order within a subject is kept regardless. */
export const DEFAULT_CONCURRENCY = 32;
/** 5 s: a crashed instance's entries and early events are looked at again at most this late. */
export const DEFAULT_CLAIM_INTERVAL_MS = 5000;
/** 30 s: longer than any healthy handling, so a live consumer's entry is never taken over mid-handling. */
export const DEFAULT_MIN_IDLE_MS = 30_000;
/** 5 deliveries whose handler failed: a transient fault has had ~minIdleMs x 5 to clear before the DLQ. */
export const DEFAULT_MAX_DELIVERIES = 5;
/** 3 in-process retries per delivery: absorbs a blip without waiting minIdleMs for a redelivery. */
export const DEFAULT_RETRY_ATTEMPTS = 3;
/** 100 ms, doubling (100, 200, 400): the three retries span under a second. */
export const DEFAULT_RETRY_BACKOFF_MS = 100;
/**
 * 10 ms, doubling: an early event's predecessor is usually in flight on another consumer and lands
 * within milliseconds; the whole batch waits for it, and it is retried at every claim interval anyway.
 */
export const DEFAULT_NOT_READY_BACKOFF_MS = 10;
/** 3 short waits (10 + 20 + 40 ms) for an early event's predecessor before it is held. */
export const DEFAULT_NOT_READY_ATTEMPTS = 3;
/** '0': a new group reads the whole retained stream, so a new service sees the history. */
export const DEFAULT_START_ID = '0';
/**
 * Dead letters at which the DLQ counts as nearly full (stats().deadLetterAlarm); an operator must act on
 * dead letters long before it. An alarm only: nothing is ever evicted from a DLQ by the runtime.
 */
export const DEFAULT_DEAD_LETTER_MAX_LEN = 100_000;
/** 500 ms after the read loop fails (Redis down, NOGROUP): short enough to resume fast, long enough not to spin. */
export const DEFAULT_LOOP_ERROR_BACKOFF_MS = 500;
/**
 * 8 MiB read from a stream per XREADGROUP, summed over its entries: after a batch larger than this the
 * next read asks for fewer entries, so a run of large entries never sits in memory 200 at a time.
 */
export const DEFAULT_MAX_BATCH_BYTES = 8 * 1_048_576;

/**
 * 10k entries held back behind a failed one of their subject are kept with their fields (a few MB at
 * Herald's event sizes); beyond that only their ids, and they come back through the next reclaim.
 */
export const DEFAULT_MAX_HELD_ENTRIES = 10_000;

export interface ConsumerConfig {
  /** Entries per XREADGROUP (at most; see maxBatchBytes). */
  batchSize: number;
  /** How long one XREADGROUP blocks waiting for new entries. Also bounds how late a stop is noticed. */
  blockMs: number;
  /** Subjects (aggregates) handled at once. Entries of one subject are always handled in stream order. */
  concurrency: number;
  /** How often to reclaim entries idle on any consumer (XAUTOCLAIM) and retry own ones waiting for a predecessor. Must not exceed minIdleMs. */
  claimIntervalMs: number;
  /** An entry must be pending this long before it is reclaimed: longer than any healthy handling. */
  minIdleMs: number;
  /** Deliveries whose handler failed (its own verdict) after which the entry goes to the dead-letter stream. Infrastructure failures and early events never count. */
  maxDeliveries: number;
  /** In-process retries of a failing handler before the entry is left pending for redelivery. */
  retryAttempts: number;
  /** First retry delay; doubles on each attempt. */
  retryBackoffMs: number;
  /** First wait of an event that came early (NotReadyError); doubles on each attempt. */
  notReadyBackoffMs: number;
  /** Short waits of an early event before it is held (left pending, retried at every claim interval). */
  notReadyAttempts: number;
  /** Where a newly created group starts: '0' = the whole retained stream, '$' = only new entries. */
  startId: string;
  /**
   * Dead letters at which stats() reports `deadLetterAlarm` (for /ready and a metric). An alarm only: the
   * DLQ is never trimmed by the runtime, and only an operator deletes dead letters.
   */
  deadLetterMaxLen: number;
  /** Entries larger than this (all fields) go to the dead-letter stream as `too-large`, by reference, undecoded. */
  maxEventBytes: number;
  /** Bytes one read may bring in before the next read asks for fewer entries. */
  maxBatchBytes: number;
  /** Pause after the read loop fails, before it tries again. */
  loopErrorBackoffMs: number;
  /** Entries held back behind a failed entry of their subject that are kept in memory with their fields. */
  maxHeldEntries: number;
}

export const consumerDefaults: Readonly<ConsumerConfig> = Object.freeze({
  batchSize: DEFAULT_BATCH_SIZE,
  blockMs: DEFAULT_BLOCK_MS,
  concurrency: DEFAULT_CONCURRENCY,
  claimIntervalMs: DEFAULT_CLAIM_INTERVAL_MS,
  minIdleMs: DEFAULT_MIN_IDLE_MS,
  maxDeliveries: DEFAULT_MAX_DELIVERIES,
  retryAttempts: DEFAULT_RETRY_ATTEMPTS,
  retryBackoffMs: DEFAULT_RETRY_BACKOFF_MS,
  notReadyBackoffMs: DEFAULT_NOT_READY_BACKOFF_MS,
  notReadyAttempts: DEFAULT_NOT_READY_ATTEMPTS,
  startId: DEFAULT_START_ID,
  deadLetterMaxLen: DEFAULT_DEAD_LETTER_MAX_LEN,
  maxEventBytes: defaultMaxEventBytes,
  maxBatchBytes: DEFAULT_MAX_BATCH_BYTES,
  loopErrorBackoffMs: DEFAULT_LOOP_ERROR_BACKOFF_MS,
  maxHeldEntries: DEFAULT_MAX_HELD_ENTRIES,
});

/**
 * The defaults overridden by `overrides`, validated. When only minIdleMs is given, the claim interval
 * shrinks to it: a pass must come at least once per idle period, or reclaimed work would wait longer.
 */
export function resolveConsumerConfig(overrides: Partial<ConsumerConfig> = {}): ConsumerConfig {
  const config: ConsumerConfig = { ...consumerDefaults, ...overrides };
  if (overrides.claimIntervalMs === undefined) config.claimIntervalMs = Math.min(consumerDefaults.claimIntervalMs, config.minIdleMs);
  validate(config);
  return config;
}

/** Throws HERALD_ERR_CONFIG naming the first knob whose value cannot work. */
export function validate(config: ConsumerConfig): void {
  const fail = (field: keyof ConsumerConfig, rule: string): never => {
    throw new HeraldError('HERALD_ERR_CONFIG', `consumer config ${field} = ${String(config[field])}: ${rule}`, { field, value: config[field] });
  };
  const positive: Array<keyof ConsumerConfig> = ['batchSize', 'blockMs', 'concurrency', 'claimIntervalMs', 'minIdleMs', 'maxDeliveries', 'deadLetterMaxLen', 'maxEventBytes', 'maxBatchBytes', 'maxHeldEntries'];
  for (const field of positive) {
    const value = config[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail(field, 'must be a positive integer');
  }
  const nonNegative: Array<keyof ConsumerConfig> = ['retryAttempts', 'retryBackoffMs', 'notReadyBackoffMs', 'notReadyAttempts', 'loopErrorBackoffMs'];
  for (const field of nonNegative) {
    const value = config[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail(field, 'must be an integer >= 0');
  }
  if (config.claimIntervalMs > config.minIdleMs) fail('claimIntervalMs', `must not exceed minIdleMs (${config.minIdleMs}): entries idle that long would wait a whole extra interval`);
  if (!/^(0|\$|\d+-\d+)$/.test(config.startId)) fail('startId', "must be '0', '$' or a stream id");
}
