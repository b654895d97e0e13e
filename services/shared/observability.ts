// Wires a service's observability: OpenTelemetry HTTP spans (@fastify/otel), each request's trace
// context, HTTP and consumer/relay metrics, and the probes behind /health and /ready. It never decides
// business outcomes and never invents a span id (see src/runtime/core/telemetry.ts).
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import {
  consumerTracing, deadLetterStream, handlerMetrics, traceHeadersOf,
  type ChannelDefinition, type Consumer, type ConsumerOutcome, type Middleware, type PartitionedConsumer, type RedisConnection,
} from 'herald/runtime';
import { GrowthWatch, ProgressWatch, type Health, type Probe } from './health.ts';
import { redactUrl } from './logging.ts';
import type { PartitionSource, ServiceMetrics } from './metrics.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** W3C traceparent of this request's span (or the caller's when no tracing SDK runs). */
    traceparent: string;
  }
}

// One instrumentation per process (it is an OpenTelemetry instrumentation); a plugin per app. Probes
// and scrapes are not traced: they would drown the traces that matter.
const fastifyOtel = new FastifyOtelInstrumentation({
  // A span per request and per handler; none per hook (anonymous hooks give a trace of unnamed spans).
  instrumentHooks: false,
  ignorePaths: ({ url }: { url: string }) => /^\/(health|ready|metrics)(\?|$)/.test(url),
  // url.path would carry the query string, and a secret in it (?token=...).
  requestHook: (span, request) => span.setAttribute('url.path', redactUrl(request.url)),
});

export async function registerObservability(app: FastifyInstance, metrics: ServiceMetrics): Promise<void> {
  // The instrumentation keeps the tracer of the provider it saw when created: give it the current one
  // (an SDK registered after this module was loaded, as in tests).
  fastifyOtel.setTracerProvider(trace.getTracerProvider());
  await app.register(fastifyOtel.plugin());
  app.decorateRequest('traceparent', '');
  app.addHook('onRequest', async (request, reply) => {
    // The span @fastify/otel opened for this request (not this hook's own span); without an SDK no span
    // is recording and the caller's context passes on unchanged.
    const otel = request.opentelemetry();
    const headers = traceHeadersOf(otel.instrumented ? otel.span ?? undefined : undefined);
    const incoming = request.headers.traceparent;
    request.traceparent = headers.traceparent ?? (typeof incoming === 'string' ? incoming : '');
    if (request.traceparent) reply.header('traceparent', request.traceparent);
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).send(body);
  });
}

