// ACL users on a partitioned channel, against a real redis-server: the sending service may XADD to every
// partition stream; the receiving service's members share the partitions under their own member set and
// leases, and may neither publish there nor touch another group's lease.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestRedis, type RedisServer } from '../../test/support/redis.ts';
import { testChannel } from '../../test/support/test-channel.ts';
import { closeConnection, connectRedis, createProducer, partitionLeaseKey, partitionStreamKey, type RedisConnection } from '../runtime/index.ts';
import { createPartitionedConsumer } from '../runtime/redis/partitioned-consumer.ts';
import { aclConfigLines, consumerGroups, createConsumerGroups, redisUrlFor, resolveRedisPasswords, type ServiceAccess } from './redis-acl.ts';

const partitions = { 'shop.orders.v1': 3 };
const access: ServiceAccess[] = [
  { name: 'shop', keyPrefix: 'shop', redisCommands: [], sends: ['shop.orders.v1'], receives: [], partitions },
  { name: 'shipping', keyPrefix: 'shipping', redisCommands: [], sends: [], receives: ['shop.orders.v1'], partitions },
];
const passwords = resolveRedisPasswords({}, access.map((a) => a.name));
let server: RedisServer & { cleanup(): Promise<void> };
let shop: RedisConnection;
let shipping: RedisConnection;

beforeAll(async () => {
  server = await startTestRedis({ extraConfig: aclConfigLines(passwords, access), functions: [] });
  const admin = await connectRedis(server.url);
  expect(consumerGroups(access)).toHaveLength(3);
  await createConsumerGroups(admin, access);
  await closeConnection(admin);
  shop = await connectRedis(redisUrlFor(server.url, 'shop', passwords.of('shop')));
  shipping = await connectRedis(redisUrlFor(server.url, 'shipping', passwords.of('shipping')));
});
afterAll(async () => {
  await closeConnection(shop);
  await closeConnection(shipping);
  await server.cleanup();
});

test('a partitioned channel runs as the services\' ACL users, and nothing more is allowed', async () => {
  const channel = { ...testChannel('shop.orders.v1'), partitions: 3 };
  const producer = createProducer(shop, channel, { source: 'herald/shop' });
  const subjects = ['o-1', 'o-2', 'o-3', 'o-4', 'o-5', 'o-6'];
  for (const subject of subjects) await producer.publish('Ping', { subject, seq: 1, blob: new Uint8Array() }, { subject, sequence: 1 });
  const handled: string[] = [];
  const consumer = createPartitionedConsumer(shipping, channel, {
    group: 'shipping', consumer: 'shipping-1', config: { blockMs: 50, claimIntervalMs: 50, minIdleMs: 200 }, sessionTimeoutMs: 1500, heartbeatMs: 300,
    handlers: { Ping: async (e) => void handled.push(e.data.subject), Pong: async () => {} },
  });
  await consumer.start();
  try {
    await expect.poll(() => consumer.owned(), { timeout: 10_000 }).toEqual([0, 1, 2]);
    await expect.poll(() => handled.sort(), { timeout: 10_000 }).toEqual(subjects);
  } finally {
    await consumer.stop();
  }
  await expect(shipping.sendCommand(['XADD', partitionStreamKey(channel, 0, 3), '*', 'forged', '1'])).rejects.toThrow(/NOPERM/);
  await expect(shipping.sendCommand(['SET', partitionLeaseKey(channel, 'billing', 0), 'me'])).rejects.toThrow(/NOPERM/);
  await expect(shop.sendCommand(['SET', partitionLeaseKey(channel, 'shipping', 0), 'me'])).rejects.toThrow(/NOPERM/);
});
