// Sales as a fastify app: buildApp(config) wires Redis, the generated Sales service (purchase producer
// and catalog consumer), the projection, routes and, by role, the consumer and the outbox relay.
// It never listens (main.ts does) and never talks to Catalog except through the channel.
import type { FastifyInstance } from 'fastify';
import { closeConnection, traceLogging, type Middleware, type RedisConnection } from 'herald/runtime';
import { catalogMovie } from '../../generated/channels/catalog-movie.ts';
import { createSalesService } from '../../generated/services/sales.ts';
import { observeConsumer, observeRelay, redisProbe } from '../shared/observability.ts';
import { createOutboxRelay } from '../shared/outbox-relay.ts';
import { connectServiceRedis } from '../shared/redis-connect.ts';
import { createServiceApp } from '../shared/service-app.ts';
import type { SalesConfig } from './config.ts';
import { createCatalogMovieHandlers } from './handlers.ts';
import { createMovieProjection } from './projection.ts';
import { createPurchaseService, purchaseKeys } from './purchases.ts';
import { registerSalesRoutes } from './routes.ts';

export async function buildApp(config: SalesConfig): Promise<FastifyInstance> {
  const { app, metrics, health } = await createServiceApp({ service: 'sales', roles: config.roles, logLevel: config.logLevel, bodyLimit: config.bodyLimit, readiness: config.readiness });
  let redis: RedisConnection;
  try {
    redis = await connectServiceRedis(config.redisUrl, { name: `sales:${config.roles.join('+')}`, log: app.log });
  } catch (error) {
    await app.close();
    throw error;
  }
  health.add(redisProbe(redis, 'sales:health', `${config.roles.join('+')}@${config.host}:${config.port}`));
  const service = createSalesService(redis);
  const projection = createMovieProjection(redis);

  if (config.roles.includes('api')) {
    const purchasesTotal = metrics.counter('herald_purchases_total', 'Purchases recorded.');
    registerSalesRoutes(app, {
      purchases: createPurchaseService(redis, projection, service.producers.salesPurchase),
      projection,
      ...(config.serviceToken ? { serviceToken: config.serviceToken } : {}),
      onPurchase: () => purchasesTotal.inc(),
    });
  }

  const projectionEvents = metrics.counter('herald_projection_events_total', 'Catalog events by outcome (applied, duplicate, early).', ['event', 'outcome']);
  const observation = observeConsumer({ metrics, health, redis }, catalogMovie, { group: 'sales', consumer: config.consumerName });
  const consumer = config.roles.includes('consumer')
    ? service.consumeCatalogMovie({
        group: 'sales',
        consumer: config.consumerName,
        handlers: createCatalogMovieHandlers(projection, {
          outcome: (name, outcome) => projectionEvents.inc({ event: name, outcome }),
        }),
        // Each event is handled in its own span (a child of the producer's) and logged with its trace ids.
        middleware: [...observation.middleware, traceLogging(app.log), ...(config.consumerDelayMs > 0 ? [delay(config.consumerDelayMs)] : [])],
        onOutcome: observation.onOutcome,
        logger: app.log,
        config: { minIdleMs: config.consumerMinIdleMs, batchSize: config.consumerBatch },
      })
    : undefined;
  if (consumer) {
    observation.watch(consumer);
    app.addHook('onReady', async () => consumer.start());
  }

  const relayObservation = observeRelay({ metrics, health }, { outbox: purchaseKeys.outbox, channel: service.producers.salesPurchase.channel.address });
  const relay = config.roles.includes('relay')
    ? createOutboxRelay(redis, { outboxKey: purchaseKeys.outbox, producer: service.producers.salesPurchase, batchSize: config.outboxBatch, ackDelayMs: config.relayAckDelayMs, onPublished: relayObservation.onPublished, logger: app.log })
    : undefined;
  if (relay) {
    relayObservation.watch(relay);
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
