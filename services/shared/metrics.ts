// Every Prometheus metric a service exports, through prom-client, one registry per app, in base
// units (seconds). It never hand-writes the exposition format, and a gauge whose value is unknown is
// left out rather than set to a sentinel. Gauges that need Redis are read only when /metrics is scraped.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Latency buckets in seconds: sub-millisecond Redis round trips up to multi-second stalls. */
const seconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Labels of one consumer instance: its group and its own name, never its role. */
export const consumerLabels = ['group', 'consumer', 'channel'] as const;

/** What /metrics reads from a running consumer at scrape time. */
export interface ConsumerSource {
  labels: Record<(typeof consumerLabels)[number], string>;
  /** Undelivered entries (null when Redis cannot tell), delivered-but-unacked entries, loop state. */
  stats(): Promise<{ lag: number | null; pending: number; running: boolean }>;
  /** Unix seconds of the last entry this consumer finished (handled or dead-lettered), if any. */
  lastProgress(): number | undefined;
  /** Entries in the channel's dead-letter stream. */
  deadLetterDepth(): Promise<number>;
  deadLetterStream: string;
  /** Only for a consumer of a partitioned channel (more than one partition); see `PartitionSource`. */
  partitions?: PartitionSource;
}

/**
 * The partitions of a partitioned channel as one instance of its group sees them. A one-partition
 * channel has none: every instance reads the one stream, so no instance owns it alone.
 */
export interface PartitionSource {
  /** The channel's partition count. */
  count: number;
  /** Partitions this instance owns now (holds the lease of). */
  owned(): number[];
  /** Lag and pending of each partition this instance owns (lag null when Redis cannot tell). */
  stats(): Promise<Map<number, { lag: number | null; pending: number }>>;
}

/** Why a partition changed hands on this instance: it was assigned, or revoked for a reason (partition-group.ts). */
export const rebalanceReasons = ['assigned', 'rebalance', 'lease-lost', 'leave'] as const;