/** Redis accepts a write: HSET on the service's own health key (an OOM, READONLY or MISCONF refusal fails it). */
export function redisProbe(redis: RedisConnection, key: string, member: string): Probe {
  return {
    name: 'redis',
    async ready() {
      const started = performance.now();
      try {
        await redis.sendCommand(['HSET', key, member, new Date().toISOString()]);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { ok: false, reason: 'redis-refuses-writes', error: message.split('\n')[0] };
      }
      return { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    },
  };
}

export interface ConsumerObservation {
  /** Outermost first: the span of each event, then its handler timing. */
  middleware: Middleware[];
  onOutcome(outcome: ConsumerOutcome): void;
  /** Starts watching the consumer (metrics and probes) once it exists. */
  watch(consumer: Consumer<ChannelDefinition>): void;
}

/** Spans, metrics and the readiness probes of one consumer, labelled by its group and its own name. */
export function observeConsumer(
  context: { metrics: ServiceMetrics; health: Health; redis: RedisConnection },
  channel: ChannelDefinition,
  names: { group: string; consumer: string },
): ConsumerObservation {
  const { metrics, health, redis } = context;
  const labels = { ...names, channel: channel.address };
  const dlq = deadLetterStream(channel);
  const progress = new ProgressWatch();
  const growth = new GrowthWatch(health.thresholds.deadLetterWindowMs);
  const deadLetterDepth = async () => Number(await redis.sendCommand(['XLEN', dlq]));
  return {
    middleware: [
      consumerTracing(names),
      handlerMetrics({ observe: (o) => metrics.handlerDuration.observe({ ...labels, type: o.type, outcome: o.outcome }, o.seconds) }),
    ],
    onOutcome(o) {
      metrics.consumerEvents.inc({ ...labels, type: o.type, outcome: o.outcome });
      if (o.outcome === 'dead_lettered') metrics.deadLetters.inc({ ...labels, type: o.type, reason: o.reason ?? 'unknown' });
      if (o.outcome !== 'failed') progress.progressed();
    },
    watch(consumer) {
      // Liveness answers without Redis: it reads the loop state the last readiness probe or scrape saw
      // (the loop only stops on stop(); it retries every error itself).
      let running = true;
      const stats = async () => {
        const current = await consumer.stats();
        running = current.running;
        return current;
      };
      const lastProgress = () => (progress.lastProgress === undefined ? undefined : progress.lastProgress / 1000);
      metrics.watchConsumer({ labels, stats, lastProgress, deadLetterDepth, deadLetterStream: dlq, ...partitionsOf(consumer, metrics, labels) });
      health.add({
        name: 'consumer',
        live: () => ({ ok: running, running }),
        async ready() {
          const current = await stats();
          const waiting = (current.lag ?? 0) + current.pending;
          const stalledMs = progress.observe(waiting > 0);
          const facts = { running: current.running, lag: current.lag, pending: current.pending, stalledMs };
          if (!current.running) return { ok: false, reason: 'consumer-stopped', ...facts };
          if (stalledMs > health.thresholds.consumerStallMs) return { ok: false, reason: 'consumer-stalled', ...facts };
          return { ok: true, ...facts };
        },
      });
      health.add({
        name: 'deadLetters',
        async ready() {
          const depth = await deadLetterDepth();
          const grown = growth.sample(depth);
          const facts = { stream: dlq, depth, grownInWindow: grown, windowMs: health.thresholds.deadLetterWindowMs };
          if (grown > health.thresholds.deadLetterMaxGrowth) return { ok: false, reason: 'dead-letters-growing', ...facts };
          return { ok: true, ...facts };
        },
      });
    },
  };
}

/**
 * Ownership, per-partition lag and rebalances of a consumer of a partitioned channel (more than one
 * partition): what the generated facade's consume<Channel> returns for it. Nothing for one partition.
 */
function partitionsOf(consumer: Consumer<ChannelDefinition>, metrics: ServiceMetrics, labels: Record<'group' | 'consumer' | 'channel', string>): { partitions?: PartitionSource } {
  const count = consumer.channel.partitions ?? 1;
  if (count <= 1 || !('onPartitionChange' in consumer)) return {};
  const partitioned = consumer as PartitionedConsumer<ChannelDefinition>;
  partitioned.onPartitionChange((_partition, change) => metrics.rebalances.inc({ ...labels, reason: change }));
  return { partitions: { count, owned: () => partitioned.owned(), stats: () => partitioned.partitionStats() } };
}

export interface RelayObservation {
  /** After each published batch: how many entries went to `channel`, and how long the round trip took. */
  onPublished(count: number, seconds: number, channel: string): void;
  /** An entry was parked (it left the backlog without being published). */
  onParked(): void;
  watch(relay: { readonly running: boolean; status(): Promise<{ running: boolean; backlog: number; parked: number; published: number; failing?: string }> }): void;
}

/** Metrics and the readiness probe of one outbox relay. */
export function observeRelay(context: { metrics: ServiceMetrics; health: Health }, labels: { outbox: string }, probeName = 'relay'): RelayObservation {
  const { metrics, health } = context;
  const progress = new ProgressWatch();
  return {
    onPublished(count, seconds, channel) {
      metrics.outboxPublished.inc({ ...labels, channel }, count);
      metrics.outboxPublishDuration.observe({ ...labels, channel }, seconds);
      progress.progressed();
    },
    onParked() {
      progress.progressed();
    },
    watch(relay) {
      metrics.watchRelay({ labels, backlog: async () => (await relay.status()).backlog });
      health.add({
        name: probeName,
        live: () => ({ ok: relay.running, running: relay.running }),
        async ready() {
          const status = await relay.status();
          const stalledMs = progress.observe(status.backlog > 0);
          const facts = { ...status, stalledMs };
          if (!status.running) return { ok: false, reason: 'relay-stopped', ...facts };
          if (stalledMs > health.thresholds.relayStallMs) return { ok: false, reason: 'relay-stuck', ...facts };
          return { ok: true, ...facts };
        },
      });
    },
  };
}
