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
        correlationid: event.envelope.correlationid,
        ms: Math.round((performance.now() - started) * 100) / 100,
      },
      'event handled',
    );
  };
}

/** Counts handled events and handler time per message name, for /metrics. */
export function handlerMetrics(sink: { observe(name: string, seconds: number, ok: boolean): void }): Middleware {
  return (next) => async (event) => {
    const started = performance.now();
    try {
      await next(event);
      sink.observe(event.name, (performance.now() - started) / 1000, true);
    } catch (error) {
      sink.observe(event.name, (performance.now() - started) / 1000, false);
      throw error;
    }
  };
}
