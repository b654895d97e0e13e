// /health, /metrics, request counting and the W3C traceparent of each request, for both services.
// It never decides business outcomes; a failing check only turns /health to 503.
import type { FastifyInstance } from 'fastify';
import type { Consumer, RedisConnection } from 'herald/runtime';
import type { MetricsRegistry } from './metrics.ts';
import { childTraceparent } from './traceparent.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's span, child of the incoming `traceparent` header (or a new trace). */
    traceparent: string;
  }
}

export interface HealthCheck {
  name: string;
  check(): Promise<Record<string, unknown> & { ok: boolean }>;
}

export function redisHealth(redis: RedisConnection): HealthCheck {
  return {
    name: 'redis',
    async check() {
      const started = performance.now();
      const pong = await redis.ping();
      return { ok: String(pong) === 'PONG', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    },
  };
}

/** Consumer health and its counters on /metrics (handled, failed, dead-lettered, lag, pending). */
export function consumerHealth(name: string, consumer: Consumer<any>, metrics: MetricsRegistry): HealthCheck {
  const labels = { consumer: name, channel: consumer.channel.address };
  metrics.collect(async () => {
    const stats = await consumer.stats();
    metrics.set('herald_events_handled_total', 'Events handled (acked) by the consumer.', stats.handled, labels);
    metrics.set('herald_events_failed_total', 'Handler failures (each is retried).', stats.failed, labels);
    metrics.set('herald_events_dead_lettered_total', 'Events moved to the dead-letter stream.', stats.deadLettered, labels);
    metrics.set('herald_consumer_lag', 'Entries not yet delivered to the consumer group.', stats.lag ?? -1, labels);
    metrics.set('herald_consumer_pending', 'Entries delivered but not yet acked.', stats.pending, labels);
    metrics.set('herald_consumer_running', '1 while the consumer loop runs.', stats.running ? 1 : 0, labels);
  });
  return {
    name,
    async check() {
      const stats = await consumer.stats();
      return { ok: stats.running, running: stats.running, lag: stats.lag, pending: stats.pending, handled: stats.handled, deadLettered: stats.deadLettered };
    },
  };
}

const healthResponse = {
  type: 'object',
  required: ['status', 'service', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded'] },
    service: { type: 'string' },
    roles: { type: 'array', items: { type: 'string' } },
    checks: { type: 'object', additionalProperties: { type: 'object', additionalProperties: true } },
  },
} as const;

export function registerObservability(
  app: FastifyInstance,
  options: { service: string; roles: readonly string[]; metrics: MetricsRegistry; checks: () => HealthCheck[] },
): void {
  const { metrics } = options;
  app.decorateRequest('traceparent', '');
  app.addHook('onRequest', async (request, reply) => {
    request.traceparent = childTraceparent(request.headers.traceparent);
    reply.header('traceparent', request.traceparent);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.inc('herald_http_requests_total', 'HTTP requests by method, route and status.', {
      method: request.method, route, status: String(reply.statusCode),
    });
  });

  app.get('/health', { schema: { response: { 200: healthResponse, 503: healthResponse } } }, async (_request, reply) => {
    // All checks at once, each with a short deadline: a paused Redis makes /health fail in about a
    // second, not after one timeout per check in turn.
    const results: Record<string, Record<string, unknown>> = {};
    let ok = true;
    await Promise.all(options.checks().map(async (health) => {
      try {
        const result = await withTimeout(health.check(), healthCheckTimeoutMs);
        results[health.name] = result;
        ok &&= result.ok;
      } catch (error) {
        results[health.name] = { ok: false, error: error instanceof Error ? error.message : String(error) };
        ok = false;
      }
    }));
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', service: options.service, roles: options.roles, checks: results });
  });

  app.get('/metrics', async (_request, reply) => {
    return reply.type('text/plain; version=0.0.4').send(await metrics.render());
  });
}

/** How long one /health check may take before it counts as failed. */
export const healthCheckTimeoutMs = 1000;

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
