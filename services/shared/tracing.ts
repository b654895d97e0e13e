// The OpenTelemetry SDK of a service process: a tracer provider named after the service, W3C trace
// context propagation, async-context tracking, the HTTP server instrumentation, and, when
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, OTLP/HTTP export.
// It must run before fastify is imported. It never starts when OTEL_SDK_DISABLED=true.
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, TracerProvider, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { redactUrl } from './logging.ts';

export interface TracingOptions {
  /** `service.name` (OTEL_SERVICE_NAME overrides it). */
  service: string;
  /** An exporter every span goes to at once (tests: an InMemorySpanExporter). */
  exporter?: SpanExporter;
  /**
   * Patch node:http for HTTP server spans (processes only; app.inject() never goes through it). Only
   * when spans are exported: unexported, they cost throughput and show nothing.
   */
  instrumentHttp?: boolean;
  env?: Record<string, string | undefined>;
}

export interface Tracing {
  provider: TracerProvider;
  /** True when spans leave the process (OTLP or the given exporter). */
  exporting: boolean;
  /** Flushes what is buffered and unregisters everything. */
  shutdown(): Promise<void>;
}

export function startTracing(options: TracingOptions): Tracing | undefined {
  const env = options.env ?? process.env;
  if (env.OTEL_SDK_DISABLED === 'true') return undefined;
  const processors: SpanProcessor[] = [];
  if (options.exporter) processors.push(new SimpleSpanProcessor({ exporter: options.exporter }));
  // The exporter reads the endpoint, headers and timeout from the standard OTEL_EXPORTER_OTLP_* variables.
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }));
  // Without an exporter spans are still real (their ids are in the logs and the events) but go nowhere.
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || options.service }),
    spanProcessors: processors,
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  trace.setGlobalTracerProvider(provider);
  // The node:http server span is worth its cost (measured: Catalog at saturation did 1.56x the PATCHes
  // without it, docs/benchmarks.md) only when spans leave the process. Without an exporter the request
  // span of @fastify/otel still gives logs and events their trace ids.
  const unregister = options.instrumentHttp && processors.length > 0
    ? registerInstrumentations({
        tracerProvider: provider,
        instrumentations: [
          new HttpInstrumentation({
            ignoreIncomingRequestHook: (request) => /^\/(health|ready|metrics)(\?|$)/.test(request.url ?? ''),
            // The query string may carry a secret (?token=...): the span gets the redacted one.
            requestHook: (span, request) => {
              if (!('url' in request) || typeof request.url !== 'string') return;
              const query = redactUrl(request.url).split('?')[1];
              if (query !== undefined) span.setAttribute('url.query', query);
            },
          }),
        ],
      })
    : () => {};
  return {
    provider,
    exporting: processors.length > 0,
    async shutdown() {
      unregister();
      await provider.shutdown().catch(() => undefined);
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
