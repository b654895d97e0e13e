// The service bootstrap as fastify plugins: each opens one resource (the Redis connection, an outbox
// relay, a consumer), reports it on /health, and closes it in its onClose hook. fastify runs onClose hooks
// last-registered first, so consumers and relays stop before the connection they use closes.
// Every service's app.ts is these plugins plus its own routes; none holds business logic.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { readFileSync } from 'node:fs';
import { assertLibraryInstalled, closeConnection, runtimeLibrary, type Consumer, type FunctionLibrary, type OutboxRelayOptions, type RedisConnection } from 'herald/runtime';
import type { BaseServiceConfig } from './env.ts';
import type { MetricsRegistry } from './metrics.ts';
import { consumerHealth, redisHealth, type HealthCheck } from './observability.ts';
import { connectServiceRedis } from './redis-connect.ts';
import { limitRepeats, type LimitedLogger } from './log-limiter.ts';
import { createServiceRelay } from './relay.ts';
import { createServiceApp } from './service-app.ts';

/** What plugins report to: the /metrics registry and the /health checks. */
export interface ServiceRuntime {
  metrics: MetricsRegistry;
  addHealthCheck(check: HealthCheck): void;
  /**
   * The app's logger for warnings that repeat per entry or per retry (dead letters, a stuck relay): the
   * first of a kind per minute in full, then one line with the count.
   */
  quietLog: LimitedLogger;
}

/** Registers into the parent instead of a child context (what fastify-plugin does), so hooks apply app-wide. */
function shared(plugin: FastifyPluginAsync): FastifyPluginAsync {
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true });
}

/** A service's own Redis Functions library: `functions.lua` beside its app.ts, named after the service. */
export function ownLibrary(service: string, appUrl: string): FunctionLibrary {
  return { name: service, body: readFileSync(new URL('./functions.lua', appUrl), 'utf8') };
}

/**
 * Connects to Redis at start-up (with a deadline), checks that the Redis Functions this code calls are
 * installed in this very version (else start-up fails, naming `herald redis setup`), checks Redis on
 * /health, and closes the connection last.
 */
export function redisPlugin(runtime: ServiceRuntime, options: { url: string; name: string; libraries: FunctionLibrary[]; timeoutMs?: number; onConnect(redis: RedisConnection): void }): FastifyPluginAsync {
  return shared(async (app) => {
    const redis = await connectServiceRedis(options.url, { name: options.name, log: app.log, ...(options.timeoutMs ? { commandTimeoutMs: options.timeoutMs } : {}) });
    try {
      for (const library of options.libraries) await assertLibraryInstalled(redis, library);
    } catch (error) {
      await closeConnection(redis).catch(() => redis.destroy());
      throw error;
    }
    options.onConnect(redis);
    runtime.addHealthCheck(redisHealth(redis));
    app.addHook('onClose', async () => {
      await closeConnection(redis).catch(() => redis.destroy());
    });
  });
}

/** Runs the service's outbox relay (herald/runtime) from onReady to onClose. */
export function relayPlugin(runtime: ServiceRuntime, redis: RedisConnection, options: { outboxKey: string; channels: OutboxRelayOptions['channels']; batchSize: number; ackDelayMs: number }): FastifyPluginAsync {
  return shared(async (app) => {
    const { relay, health } = createServiceRelay(redis, { ...options, metrics: runtime.metrics, logger: runtime.quietLog });
    runtime.addHealthCheck(health);
    app.addHook('onReady', async () => {
      await relay.start();
    });
    app.addHook('onClose', async () => {
      await relay.stop();
    });
  });
}

/** Runs a consumer from onReady to onClose (stop reading, finish and ack what is in flight). */
export function consumerPlugin(runtime: ServiceRuntime, name: string, consumer: Consumer<any>): FastifyPluginAsync {
  return shared(async (app) => {
    runtime.addHealthCheck(consumerHealth(name, consumer, runtime.metrics));
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

/**
 * The fastify app of a service with its Redis connection open and its functions checked (the runtime's,
 * and `library` when the service has one); a refused connection or a missing function closes the app and throws.
 */
export async function openServiceApp(service: string, config: BaseServiceConfig<string>, library?: FunctionLibrary): Promise<OpenedService> {
  const { app, metrics, addHealthCheck } = createServiceApp({ service, roles: config.roles, logLevel: config.logLevel, bodyLimit: config.bodyLimit });
  const quietLog = limitRepeats(app.log);
  app.addHook('onClose', async () => quietLog.close());
  const runtime: ServiceRuntime = { metrics, addHealthCheck, quietLog };
  let redis: RedisConnection | undefined;
  try {
    await app.register(redisPlugin(runtime, {
      url: config.redisUrl, name: `${service}:${config.roles.join('+')}`, libraries: [runtimeLibrary, ...(library ? [library] : [])],
      timeoutMs: config.redisTimeoutMs,
      onConnect: (connection) => (redis = connection),
    }));
  } catch (error) {
    await app.close();
    throw error;
  }
  return { app, redis: redis!, runtime };
}
