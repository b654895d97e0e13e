// OpenTelemetry spans of the runtime, per the messaging semantic conventions, through
// @opentelemetry/api alone: without a registered SDK every call here is a no-op. It never invents a
// span id: the `traceparent` it writes into an envelope names a span the SDK created (and exports).
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  createTraceState,
  isSpanContextValid,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import type { Envelope, Middleware, PublishOptions } from './types.ts';

/**
 * `messaging.system`. The conventions list no well-known value for Redis Streams (they name kafka,
 * rabbitmq, ...) and ask for a custom one then; `redis` is the one Redis's own DB conventions use.
 */
export const MESSAGING_SYSTEM = 'redis';
/** Instrumentation scope of every span the runtime starts. */
export const TRACER_NAME = 'herald';

const tracer = () => trace.getTracer(TRACER_NAME);

// W3C Trace Context level 1: version 00 has exactly four fields; a later version may append more.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The span context a `traceparent` (and `tracestate`) names, or undefined when it is not valid W3C. */
export function parseTraceContext(traceparent: string | undefined, tracestate?: string): SpanContext | undefined {
  if (!traceparent) return undefined;
  const match = TRACEPARENT.exec(traceparent.trim());
  if (!match || match[1] === 'ff' || (match[1] === '00' && match[5] !== undefined)) return undefined;
  const spanContext: SpanContext = {
    traceId: match[2]!,
    spanId: match[3]!,
    traceFlags: Number.parseInt(match[4]!, 16) & 0x01,
    isRemote: true,
    ...(tracestate ? { traceState: createTraceState(tracestate) } : {}),
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** A context whose parent span is the one the headers name; `base` (the root by default) when they name none. */
export function contextFromTraceHeaders(traceparent: string | undefined, tracestate?: string, base: Context = ROOT_CONTEXT): Context {
  const spanContext = parseTraceContext(traceparent, tracestate);
  return spanContext ? trace.setSpanContext(base, spanContext) : base;
}

/** `traceparent` and `tracestate` of a span, for an envelope or an HTTP header; empty for an invalid span. */
export function traceHeadersOf(span: Span | undefined): { traceparent?: string; tracestate?: string } {
  const spanContext = span?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  const tracestate = spanContext.traceState?.serialize();
  return { traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`, ...(tracestate ? { tracestate } : {}) };
}

/** The parent of a producer span: the trace named in the options, else the active context. */
function producerParent(options: PublishOptions | undefined): Context {
  return options?.traceparent ? contextFromTraceHeaders(options.traceparent, options.tracestate, context.active()) : context.active();
}

/** The conventions' attributes of one event (CloudEvents and messaging), for the attributes it has. */
export function eventAttributes(envelope: Partial<Envelope>): Attributes {
  const attributes: Attributes = {};
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined) attributes[name] = value;
  };
  set('messaging.message.id', envelope.id);
  set('cloudevents.event_id', envelope.id);
  set('cloudevents.event_source', envelope.source);
  set('cloudevents.event_spec_version', envelope.specversion);
  set('cloudevents.event_type', envelope.type);
  set('cloudevents.event_subject', envelope.subject);
  set('messaging.message.conversation_id', envelope.correlationid);
  return attributes;
}

type ProducerOperation = 'create' | 'send';

/**
 * Starts a PRODUCER span: `create` when an event is encoded for an outbox (its context becomes the
 * event's creation context), `send` when it is written to the stream.
 */
export function startProducerSpan(operation: ProducerOperation, destination: string, parent: Context): Span {
  return tracer().startSpan(
    `${operation} ${destination}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': MESSAGING_SYSTEM,
        'messaging.operation.type': operation,
        'messaging.operation.name': operation,
        'messaging.destination.name': destination,
      },
    },
    parent,
  );
}

/** Starts the span an event is built under; the caller ends it (see endSpan). */
export function startPublishSpan(operation: ProducerOperation, destination: string, options: PublishOptions | undefined): Span {
  return startProducerSpan(operation, destination, producerParent(options));
}

/** The publish options with the span's trace context in place of the caller's (when the span is valid). */
export function withSpanTrace(options: PublishOptions | undefined, span: Span): PublishOptions | undefined {
  const headers = traceHeadersOf(span);
  if (!headers.traceparent) return options;
  const { tracestate: _dropped, ...rest } = options ?? {};
  return { ...rest, ...headers };
}

/** A `send` span for an already-encoded event (or the attributes read from its entry), a child of the event's own creation context. */
export function startRelaySpan(destination: string, envelope: Partial<Envelope>): Span {
  const span = startProducerSpan('send', destination, contextFromTraceHeaders(envelope.traceparent, envelope.tracestate));
  if (span.isRecording()) span.setAttributes(eventAttributes(envelope));
  return span;
}

/** Ends a span, recording the error (and `error.type`) when there was one. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    span.setAttribute('error.type', error instanceof Error ? (error as { code?: string }).code ?? error.name : 'Error');
  }
  span.end();
}

export interface ConsumerTracingOptions {
  /** `messaging.consumer.group.name`. */
  group: string;
  /** `messaging.client.id`: this instance's consumer name. */
  consumer: string;
}

/**
 * A CONSUMER `process` span around each handled event (each attempt), a child of the producer's
 * context from the envelope's `traceparent` and `tracestate`, and active while the handler runs, so
 * what the handler does (a projection write, a new event) joins the same trace.
 */
export function consumerTracing(options: ConsumerTracingOptions): Middleware {
  return (next) => async (event) => {
    const parent = contextFromTraceHeaders(event.envelope.traceparent, event.envelope.tracestate);
    const span = tracer().startSpan(`process ${event.channel}`, { kind: SpanKind.CONSUMER }, parent);
    if (span.isRecording()) {
      span.setAttributes({
        'messaging.system': MESSAGING_SYSTEM,
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': event.channel,
        'messaging.consumer.group.name': options.group,
        'messaging.client.id': options.consumer,
        'herald.stream.entry_id': event.streamId,
        'herald.delivery_count': event.deliveryCount,
        ...eventAttributes(event.envelope),
      });
    }
    let failure: unknown;
    try {
      await context.with(trace.setSpan(parent, span), () => next(event));
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      endSpan(span, failure);
    }
  };
}

/** Runs `fn` in an INTERNAL child span of the active one (a projection write, a command). */
export async function inSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  const span = tracer().startSpan(name, { kind: SpanKind.INTERNAL, attributes });
  let failure: unknown;
  try {
    return await context.with(trace.setSpan(context.active(), span), fn);
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    endSpan(span, failure);
  }
}
