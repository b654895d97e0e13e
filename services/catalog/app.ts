// Catalog as a fastify app: buildApp(config) opens Redis and, by role, registers the routes (commands
// and queries on the event store) and the outbox relay plugin. It never listens; main.ts does.
import type { FastifyInstance } from 'fastify';
import { isClusterConnection, layoutOutboxKeys } from 'herald/runtime';
import { createCatalogService } from '../../generated/services/catalog.ts';
import { openServiceApp, ownLibrary, relayPlugin } from '../shared/bootstrap.ts';
import { createMovieCommands } from './commands.ts';
import type { CatalogConfig } from './config.ts';
import { catalogLayout, createMovieEventStore } from './event-store.ts';
import { registerCatalogRoutes } from './routes.ts';
import { createMovieStateCache } from './state-cache.ts';

export async function buildApp(config: CatalogConfig): Promise<FastifyInstance> {
  const { app, redis, runtime } = await openServiceApp('catalog', config, ownLibrary('catalog', import.meta.url));
  const producer = createCatalogService(redis).producers.catalogMovie;
  // Keys tagged per partition of catalog.movie.v1 on a cluster (docs/scale-out.md), today's keys on one node.
  const layout = catalogLayout({ cluster: isClusterConnection(redis) });
  const store = createMovieEventStore(redis, { snapshotEvery: config.snapshotEvery, layout, ...(config.waitForReplicas ? { waitForReplicas: config.waitForReplicas } : {}) });

  if (config.roles.includes('api')) {
    registerCatalogRoutes(app, { commands: createMovieCommands(store, producer, { cache: createMovieStateCache(config.stateCacheSize) }), store, ...(config.serviceToken ? { serviceToken: config.serviceToken } : {}) });
  }
  if (config.roles.includes('relay')) {
    await app.register(relayPlugin(runtime, redis, { outboxKeys: layoutOutboxKeys(layout), channels: [producer.channel], batchSize: config.outboxBatch, ackDelayMs: config.relayAckDelayMs, ...(config.waitForReplicas ? { waitForReplicas: config.waitForReplicas } : {}) }));
  }
  return app;
}
