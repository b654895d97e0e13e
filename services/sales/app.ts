// Sales as a fastify app: buildApp(config) opens Redis and, by role, registers the routes, the catalog
// consumer (projection) and the outbox relay plugin. It never listens (main.ts does) and never talks to
// Catalog except through the channel.
import type { FastifyInstance } from 'fastify';
import { isClusterConnection, traceLogging, type Middleware } from 'herald/runtime';
import { setTimeout as sleep } from 'node:timers/promises';
import { catalogMovie } from '../../generated/channels/catalog-movie.ts';
import { createSalesService } from '../../generated/services/sales.ts';
import { consumerObservation, consumerPlugin, openServiceApp, ownLibrary, relayPlugin } from '../shared/bootstrap.ts';
import type { SalesConfig } from './config.ts';
import { createCatalogMovieHandlers } from './handlers.ts';
import { backfillIndex, createMovieProjection, salesKeysFor, salesLayout } from './projection.ts';
import { createPurchaseService } from './purchases.ts';
import { registerSalesRoutes } from './routes.ts';

export async function buildApp(config: SalesConfig): Promise<FastifyInstance> {
  const { app, redis, runtime } = await openServiceApp('sales', config, ownLibrary('sales', import.meta.url));
  const { metrics } = runtime;
  const service = createSalesService(redis);
  // Keys per partition of catalog.movie.v1, tagged on a cluster (docs/scale-out.md); today's keys on one node.
  const keys = salesKeysFor(salesLayout({ cluster: isClusterConnection(redis) }));
  const projection = createMovieProjection(redis, keys.liveSpace, { inboxWindow: config.inboxWindow, ...(config.waitForReplicas ? { waitForReplicas: config.waitForReplicas } : {}) });

  if (config.roles.includes('api')) {
    // A projection written before the id index existed gets its index once; later rows are indexed as applied.
    app.addHook('onReady', async () => {
      const added = await backfillIndex(redis, projection.space);
      if (added > 0) app.log.info({ added }, 'indexed projection rows for paging');
    });
    const purchasesTotal = metrics.counter('herald_purchases_total', 'Purchases recorded.');
    registerSalesRoutes(app, {
      purchases: createPurchaseService(redis, projection, service.producers.salesPurchase, undefined, keys, config.waitForReplicas),
      projection,
      ...(config.serviceToken ? { serviceToken: config.serviceToken } : {}),
      onPurchase: () => purchasesTotal.inc(),
    });
  }
  if (config.roles.includes('consumer')) {
    const projectionEvents = metrics.counter('herald_projection_events_total', 'Catalog events by outcome (applied, duplicate, early).', ['event', 'outcome']);
    const observation = consumerObservation(runtime, redis, catalogMovie, { group: 'sales', consumer: config.consumerName });
    const consumer = service.consumeCatalogMovie({
      group: 'sales',
      consumer: config.consumerName,
      handlers: createCatalogMovieHandlers(projection, {
        outcome: (name, outcome) => projectionEvents.inc({ event: name, outcome }),
      }),
      // Each event is handled in its own span (a child of the producer's), timed, and logged with its trace ids.
      middleware: [...observation.middleware, traceLogging(app.log), ...(config.consumerDelayMs > 0 ? [delay(config.consumerDelayMs)] : [])],
      onOutcome: observation.onOutcome,
      logger: runtime.quietLog,
      config: { minIdleMs: config.consumerMinIdleMs, batchSize: config.consumerBatch },
    });
    await app.register(consumerPlugin(observation, consumer));
  }
  if (config.roles.includes('relay')) {
    await app.register(relayPlugin(runtime, redis, { outboxKeys: keys.outboxes, channels: [service.producers.salesPurchase.channel], batchSize: config.outboxBatch, ackDelayMs: config.relayAckDelayMs, ...(config.waitForReplicas ? { waitForReplicas: config.waitForReplicas } : {}) }));
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
