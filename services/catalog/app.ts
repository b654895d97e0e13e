// Catalog as a fastify app: buildApp(config) opens Redis and, by role, registers the routes (commands
// and queries on the event store) and the outbox relay plugin. It never listens; main.ts does.
import type { FastifyInstance } from 'fastify';
import { createCatalogService } from '../../generated/services/catalog.ts';
import { openServiceApp, ownLibrary, relayPlugin } from '../shared/bootstrap.ts';
import { createMovieCommands } from './commands.ts';
import type { CatalogConfig } from './config.ts';
import { catalogKeys, createMovieEventStore } from './event-store.ts';
import { registerCatalogRoutes } from './routes.ts';
import { createMovieStateCache } from './state-cache.ts';

export async function buildApp(config: CatalogConfig): Promise<FastifyInstance> {
  const { app, redis, runtime } = await openServiceApp('catalog', config, ownLibrary('catalog', import.meta.url));
  const producer = createCatalogService(redis).producers.catalogMovie;
  const store = createMovieEventStore(redis, { snapshotEvery: config.snapshotEvery });

  if (config.roles.includes('api')) {
    registerCatalogRoutes(app, { commands: createMovieCommands(store, producer, { cache: createMovieStateCache(config.stateCacheSize) }), store, ...(config.serviceToken ? { serviceToken: config.serviceToken } : {}) });
  }
  if (config.roles.includes('relay')) {
    await app.register(relayPlugin(runtime, redis, { outboxKey: catalogKeys.outbox, channels: [producer.channel], batchSize: config.outboxBatch, ackDelayMs: config.relayAckDelayMs }));
  }
  return app;
}
