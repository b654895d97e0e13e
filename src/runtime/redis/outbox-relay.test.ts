// The outbox relay against a real redis-server: it forwards each entry's wire fields byte for byte to the
// channel the entry names, and an entry it can never publish is parked with a reason while the entries
// behind it still go out.
import { describe, expect, it } from 'vitest';
import { redisTest, type TestRedisServer } from '../../../test/support/redis-fixture.ts';
import { testChannel } from '../../../test/support/test-channel.ts';
import { createProducer } from './producer.ts';
import { closeConnection, connectRedis, type RedisConnection } from './connection.ts';
import { parseEntries } from './replies.ts';
import { outboxEntry } from './outbox.ts';
import { createOutboxRelay, type ParkReason } from './outbox-relay.ts';
import { partitionOf } from '../core/partition.ts';
import { parkedStream, partitionStreamKey } from './stream-names.ts';

let server: TestRedisServer;
let redis: RedisConnection;
redisTest.beforeAll(({ redisServer, redis: connection }) => {
  server = redisServer;
  redis = connection;
});

const orders = testChannel('shop.order.v1');
const producer = () => createProducer(redis, orders, { source: 'herald/shop' });
const entries = async (key: string) => parseEntries(await redis.sendCommand(['XRANGE', key, '-', '+']));

const poll = { timeout: 10_000, interval: 25 };

