// Sales as a fastify app: buildApp(config) opens Redis and, by role, registers the routes, the catalog
// consumer (projection) and the outbox relay plugin. It never listens (main.ts does) and never talks to
// Catalog except through the channel.
import type { FastifyInstance } from 'fastify';
import { traceLogging, type Middleware } from 'herald/runtime';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSalesService } from '../../generated/services/sales.ts';
import { consumerPlugin, openServiceApp, ownLibrary, relayPlugin } from '../shared/bootstrap.ts';
import type { SalesConfig } from './config.ts';
import { createCatalogMovieHandlers } from './handlers.ts';
import { backfillIndex, createMovieProjection } from './projection.ts';
import { createPurchaseService, purchaseKeys } from './purchases.ts';
import { registerSalesRoutes } from './routes.ts';

export async function buildApp(config: SalesConfig): Promise<FastifyInstance> {
  const { app, redis, runtime } = await openServiceApp('sales', config, ownLibrary('sales', import.meta.url));
  const { metrics } = runtime;
  const service = createSalesService(redis);
  const projection = createMovieProjection(redis, undefined, { inboxWindow: config.inboxWindow });

  if (config.roles.includes('api')) {
    // A projection written before the id index existed gets its index once; later rows are indexed as applied.
    app.addHook('onReady', async () => {
      const added = await backfillIndex(redis, projection.keys);
      if (added > 0) app.log.info({ added }, 'indexed projection rows for paging');
    });
    metrics.declare('herald_purchases_total', 'Purchases recorded.');
    registerSalesRoutes(app, {
      purchases: createPurchaseService(redis, projection, service.producers.salesPurchase),
      projection,
      ...(config.serviceToken ? { serviceToken: config.serviceToken } : {}),
      onPurchase: () => metrics.inc('herald_purchases_total', 'Purchases recorded.'),
    });
  }
  if (config.roles.includes('consumer')) {
    const consumer = service.consumeCatalogMovie({
      consumer: config.consumerName,
      handlers: createCatalogMovieHandlers(projection, {
        outcome: (name, outcome) => metrics.inc('herald_projection_events_total', 'Catalog events by outcome (applied, duplicate, early).', { event: name, outcome }),
      }),
      // Each handled event is logged with its traceparent: the request that caused it can be followed here.
      middleware: [traceLogging(app.log), ...(config.consumerDelayMs > 0 ? [delay(config.consumerDelayMs)] : [])],
      logger: runtime.quietLog,
      config: { minIdleMs: config.consumerMinIdleMs, batchSize: config.consumerBatch },
    });
    await app.register(consumerPlugin(runtime, 'consumer', consumer));
  }
  if (config.roles.includes('relay')) {
    await app.register(relayPlugin(runtime, redis, { outboxKey: purchaseKeys.outbox, channels: [service.producers.salesPurchase.channel], batchSize: config.outboxBatch, ackDelayMs: config.relayAckDelayMs }));
  }
  return app;
}

/** Fault-injection middleware (CONSUMER_DELAY_MS): slows every handler down. */
function delay(ms: number): Middleware {
  return (next) => async (event) => {
    await sleep(ms);
    await next(event);
  };
}
