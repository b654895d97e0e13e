// The bootstrap plugins with a real Redis, relay and consumer: they start on ready, report on /health,
// and app.close() stops consumer and relay before the connection they use is closed.
import { describe, expect, it } from 'vitest';
import { closeConnection, connectRedis, createConsumer, loadFunctionLibraries, runtimeLibrary } from 'herald/runtime';
import { startTestRedis } from '../../test/support/redis.ts';
import { redisTest, type TestRedisServer } from '../../test/support/redis-fixture.ts';
import { testChannel } from '../../test/support/test-channel.ts';
import { loadBaseServiceConfig } from './env.ts';
import { consumerObservation, consumerPlugin, openServiceApp, relayPlugin } from './bootstrap.ts';

let server: TestRedisServer;
redisTest.beforeAll(({ redisServer }) => {
  server = redisServer;
});

const config = (url: string) => loadBaseServiceConfig({ REDIS_URL: url, LOG_LEVEL: 'silent' }, [], { port: 0, roles: ['api', 'relay', 'consumer'] });

describe('service bootstrap plugins', () => {
  it('start the relay and the consumer on ready, report them, and close them before Redis', async () => {
    const { app, redis, runtime } = await openServiceApp('shop', config(server.url));
    const channel = testChannel('shop.boot.v1');
    const errors: unknown[] = [];
    const observation = consumerObservation(runtime, redis, channel, { group: 'shop', consumer: 'c1' });
    const consumer = createConsumer(redis, channel, { group: 'shop', consumer: 'c1', handlers: { Ping: () => {}, Pong: () => {} }, middleware: observation.middleware, onOutcome: observation.onOutcome, config: { blockMs: 20 }, logger: { info() {}, warn() {}, error: (o) => errors.push(o) } });
    await app.register(consumerPlugin(observation, consumer));
    await app.register(relayPlugin(runtime, redis, { outboxKeys: ['shop:outbox'], channels: [channel.address], batchSize: 10, ackDelayMs: 0 }));
    await app.ready();
    const health = (await app.inject('/health')).json();
    expect(health).toMatchObject({ status: 'ok', checks: { consumer: { running: true }, relay: { running: true } } });
    const ready = (await app.inject('/ready')).json();
    expect(ready).toMatchObject({ status: 'ready', checks: { redis: { ok: true }, consumer: { ok: true }, relay: { ok: true, running: true, parked: 0 } } });
    await app.close();
    expect(redis.isOpen).toBe(false);
    // Had Redis closed first, the consumer's loop would have logged a closed-client error here.
    expect(errors).toEqual([]);
  });

  it('refuses to start, naming herald redis setup, when a function library is missing or of another version', async () => {
    const bare = await startTestRedis({ functions: [] });
    try {
      await expect(openServiceApp('shop', config(bare.url))).rejects.toMatchObject({ code: 'HERALD_ERR_CONFIG', message: 'Redis has no function library "herald"; run `herald redis setup` (herald dev does it for you)' });
      const admin = await connectRedis(bare.url);
      await loadFunctionLibraries(admin, [runtimeLibrary, { name: 'shop', body: "redis.register_function('shop_x', function() return 1 end)\n" }]);
      await closeConnection(admin);
      const newer = { name: 'shop', body: "redis.register_function('shop_x', function() return 2 end)\n" };
      await expect(openServiceApp('shop', config(bare.url), newer)).rejects.toMatchObject({ code: 'HERALD_ERR_CONFIG', message: expect.stringMatching(/^Redis holds version [0-9a-f]{16} of function library "shop", this code needs [0-9a-f]{16}; run `herald redis setup`$/) });
    } finally {
      await bare.cleanup();
    }
  });

  it('closes the app and says why when Redis refuses the connection', async () => {
    const refused = config(server.url.replace('redis://', 'redis://nobody:wrong@'));
    await expect(openServiceApp('shop', refused)).rejects.toMatchObject({ code: 'HERALD_ERR_CONFIG', message: expect.stringContaining('refused user "nobody"') });
  });
});
