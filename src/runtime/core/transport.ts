// The two faces every transport offers (Watermill's Publisher and Subscriber): a typed producer and a
// consumer-group consumer of one channel. The Redis Streams transport (redis/) and the in-memory one
// (memory/) implement them, and test/support/transport-conformance.ts holds both to the same behaviour.
import type { ConsumerConfig } from './consumer-config.ts';
import type { EncodedEvent } from './envelope.ts';
import type { HandleOutcome } from './handle-stage.ts';
import type { RuntimeLogger } from './logger.ts';
import type { SchemaPolicy } from './schema-check.ts';
import type { ChannelDefinition, ChannelHandlers, ConsumerStats, MessageName, Middleware, PayloadOf, PublishOptions } from './types.ts';

export interface ProducerOptions {
  /** CloudEvents `source`, for example `herald/catalog`. */
  source: string;
  /**
   * Retention: the stream is trimmed towards this many entries, but never past an entry that a
   * consumer group has not yet acknowledged.
   */
  maxLen?: number;
  /** Trim after every this many published events. */
  trimEvery?: number;
  /** Largest event (all stream fields, envelope and data) accepted; larger ones throw HERALD_ERR_EVENT_TOO_LARGE. */
  maxEventBytes?: number;
  /**
   * Redis replication is asynchronous: a master that dies right after a write can take it with it.
   * With this set, each publish ends with `WAIT replicas timeoutMs` on the stream's master and fails with
   * HERALD_ERR_NOT_REPLICATED when fewer replicas confirmed, so an acknowledged publish survives the
   * failover of its master (docs/reliability.md measures both settings). Off by default on one node.
   */
  waitForReplicas?: { replicas: number; timeoutMs: number };
}

export type OutgoingEvent<C extends ChannelDefinition> = {
  [N in MessageName<C>]: { name: N; data: PayloadOf<C, N>; options?: PublishOptions };
}[MessageName<C>];

export interface Producer<C extends ChannelDefinition> {
  readonly channel: C;
  /** Publishes one event; resolves to its stream entry id. */
  publish<N extends MessageName<C>>(name: N, data: PayloadOf<C, N>, options?: PublishOptions): Promise<string>;
  /** Publishes many events in one round trip, in order; resolves to their entry ids. */
  publishBatch(items: ReadonlyArray<OutgoingEvent<C>>): Promise<string[]>;
  /** Encodes an event without sending it (an outbox stores this and a relay publishes it later). */
  encode<N extends MessageName<C>>(name: N, data: PayloadOf<C, N>, options?: PublishOptions): EncodedEvent;
  /**
   * Encodes one event for an outbox, with the id the caller chose (`options.id`) or a new UUIDv7, and
   * refuses it with HERALD_ERR_EVENT_TOO_LARGE when the channel would: a command checks this before it
   * commits, so no committed event is one its relay cannot publish.
   */
  encodeEvent(event: OutgoingEvent<C>): EncodedEvent;
  /** Publishes already-encoded events unchanged (same id, same time), in one round trip. */
  publishEncoded(events: ReadonlyArray<EncodedEvent>): Promise<string[]>;
}

export interface ConsumerOptions<C extends ChannelDefinition> {
  /** Consumer group: one per consuming service (for example `sales`). */
  group: string;
  /** Consumer name: one per instance, stable across restarts so it resumes its own pending entries. */
  consumer: string;
  handlers: ChannelHandlers<C>;
  /** Outermost first; they run inside the delivery rules (retry, dead-letter-after-N, wait-when-not-ready). */
  middleware?: Middleware[];
  config?: Partial<ConsumerConfig>;
  logger?: RuntimeLogger;
  /** Which `dataschema` fingerprints to accept (core/schema-check.ts); default `registered`, the strict check. */
  schemas?: SchemaPolicy;
  /** Told the outcome of each entry (for metrics and readiness); it must not throw. */
  onOutcome?: (outcome: ConsumerOutcome) => void;
}

/** What became of one entry: handled (acked), failed (left for a retry), dead-lettered (with the reason). */
export type ConsumerOutcome = HandleOutcome;

export interface Consumer<C extends ChannelDefinition> {
  readonly channel: C;
  /** Creates the group if needed and starts reading in the background. */
  start(): Promise<void>;
  /** Stops reading, ends back-offs, finishes and acks what is in flight, then closes its connection. */
  stop(): Promise<void>;
  stats(): Promise<ConsumerStats>;
}
