// Ready-made handler middleware. Behaviour wraps a handler rather than living in the consumer loop.
import type { RuntimeLogger } from './logger.ts';
import type { Middleware } from './types.ts';

/** Logs each handled event with its trace context, so a request can be followed into its consumers. */
export function traceLogging(logger: RuntimeLogger): Middleware {
  return (next) => async (event) => {
    const started = performance.now();
    await next(event);
    logger.info(
      {
        event: event.name,
        id: event.envelope.id,
        subject: event.envelope.subject,
        sequence: event.envelope.sequence,
        traceparent: event.envelope.traceparent,
        ...(event.envelope.tracestate ? { tracestate: event.envelope.tracestate } : {}),
        correlationid: event.envelope.correlationid,
        ms: Math.round((performance.now() - started) * 100) / 100,
      },
      'event handled',
    );
  };
}

/** One handler run, as handlerMetrics reports it. */
export interface HandlerObservation {
  channel: string;
  /** CloudEvents `type`. */
  type: string;
  seconds: number;
  outcome: 'ok' | 'error';
}

/** Times each handler run (each attempt) by channel, type and outcome, for a histogram on /metrics. */
export function handlerMetrics(sink: { observe(observation: HandlerObservation): void }): Middleware {
  return (next) => async (event) => {
    const started = performance.now();
    let outcome: HandlerObservation['outcome'] = 'error';
    try {
      await next(event);
      outcome = 'ok';
    } finally {
      sink.observe({ channel: event.channel, type: event.envelope.type, seconds: (performance.now() - started) / 1000, outcome });
    }
  };
}
