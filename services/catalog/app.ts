// Catalog as a fastify plugin-style app: buildApp(config) wires Redis, the generated producer, the
// event store, routes and (by role) the outbox relay. It never listens; main.ts does.
import type { FastifyInstance } from 'fastify';
import { closeConnection, type RedisConnection } from 'herald/runtime';
import { createCatalogService } from '../../generated/services/catalog.ts';
import { createOutboxRelay } from '../shared/outbox-relay.ts';
import { redisHealth } from '../shared/observability.ts';
import { connectServiceRedis } from '../shared/redis-connect.ts';
import { limitRepeats } from '../shared/log-limiter.ts';
import { createServiceApp } from '../shared/service-app.ts';
import { createMovieCommands } from './commands.ts';
import type { CatalogConfig } from './config.ts';
import { catalogKeys, createMovieEventStore } from './event-store.ts';
import { registerCatalogRoutes } from './routes.ts';

export async function buildApp(config: CatalogConfig): Promise<FastifyInstance> {
  const { app, metrics, addHealthCheck } = createServiceApp({ service: 'catalog', roles: config.roles, logLevel: config.logLevel, bodyLimit: config.bodyLimit });
  let redis: RedisConnection;
  try {
    redis = await connectServiceRedis(config.redisUrl, { name: `catalog:${config.roles.join('+')}`, commandTimeoutMs: config.redisTimeoutMs, log: app.log });
  } catch (error) {
    await app.close();
    throw error;
  }
  addHealthCheck(redisHealth(redis));
  // Warnings that repeat per entry or per retry (dead letters, a stuck relay) are logged once a minute with a count.
  const quietLog = limitRepeats(app.log);
  app.addHook('onClose', async () => quietLog.close());
  const service = createCatalogService(redis);
  const producer = service.producers.catalogMovie;
  const store = createMovieEventStore(redis, { snapshotEvery: config.snapshotEvery });

  if (config.roles.includes('api')) {
    registerCatalogRoutes(app, { commands: createMovieCommands(store, producer), store, ...(config.serviceToken ? { serviceToken: config.serviceToken } : {}) });
  }

  const relay = config.roles.includes('relay')
    ? createOutboxRelay(redis, { outboxKey: catalogKeys.outbox, producer, batchSize: config.outboxBatch, ackDelayMs: config.relayAckDelayMs, metrics, logger: quietLog })
    : undefined;
  if (relay) {
    addHealthCheck({ name: 'relay', check: async () => ({ ok: relay.running, running: relay.running, backlog: await relay.backlog() }) });
    app.addHook('onReady', async () => relay.start());
  }

  // Close in reverse order of opening: stop publishing, then drop the connection.
  app.addHook('onClose', async () => {
    await relay?.stop();
    await closeConnection(redis).catch(() => redis.destroy());
  });
  return app;
}
