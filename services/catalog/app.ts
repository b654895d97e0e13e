// Catalog as a fastify plugin-style app: buildApp(config) wires Redis, the generated producer, the
// event store, routes and (by role) the outbox relay. It never listens; main.ts does.
import type { FastifyInstance } from 'fastify';
import { closeConnection, type RedisConnection } from 'herald/runtime';
import { createCatalogService } from '../../generated/services/catalog.ts';
import { redisHealth } from '../shared/observability.ts';
import { connectServiceRedis } from '../shared/redis-connect.ts';
import { createServiceRelay } from '../shared/relay.ts';
import { createServiceApp } from '../shared/service-app.ts';
import { createMovieCommands } from './commands.ts';
import type { CatalogConfig } from './config.ts';
import { catalogKeys, createMovieEventStore } from './event-store.ts';
import { registerCatalogRoutes } from './routes.ts';

export async function buildApp(config: CatalogConfig): Promise<FastifyInstance> {
  const { app, metrics, addHealthCheck } = createServiceApp({ service: 'catalog', roles: config.roles, logLevel: config.logLevel, bodyLimit: config.bodyLimit });
  let redis: RedisConnection;
  try {
    redis = await connectServiceRedis(config.redisUrl, { name: `catalog:${config.roles.join('+')}`, log: app.log });
  } catch (error) {
    await app.close();
    throw error;
  }
  addHealthCheck(redisHealth(redis));
  const service = createCatalogService(redis);
  const producer = service.producers.catalogMovie;
  const store = createMovieEventStore(redis, { snapshotEvery: config.snapshotEvery });

  if (config.roles.includes('api')) {
    registerCatalogRoutes(app, { commands: createMovieCommands(store, producer), store, ...(config.serviceToken ? { serviceToken: config.serviceToken } : {}) });
  }

  const relay = config.roles.includes('relay')
    ? createServiceRelay(redis, { outboxKey: catalogKeys.outbox, channels: [producer.channel.address], batchSize: config.outboxBatch, ackDelayMs: config.relayAckDelayMs, metrics, logger: app.log })
    : undefined;
  if (relay) {
    addHealthCheck(relay.health);
    app.addHook('onReady', async () => relay.relay.start());
  }

  // Close in reverse order of opening: stop publishing, then drop the connection.
  app.addHook('onClose', async () => {
    await relay?.relay.stop();
    await closeConnection(redis).catch(() => redis.destroy());
  });
  return app;
}
