// Catalog as a fastify plugin-style app: buildApp(config) wires Redis, the generated producer, the
// event store, routes and (by role) the outbox relay. It never listens; main.ts does.
import type { FastifyInstance } from 'fastify';
import { closeConnection, type RedisConnection } from 'herald/runtime';
import { createCatalogService } from '../../generated/services/catalog.ts';
import { observeRelay, redisProbe } from '../shared/observability.ts';
import { createOutboxRelay } from '../shared/outbox-relay.ts';
import { connectServiceRedis } from '../shared/redis-connect.ts';
import { createServiceApp } from '../shared/service-app.ts';
import { createMovieCommands } from './commands.ts';
import type { CatalogConfig } from './config.ts';
import { catalogKeys, createMovieEventStore } from './event-store.ts';
import { registerCatalogRoutes } from './routes.ts';

export async function buildApp(config: CatalogConfig): Promise<FastifyInstance> {
  const { app, metrics, health } = await createServiceApp({ service: 'catalog', roles: config.roles, logLevel: config.logLevel, bodyLimit: config.bodyLimit, readiness: config.readiness });
  let redis: RedisConnection;
  try {
    redis = await connectServiceRedis(config.redisUrl, { name: `catalog:${config.roles.join('+')}`, log: app.log });
  } catch (error) {
    await app.close();
    throw error;
  }
  health.add(redisProbe(redis, 'catalog:health', `${config.roles.join('+')}@${config.host}:${config.port}`));
  const service = createCatalogService(redis);
  const producer = service.producers.catalogMovie;
  const store = createMovieEventStore(redis, { snapshotEvery: config.snapshotEvery });

  if (config.roles.includes('api')) {
    registerCatalogRoutes(app, { commands: createMovieCommands(store, producer), store, ...(config.serviceToken ? { serviceToken: config.serviceToken } : {}) });
  }

  const relayObservation = observeRelay({ metrics, health }, { outbox: catalogKeys.outbox, channel: producer.channel.address });
  const relay = config.roles.includes('relay')
    ? createOutboxRelay(redis, { outboxKey: catalogKeys.outbox, producer, batchSize: config.outboxBatch, ackDelayMs: config.relayAckDelayMs, onPublished: relayObservation.onPublished, logger: app.log })
    : undefined;
  if (relay) {
    relayObservation.watch(relay);
    app.addHook('onReady', async () => relay.start());
  }

  // Close in reverse order of opening: stop publishing, then drop the connection.
  app.addHook('onClose', async () => {
    await relay?.stop();
    await closeConnection(redis).catch(() => redis.destroy());
  });
  return app;
}
