// The service bootstrap as fastify plugins: each opens one resource (the Redis connection, an outbox
// relay, a consumer), reports it on /health, /ready and /metrics, and closes it in its onClose hook.
// fastify runs onClose hooks last-registered first, so consumers and relays stop before the connection
// they use closes. Every service's app.ts is these plugins plus its own routes; none holds business logic.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { closeConnection, type ChannelDefinition, type Consumer, type OutboxRelayOptions, type RedisConnection } from 'herald/runtime';
import type { BaseServiceConfig } from './env.ts';
import type { Health } from './health.ts';
import type { ServiceMetrics } from './metrics.ts';
import { observeConsumer, redisProbe, type ConsumerObservation } from './observability.ts';
import { connectServiceRedis } from './redis-connect.ts';
import { createServiceRelay } from './relay.ts';
import { createServiceApp } from './service-app.ts';

/** What plugins report to: the /metrics registry and the /health and /ready probes. */
export interface ServiceRuntime {
  metrics: ServiceMetrics;
  health: Health;
}

/** Registers into the parent instead of a child context (what fastify-plugin does), so hooks apply app-wide. */
function shared(plugin: FastifyPluginAsync): FastifyPluginAsync {
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true });
}

/**
 * Connects to Redis at start-up (with a deadline), probes that it accepts writes (an HSET on the
 * service's own `<keyPrefix>:health` key) for /ready, closes it last.
 */
export function redisPlugin(runtime: ServiceRuntime, options: { url: string; name: string; healthKey: string; onConnect(redis: RedisConnection): void }): FastifyPluginAsync {
  return shared(async (app) => {
    const redis = await connectServiceRedis(options.url, { name: options.name, log: app.log });
    options.onConnect(redis);
    runtime.health.add(redisProbe(redis, options.healthKey, options.name));
    app.addHook('onClose', async () => {
      await closeConnection(redis).catch(() => redis.destroy());
    });
  });
}

/** Runs the service's outbox relay (herald/runtime) from onReady to onClose. */
export function relayPlugin(runtime: ServiceRuntime, redis: RedisConnection, options: { outboxKey: string; channels: OutboxRelayOptions['channels']; batchSize: number; ackDelayMs: number }): FastifyPluginAsync {
  return shared(async (app) => {
    const relay = createServiceRelay(redis, runtime, { ...options, logger: app.log });
    app.addHook('onReady', async () => {
      await relay.start();
    });
    app.addHook('onClose', async () => {
      await relay.stop();
    });
  });
}

/**
 * The spans, metrics and probes of one consumer, labelled by its group and its own name: its
 * `middleware` and `onOutcome` go into the consumer's options, then consumerPlugin runs it.
 */
export function consumerObservation(runtime: ServiceRuntime, redis: RedisConnection, channel: ChannelDefinition, names: { group: string; consumer: string }): ConsumerObservation {
  return observeConsumer({ ...runtime, redis }, channel, names);
}

/** Runs a consumer from onReady to onClose (stop reading, finish and ack what is in flight). */
export function consumerPlugin(observation: ConsumerObservation, consumer: Consumer<any>): FastifyPluginAsync {
  return shared(async (app) => {
    observation.watch(consumer);
    app.addHook('onReady', async () => {
      await consumer.start();
    });
    app.addHook('onClose', async () => {
      await consumer.stop();
    });
  });
}

export interface OpenedService {
  app: FastifyInstance;
  redis: RedisConnection;
  runtime: ServiceRuntime;
}

/** The fastify app of a service with its Redis connection open; a refused connection closes the app and throws. */
export async function openServiceApp(service: string, config: BaseServiceConfig<string>, keyPrefix: string = service): Promise<OpenedService> {
  const { app, metrics, health } = await createServiceApp({ service, roles: config.roles, logLevel: config.logLevel, bodyLimit: config.bodyLimit, readiness: config.readiness });
  const runtime: ServiceRuntime = { metrics, health };
  let redis: RedisConnection | undefined;
  try {
    await app.register(redisPlugin(runtime, { url: config.redisUrl, name: `${service}:${config.roles.join('+')}`, healthKey: `${keyPrefix}:health`, onConnect: (connection) => (redis = connection) }));
  } catch (error) {
    await app.close();
    throw error;
  }
  return { app, redis: redis!, runtime };
}