/** What /metrics reads from a running outbox relay at scrape time. */
export interface RelaySource {
  labels: { outbox: string };
  backlog(): Promise<number>;
}

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly #consumers: ConsumerSource[] = [];
  readonly #relays: RelaySource[] = [];

  readonly httpDuration = new Histogram({
    name: 'herald_http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: seconds,
    registers: [this.registry],
  });

  readonly handlerDuration = new Histogram({
    name: 'herald_consumer_handler_duration_seconds',
    help: 'Time spent in the event handler per attempt, by channel, event type and outcome (ok or error).',
    labelNames: [...consumerLabels, 'type', 'outcome'] as const,
    buckets: seconds,
    registers: [this.registry],
  });

  readonly consumerEvents = new Counter({
    name: 'herald_consumer_events_total',
    help: 'Entries by outcome: handled (acked), failed (left for a retry) or dead_lettered.',
    labelNames: [...consumerLabels, 'type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly deadLetters = new Counter({
    name: 'herald_consumer_dead_letters_total',
    help: 'Entries this consumer moved to the dead-letter stream, by reason.',
    labelNames: [...consumerLabels, 'type', 'reason'] as const,
    registers: [this.registry],
  });

  readonly rebalances = new Counter({
    name: 'herald_consumer_rebalances_total',
    help: 'Partitions this instance started to own (reason assigned) or gave up (rebalance, lease-lost, leave).',
    labelNames: [...consumerLabels, 'reason'] as const,
    registers: [this.registry],
  });

  readonly outboxPublished = new Counter({
    name: 'herald_outbox_published_total',
    help: 'Outbox entries published to their channel.',
    labelNames: ['outbox', 'channel'] as const,
    registers: [this.registry],
  });

  readonly outboxPublishDuration = new Histogram({
    name: 'herald_outbox_publish_duration_seconds',
    help: 'Duration of one relay round trip publishing a batch of outbox entries to the channel.',
    labelNames: ['outbox', 'channel'] as const,
    buckets: seconds,
    registers: [this.registry],
  });

  constructor() {
    const consumers = this.#consumers;
    const relays = this.#relays;
    this.gauge('herald_consumer_lag', 'Entries of the channel not yet delivered to the consumer group (absent when Redis cannot tell).', consumerLabels, async (gauge) => {
      for (const source of consumers) {
        const { lag } = await source.stats();
        if (lag !== null) gauge.set(source.labels, lag);
      }
    });
    this.gauge('herald_consumer_pending', 'Entries delivered to the consumer group but not yet acknowledged.', consumerLabels, async (gauge) => {
      for (const source of consumers) gauge.set(source.labels, (await source.stats()).pending);
    });
    this.gauge('herald_consumer_up', '1 while the consumer loop runs, 0 when it stopped.', consumerLabels, async (gauge) => {
      for (const source of consumers) gauge.set(source.labels, (await source.stats()).running ? 1 : 0);
    });
    this.gauge('herald_consumer_last_progress_timestamp_seconds', 'Unix time of the last entry the consumer finished (absent before the first).', consumerLabels, async (gauge) => {
      for (const source of consumers) {
        const at = source.lastProgress();
        if (at !== undefined) gauge.set(source.labels, at);
      }
    });
    const partitioned = () => consumers.filter((source) => source.partitions !== undefined) as (ConsumerSource & { partitions: PartitionSource })[];
    this.gauge('herald_consumer_partitions_owned', 'Partitions of a partitioned channel this instance owns now (absent for a one-partition channel).', consumerLabels, async (gauge) => {
      for (const source of partitioned()) gauge.set(source.labels, source.partitions.owned().length);
    });
    this.gauge('herald_partition_owned', '1 for each partition of a partitioned channel this instance owns, 0 for the others: summed over a group, 1 per partition when healthy.', [...consumerLabels, 'partition'] as const, async (gauge) => {
      for (const source of partitioned()) {
        const owned = new Set(source.partitions.owned());
        for (let p = 0; p < source.partitions.count; p++) gauge.set({ ...source.labels, partition: String(p) }, owned.has(p) ? 1 : 0);
      }
    });
    this.gauge('herald_partition_lag', 'Entries of a partition not yet delivered to the group, reported by the instance that owns it (absent when Redis cannot tell).', [...consumerLabels, 'partition'] as const, async (gauge) => {
      for (const source of partitioned()) {
        for (const [p, { lag }] of await source.partitions.stats()) if (lag !== null) gauge.set({ ...source.labels, partition: String(p) }, lag);
      }
    });
    this.gauge('herald_partition_pending', 'Entries of a partition delivered to the group but not yet acknowledged, reported by the instance that owns it.', [...consumerLabels, 'partition'] as const, async (gauge) => {
      for (const source of partitioned()) {
        for (const [p, { pending }] of await source.partitions.stats()) gauge.set({ ...source.labels, partition: String(p) }, pending);
      }
    });
    this.gauge('herald_dead_letter_entries', 'Entries in the dead-letter stream of a consumed channel.', ['channel', 'stream'] as const, async (gauge) => {
      for (const source of consumers) gauge.set({ channel: source.labels.channel, stream: source.deadLetterStream }, await source.deadLetterDepth());
    });
    this.gauge('herald_outbox_backlog', 'Outbox entries committed but not yet published (an outbox may feed several channels).', ['outbox'] as const, async (gauge) => {
      for (const source of relays) gauge.set(source.labels, await source.backlog());
    });
    // process_* and nodejs_* (CPU, memory, event-loop lag, GC), as every Node service exports them.
    collectDefaultMetrics({ register: this.registry });
    // prom-client names three gauges with a counter's `_total` suffix, which promtool rejects. The same
    // numbers stay exported by type (nodejs_active_handles{type}, ...); sum() gives the totals.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
  }

  watchConsumer(source: ConsumerSource): void {
    this.#consumers.push(source);
    // A counter that exists from the start, at 0, so rate() and increase() see its first move.
    if (source.partitions) for (const reason of rebalanceReasons) this.rebalances.inc({ ...source.labels, reason }, 0);
  }

  watchRelay(source: RelaySource): void {
    this.#relays.push(source);
  }

  /** A counter of this registry (service-specific: purchases, projection outcomes). */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    // One counter per name: a service with several outbox partitions runs a relay per partition.
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Counter<L>;
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** A gauge of this registry whose value is read from `collect` at scrape time. */
  private gauge<L extends string>(name: string, help: string, labelNames: readonly L[], collect: (gauge: Gauge<L>) => Promise<void>): Gauge<L> {
    return new Gauge({
      name, help, labelNames, registers: [this.registry],
      async collect() {
        // A failed read leaves the gauge empty for this scrape instead of failing /metrics.
        this.reset();
        await collect(this).catch(() => undefined);
      },
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
