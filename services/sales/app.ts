// Sales as a fastify app: buildApp(config) wires Redis, the generated Sales service (purchase producer
// and catalog consumer), the projection, routes and, by role, the consumer and the outbox relay.
// It never listens (main.ts does) and never talks to Catalog except through the channel.
import type { FastifyInstance } from 'fastify';
import { closeConnection, traceLogging, type Middleware, type RedisConnection } from 'herald/runtime';
import { createSalesService } from '../../generated/services/sales.ts';
import { consumerHealth, redisHealth } from '../shared/observability.ts';
import { createOutboxRelay } from '../shared/outbox-relay.ts';
import { connectServiceRedis } from '../shared/redis-connect.ts';
import { createServiceApp } from '../shared/service-app.ts';
import type { SalesConfig } from './config.ts';
import { createCatalogMovieHandlers } from './handlers.ts';
import { createMovieProjection } from './projection.ts';
import { createPurchaseService, purchaseKeys } from './purchases.ts';
import { registerSalesRoutes } from './routes.ts';

export async function buildApp(config: SalesConfig): Promise<FastifyInstance> {
  const { app, metrics, addHealthCheck } = createServiceApp({ service: 'sales', roles: config.roles, logLevel: config.logLevel, bodyLimit: config.bodyLimit });
  let redis: RedisConnection;
  try {
    redis = await connectServiceRedis(config.redisUrl, { name: `sales:${config.roles.join('+')}`, log: app.log });
  } catch (error) {
    await app.close();
    throw error;
  }
  addHealthCheck(redisHealth(redis));
  const service = createSalesService(redis);
  const projection = createMovieProjection(redis);

  if (config.roles.includes('api')) {
    metrics.declare('herald_purchases_total', 'Purchases recorded.');
    registerSalesRoutes(app, {
      purchases: createPurchaseService(redis, projection, service.producers.salesPurchase),
      projection,
      ...(config.serviceToken ? { serviceToken: config.serviceToken } : {}),
      onPurchase: () => metrics.inc('herald_purchases_total', 'Purchases recorded.'),
    });
  }

  const consumer = config.roles.includes('consumer')
    ? service.consumeCatalogMovie({
        consumer: config.consumerName,
        handlers: createCatalogMovieHandlers(projection, {
          outcome: (name, outcome) => metrics.inc('herald_projection_events_total', 'Catalog events by outcome (applied, duplicate, early).', { event: name, outcome }),
        }),
        // Each handled event is logged with its traceparent: the request that caused it can be followed here.
        middleware: [traceLogging(app.log), ...(config.consumerDelayMs > 0 ? [delay(config.consumerDelayMs)] : [])],
        logger: app.log,
        config: { minIdleMs: config.consumerMinIdleMs, batchSize: config.consumerBatch },
      })
    : undefined;
  if (consumer) {
    addHealthCheck(consumerHealth('consumer', consumer, metrics));
    app.addHook('onReady', async () => consumer.start());
  }

  const relay = config.roles.includes('relay')
    ? createOutboxRelay(redis, { outboxKey: purchaseKeys.outbox, producer: service.producers.salesPurchase, batchSize: config.outboxBatch, ackDelayMs: config.relayAckDelayMs, metrics, logger: app.log })
    : undefined;
  if (relay) {
    addHealthCheck({ name: 'relay', check: async () => ({ ok: relay.running, running: relay.running, backlog: await relay.backlog() }) });
    app.addHook('onReady', async () => relay.start());
  }

  app.addHook('onClose', async () => {
    await consumer?.stop();
    await relay?.stop();
    await closeConnection(redis).catch(() => redis.destroy());
  });
  return app;
}

/** Fault-injection middleware (CONSUMER_DELAY_MS): slows every handler down. */
function delay(ms: number): Middleware {
  return (next) => async (event) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    await next(event);
  };
}