describe('outbox relay', () => {
  it('publishes each entry’s wire fields unchanged to the channel it names, then removes it', async () => {
    const outbox = 'shop:outbox:raw';
    const encoded = producer().encodeEvent({ name: 'Ping', data: { subject: 's1', seq: 1, blob: new Uint8Array([0xff, 0x80, 0x00]) }, options: { id: 'chosen-id', subject: 's1' } });
    const entry = outboxEntry(orders.address, encoded);
    await redis.sendCommand(['XADD', outbox, '*', ...entry]);
    const relay = createOutboxRelay(redis, { outboxKey: outbox, channels: [orders.address], blockMs: 50 });
    await relay.start();
    await expect.poll(async () => (await entries(orders.address)).length, poll).toBe(1);
    const [published] = await entries(orders.address);
    await relay.stop();
    // Same fields, same bytes, same order, minus the channel field: nothing was decoded or re-encoded.
    const flat = [...published!.fields.entries()].flatMap(([name, value]) => [Buffer.from(name), value]);
    expect(flat).toEqual(entry.slice(2).map((value) => Buffer.from(value)));
    expect(published!.fields.get('id')!.toString()).toBe('chosen-id');
    expect(await relay.backlog()).toBe(0);
  });

  it('parks an entry for an unknown channel and one too large, counts them, and keeps publishing the rest', async () => {
    const outbox = 'shop:outbox:poison';
    const channel = testChannel('shop.order.v2');
    const make = (seq: number, size = 0) => outboxEntry(channel.address, createProducer(redis, channel, { source: 'herald/shop', maxEventBytes: 10_000_000 }).encodeEvent({ name: 'Ping', data: { subject: 'o', seq, blob: new Uint8Array(size) } }));
    await redis.sendCommand(['XADD', outbox, '*', ...make(1)]);
    await redis.sendCommand(['XADD', outbox, '*', ...make(2, 2_000_000)]); // over the 1 MiB default
    await redis.sendCommand(['XADD', outbox, '*', 'herald-channel', 'someone.elses.v1', ...make(3).slice(2)]);
    await redis.sendCommand(['XADD', outbox, '*', ...make(4)]);
    const parked: Array<[ParkReason, string]> = [];
    const relay = createOutboxRelay(redis, { outboxKey: outbox, channels: [channel.address], blockMs: 50, observer: { parked: (reason, to) => parked.push([reason, to]) } });
    await relay.start();
    await expect.poll(async () => (await relay.status()).backlog, poll).toBe(0);
    const published = await entries(channel.address);
    const status = await relay.status();
    await relay.stop();
    expect(published.map((e) => e.fields.get('data')!.length)).toHaveLength(2);
    expect(parked).toEqual([['too-large', channel.address], ['unknown-channel', 'someone.elses.v1']]);
    expect(status).toMatchObject({ parked: 2, published: 2, backlog: 0 });
    const letters = await entries(parkedStream(outbox));
    expect(letters.map((l) => l.fields.get('x-park-reason')!.toString())).toEqual(['too-large', 'unknown-channel']);
    expect(letters[0]!.fields.get('x-park-error')!.toString()).toMatch(/event is \d+ bytes; shop\.order\.v2 accepts at most 1048576/);
    // The parked entry keeps every original field, so an operator can requeue it after a fix.
    expect(letters[1]!.fields.get('herald-channel')!.toString()).toBe('someone.elses.v1');
    expect(letters[1]!.fields.get('data')).toBeDefined();
  });

  it('sends each entry of a partitioned channel to its subject’s partition stream, keeping the bytes', async () => {
    const outbox = 'shop:outbox:partitioned';
    const channel = { ...testChannel('shop.part.v1'), partitions: 4 };
    const subjects = ['order-1', 'order-2', 'order-3', 'order-4', 'order-5'];
    for (const subject of subjects) {
      const encoded = createProducer(redis, testChannel(channel.address), { source: 'herald/shop' }).encodeEvent({ name: 'Ping', data: { subject, seq: 1, blob: new Uint8Array() }, options: { subject } });
      await redis.sendCommand(['XADD', outbox, '*', ...outboxEntry(channel.address, encoded)]);
    }
    const relay = createOutboxRelay(redis, { outboxKey: outbox, channels: [channel], blockMs: 50 });
    await relay.start();
    await expect.poll(() => relay.backlog(), poll).toBe(0);
    await relay.stop();
    for (const subject of subjects) {
      const stream = partitionStreamKey(channel, partitionOf(subject, 4), 4);
      expect((await entries(stream)).map((e) => e.fields.get('subject')!.toString()), stream).toContain(subject);
    }
    expect(Number(await redis.sendCommand(['EXISTS', channel.address]))).toBe(0);
  });

  it('retries a round Redis refuses for reasons of its own (NOPERM) without parking anything', async () => {
    const outbox = 'shop:outbox:refused';
    await redis.sendCommand(['ACL', 'SETUSER', 'relay-test', 'reset', 'on', '>pw', '~shop*', '+@all', '-xadd']);
    const restricted = await connectRedis(server.url.replace('redis://', 'redis://relay-test:pw@'));
    await redis.sendCommand(['XADD', outbox, '*', ...outboxEntry('shop.order.v3', producer().encodeEvent({ name: 'Ping', data: { subject: 'x', seq: 1, blob: new Uint8Array() } }))]);
    const relay = createOutboxRelay(restricted, { outboxKey: outbox, channels: ['shop.order.v3'], blockMs: 50 });
    await relay.start();
    await expect.poll(async () => (await relay.status()).failing, poll).toMatch(/^NOPERM/);
    expect((await relay.status()).parked).toBe(0);
    // Granted again, the same entry goes out: nothing was lost or parked meanwhile.
    await redis.sendCommand(['ACL', 'SETUSER', 'relay-test', '+xadd']);
    await expect.poll(async () => (await entries('shop.order.v3')).length, poll).toBe(1);
    await relay.stop();
    await closeConnection(restricted);
    expect(await entries(parkedStream(outbox))).toEqual([]);
  });

  it('keeps an entry in the outbox while no replica confirms its publish (waitForReplicas)', async () => {
    // One node, no replica: WAIT 1 always answers 0, so the publish is never confirmed and never deleted.
    const outbox = 'shop:outbox:unreplicated';
    await redis.sendCommand(['XADD', outbox, '*', ...outboxEntry('shop.order.v5', producer().encodeEvent({ name: 'Ping', data: { subject: 'w', seq: 1, blob: new Uint8Array() } }))]);
    const relay = createOutboxRelay(redis, { outboxKey: outbox, channels: ['shop.order.v5'], blockMs: 50, waitForReplicas: { replicas: 1, timeoutMs: 20 } });
    await relay.start();
    await expect.poll(async () => (await relay.status()).failing, poll).toMatch(/reached 0 of 1 replica/);
    expect((await entries('shop.order.v5')).length).toBeGreaterThan(0);
    expect(await relay.backlog()).toBe(1);
    await relay.stop();
    expect(await entries(parkedStream(outbox))).toEqual([]);
  });

  it('parks an entry Redis itself refuses (ERR) and publishes its neighbours', async () => {
    const outbox = 'shop:outbox:malformed';
    const good = (seq: number) => outboxEntry('shop.order.v4', producer().encodeEvent({ name: 'Ping', data: { subject: 'm', seq, blob: new Uint8Array() } }));
    await redis.sendCommand(['XADD', outbox, '*', ...good(1)]);
    // An entry whose only field is the channel: XADD with no field-value pair is a syntax error.
    await redis.sendCommand(['XADD', outbox, '*', 'herald-channel', 'shop.order.v4']);
    await redis.sendCommand(['XADD', outbox, '*', ...good(3)]);
    const relay = createOutboxRelay(redis, { outboxKey: outbox, channels: ['shop.order.v4'], blockMs: 50 });
    await relay.start();
    await expect.poll(async () => (await relay.status()).backlog, poll).toBe(0);
    const status = await relay.status();
    await relay.stop();
    expect(status).toMatchObject({ published: 2, parked: 1 });
    expect((await entries('shop.order.v4')).map((e) => e.fields.get('sequence'))).toHaveLength(2);
    expect((await entries(parkedStream(outbox)))[0]!.fields.get('x-park-reason')!.toString()).toBe('refused');
  });
});
