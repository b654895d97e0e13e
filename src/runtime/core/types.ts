// The runtime's public shapes: what generated code and services program against. Transport-free:
// nothing here knows Redis, and the runtime never knows a concrete event.
import type { Reader, Writer } from 'protobufjs/minimal.js';

/** Encoder/decoder of one protobuf message type, emitted by `herald generate`. */
export interface MessageCodec<T> {
  /** Full protobuf name, for example `herald.catalog.movie.v1.MovieCreated`. */
  readonly typeName: string;
  /** A message with every field at its proto3 default, overridden by `init`. */
  create(init?: PartialMessage<T>): T;
  encode(message: T, writer?: Writer): Writer;
  decode(input: Reader | Uint8Array, length?: number): T;
  /** The canonical proto3 JSON form (int64 as string, enums by name, Timestamp as RFC 3339). */
  toJSON(message: T): JsonValue;
  fromJSON(json: JsonValue): T;
}

/** A stream field name or value as a transport hands it over: text, or bytes (protobuf `data`). */
export type WireValue = string | Buffer;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Deep partial used by `create()`. */
export type PartialMessage<T> = T extends bigint | string | number | boolean | Uint8Array | Date
  ? T
  : T extends ReadonlyArray<infer U>
    ? ReadonlyArray<PartialMessage<U>>
    : T extends object
      ? { [K in keyof T]?: PartialMessage<T[K]> }
      : T;

/** One message that may travel on a channel. */
export interface MessageDefinition<T = unknown> {
  /** AsyncAPI message name, for example `MovieCreated`. */
  readonly name: string;
  /** CloudEvents `type`: the full protobuf message name. */
  readonly type: string;
  /** CloudEvents `dataschema`: `herald:<type>#sha256-<16 hex>` (fingerprint of the bundled schema). */
  readonly dataschema: string;
  readonly codec: MessageCodec<T>;
}

/** One AsyncAPI channel: a Redis stream and the messages it carries, keyed by message name. */
export interface ChannelDefinition<M extends Record<string, MessageDefinition<any>> = Record<string, MessageDefinition<any>>> {
  /** AsyncAPI channel id, for example `catalogMovie`. */
  readonly id: string;
  /** Stream key, for example `catalog.movie.v1`. */
  readonly address: string;
  /**
   * Partitions (`x-herald-partitions`, default 1): each is its own stream, and an event goes to
   * `partitionOf(subject, partitions)`, so one aggregate's events keep their order.
   */
  readonly partitions?: number;
  readonly messages: M;
}

/** Message names of a channel. */
export type MessageName<C extends ChannelDefinition> = keyof C['messages'] & string;
/** Payload type of one message of a channel. */
export type PayloadOf<C extends ChannelDefinition, N extends MessageName<C>> =
  C['messages'][N] extends MessageDefinition<infer T> ? T : never;

/** CloudEvents 1.0 attributes carried as stream fields (binary content mode), plus Herald's extensions. */
export interface Envelope {
  specversion: '1.0';
  /** UUIDv7. Consumers use it as the idempotency key. */
  id: string;
  source: string;
  type: string;
  subject?: string;
  /** RFC 3339 UTC. */
  time: string;
  datacontenttype: 'application/protobuf';
  dataschema: string;
  /** Aggregate version after this event, decimal. */
  sequence?: string;
  traceparent?: string;
  correlationid?: string;
  causationid?: string;
}

/** What the caller may set when publishing; the rest of the envelope is filled in. */
export interface PublishOptions {
  /** Aggregate id. */
  subject?: string;
  /** Aggregate version after this event. */
  sequence?: number | bigint;
  /** Event id; a UUIDv7 is generated when absent. */
  id?: string;
  time?: Date;
  traceparent?: string;
  correlationId?: string;
  causationId?: string;
}

/** A decoded event handed to a handler. */
export interface ReceivedEvent<T = unknown> {
  readonly envelope: Envelope;
  readonly data: T;
  /** AsyncAPI message name. */
  readonly name: string;
  /** Stream key it was read from. */
  readonly channel: string;
  /** Redis stream entry id, for example `1732530000000-0`. */
  readonly streamId: string;
  /** 1 on first delivery; grows with each redelivery (from XPENDING / reclaim). */
  readonly deliveryCount: number;
}

/** Handler of one decoded event. Throwing means "retry later"; see DeadLetterError for "never retry". */
export type Handler<T = unknown> = (event: ReceivedEvent<T>) => Promise<void> | void;
/** Watermill-style middleware: behaviour (retry, dedup, metrics, tracing) wraps a handler. */
export type Middleware = (next: Handler<any>) => Handler<any>;

/** Exhaustive typed handlers for a channel: one entry per message, required at compile time. */
export type ChannelHandlers<C extends ChannelDefinition> = {
  [N in MessageName<C>]: Handler<PayloadOf<C, N>>;
};

/** Union of the received events of a channel, discriminated by `name`. */
export type ChannelEvent<C extends ChannelDefinition> = {
  [N in MessageName<C>]: ReceivedEvent<PayloadOf<C, N>> & { readonly name: N };
}[MessageName<C>];

/** Counters a consumer keeps; exported on /metrics. */
export interface ConsumerStats {
  handled: number;
  /** Deliveries whose handler failed (its own verdict); the entry stays pending for redelivery. */
  failed: number;
  /** Deliveries that failed on infrastructure (connection, NOPERM, OOM, BUSY, timeout): never counted towards maxDeliveries. */
  infraFailed: number;
  deadLettered: number;
  reclaimed: number;
  /**
   * Entries held because an earlier event of their subject is missing (NotReadyError), for example
   * dead-lettered: they are kept pending, never dead-lettered for waiting, and apply once it is requeued.
   */
  held: number;
  /** Entries not yet delivered to the group (XINFO GROUPS lag), or null when Redis cannot tell. */
  lag: number | null;
  /** Entries delivered but not acked (XPENDING). */
  pending: number;
  running: boolean;
  /** Entries in the channel's dead-letter stream (XLEN), kept until an operator requeues or discards them. */
  deadLetters: number;
  /** True when deadLetters has reached the configured deadLetterMaxLen: raise an alarm, nothing is evicted. */
  deadLetterAlarm: boolean;
}
