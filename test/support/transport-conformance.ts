// One conformance suite that every transport passes (Watermill's TestPubSub): publish/subscribe with
// the envelope intact, consumer groups (shared work, fan-out), ack, redelivery of what was not acked,
// takeover from a crashed consumer, dead letters, order per subject and early events held. A transport
// states its features; a test of a feature the transport does not claim is not registered at all, and
// the suite's name lists the features, so nothing is skipped silently.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { testChannel, type Ping } from './test-channel.ts';
import { DeadLetterError, NotReadyError } from '../../src/runtime/core/errors.ts';
import type { Consumer, ConsumerOptions, Producer } from '../../src/runtime/core/transport.ts';
import type { ChannelDefinition, ReceivedEvent, WireValue } from '../../src/runtime/core/types.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TransportFeatures {
  /** Entries survive a restart of the transport's server. */
  persistent: boolean;
  /** Entries delivered to a consumer that died are taken over by another after minIdleMs. */
  takeover: boolean;
}

/** A transport as the suite drives it: its two faces plus what a test needs to arrange and observe. */
export interface TransportHarness {
  createProducer<C extends ChannelDefinition>(channel: C): Producer<C>;
  createConsumer<C extends ChannelDefinition>(channel: C, options: ConsumerOptions<C>): Consumer<C>;
  /** Appends raw fields to a channel's stream, as a foreign producer might. */
  appendRaw(stream: string, flat: WireValue[]): Promise<void>;
  /** The dead-letter stream of `stream`: each letter's reason and the id of the entry it names. */
  deadLetters(stream: string): Promise<Array<{ reason: string; streamId: string }>>;
  /** Delivers up to `count` new entries to `consumer` of `group` and never handles them: a crash. */
  abandon(stream: string, group: string, consumer: string, count: number): Promise<void>;
  /** Restarts the server, keeping what it persisted (only for persistent transports). */
  restart?(): Promise<void>;
}

export interface TransportUnderTest {
  name: string;
  features: TransportFeatures;
  open(): Promise<TransportHarness>;
  close?(): Promise<void>;
}

/** Knobs short enough for tests: redelivery and takeover within a fraction of a second. */
export const conformanceConfig = { blockMs: 20, claimIntervalMs: 50, minIdleMs: 150, maxDeliveries: 3, retryAttempts: 0, retryBackoffMs: 1, notReadyAttempts: 1, notReadyBackoffMs: 1 };

export function transportConformance(probe: TransportUnderTest): void {
  const claimed = Object.entries(probe.features).filter(([, on]) => on).map(([name]) => name);
  let streams = 0;
  const fresh = () => testChannel(`conformance.${probe.name}.${++streams}`);
  const ping = (subject: string, seq: number) => ({ name: 'Ping' as const, data: { subject, seq, blob: Uint8Array.of(seq & 0xff, 0xff, 0x80) }, options: { subject } });

  describe(`${probe.name} transport conformance (features: ${claimed.join(', ') || 'none'})`, () => {
    let transport!: TransportHarness;
    beforeAll(async () => {
      transport = await probe.open();
    });
    afterAll(async () => {
      await probe.close?.();
    });
    /** Starts a consumer that records what it handled; stopped by the returned function. */
    const collect = async (channel: ChannelDefinition, group: string, consumer: string, onPing: (event: ReceivedEvent<Ping>) => unknown = () => {}) => {
      const seen: Array<ReceivedEvent<Ping>> = [];
      const instance = transport.createConsumer(channel as ReturnType<typeof fresh>, {
        group, consumer, config: conformanceConfig,
        handlers: { Ping: async (event) => { await onPing(event); seen.push(event); }, Pong: () => {} },
      });
      await instance.start();
      return { seen, instance };
    };

    test('delivers every published event once, with its envelope and exact bytes', async () => {
      const channel = fresh();
      const producer = transport.createProducer(channel);
      const ids = await producer.publishBatch([ping('a', 1), ping('b', 2), ping('a', 3)]);
      const { seen, instance } = await collect(channel, 'g', 'c1');
      await expect.poll(() => seen.length).toBe(3);
      await instance.stop();
      expect(seen.map((e) => e.streamId)).toEqual(ids);
      expect(seen.map((e) => [e.envelope.subject, e.data.seq, [...e.data.blob]])).toEqual([['a', 1, [1, 255, 128]], ['b', 2, [2, 255, 128]], ['a', 3, [3, 255, 128]]]);
      expect(seen.every((e) => e.envelope.type === 'herald.test.v1.Ping' && e.envelope.source === 'herald/test' && e.deliveryCount === 1)).toBe(true);
    });

    test('consumers of one group share the work: each event is handled by exactly one of them', async () => {
      const channel = fresh();
      const producer = transport.createProducer(channel);
      const first = await collect(channel, 'g', 'c1');
      const second = await collect(channel, 'g', 'c2');
      await producer.publishBatch(Array.from({ length: 60 }, (_, i) => ping(`s${i % 12}`, i)));
      await expect.poll(() => first.seen.length + second.seen.length).toBe(60);
      await Promise.all([first.instance.stop(), second.instance.stop()]);
      expect([...first.seen, ...second.seen].map((e) => e.data.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    });

    test('each group receives every event (fan-out)', async () => {
      const channel = fresh();
      await transport.createProducer(channel).publishBatch([ping('a', 1), ping('a', 2)]);
      const sales = await collect(channel, 'sales', 'c');
      const reporting = await collect(channel, 'reporting', 'c');
      await expect.poll(() => [sales.seen.length, reporting.seen.length]).toEqual([2, 2]);
      await Promise.all([sales.instance.stop(), reporting.instance.stop()]);
    });

    test('an acked event is not delivered again after the consumer restarts', async () => {
      const channel = fresh();
      const producer = transport.createProducer(channel);
      await producer.publishBatch([ping('a', 1)]);
      const before = await collect(channel, 'g', 'c1');
      await expect.poll(() => before.seen.length).toBe(1);
      await before.instance.stop();
      await producer.publishBatch([ping('a', 2)]);
      const after = await collect(channel, 'g', 'c1');
      await expect.poll(() => after.seen.map((e) => e.data.seq)).toEqual([2]);
      await after.instance.stop();
      expect((await after.instance.stats()).pending).toBe(0);
    });

    test('an event whose handler failed is delivered again, with a higher delivery count', async () => {
      const channel = fresh();
      await transport.createProducer(channel).publishBatch([ping('a', 1)]);
      let failures = 0;
      const { seen, instance } = await collect(channel, 'g', 'c1', () => {
        if (failures++ === 0) throw new Error('transient');
      });
      await expect.poll(() => seen.length).toBe(1);
      await instance.stop();
      expect(seen[0]!.deliveryCount).toBeGreaterThan(1);
      expect(await instance.stats()).toMatchObject({ failed: 1, handled: 1, pending: 0 });
    });

    test('events of one subject are handled in publish order, whatever the handler timing', async () => {
      const channel = fresh();
      await transport.createProducer(channel).publishBatch(Array.from({ length: 80 }, (_, i) => ping(`s${i % 4}`, i)));
      const { seen, instance } = await collect(channel, 'g', 'c1', async (event) => {
        await sleep((event.data.seq * 7) % 5);
      });
      await expect.poll(() => seen.length).toBe(80);
      await instance.stop();
      for (const subject of ['s0', 's1', 's2', 's3']) {
        const order = seen.filter((e) => e.data.subject === subject).map((e) => e.data.seq);
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
    });

    test('dead letters: a verdict at once, a failing handler after maxDeliveries, bad bytes undecoded', async () => {
      const channel = fresh();
      const producer = transport.createProducer(channel);
      await producer.publishBatch([ping('rejected', 1), ping('failing', 2), ping('fine', 3)]);
      const good = await producer.encode('Ping', { subject: 'junk', seq: 4, blob: new Uint8Array() }, { subject: 'junk' });
      const flat: WireValue[] = [];
      for (const [name, value] of Object.entries(good.envelope)) flat.push(name, value as string);
      flat.push('data', Buffer.from([0xff, 0xff, 0xff]));
      await transport.appendRaw(channel.address, flat);
      const { seen, instance } = await collect(channel, 'g', 'c1', (event) => {
        if (event.data.subject === 'rejected') throw new DeadLetterError('rejected', 'refused by the handler');
        if (event.data.subject === 'failing') throw new Error('always fails');
      });
      await expect.poll(async () => (await transport.deadLetters(channel.address)).map((l) => l.reason).sort(), { timeout: 15_000 }).toEqual(['max-deliveries', 'rejected', 'undecodable']);
      await instance.stop();
      expect(seen.map((e) => e.data.subject)).toEqual(['fine']);
      expect(await instance.stats()).toMatchObject({ deadLettered: 3, pending: 0 });
    });

    test('an early event is held, not dead-lettered, and applied once its predecessor arrives', async () => {
      const channel = fresh();
      const producer = transport.createProducer(channel);
      await producer.publishBatch([ping('a', 2)]);
      let applied = 0;
      const { seen, instance } = await collect(channel, 'g', 'c1', (event) => {
        if (event.data.seq !== applied + 1) throw new NotReadyError(`v${event.data.seq} before v${applied + 1}`);
        applied = event.data.seq;
      });
      await expect.poll(async () => (await instance.stats()).held).toBe(1);
      await producer.publishBatch([ping('a', 1)]);
      await expect.poll(() => seen.map((e) => e.data.seq)).toEqual([1, 2]);
      await instance.stop();
      expect(await transport.deadLetters(channel.address)).toEqual([]);
      expect(await instance.stats()).toMatchObject({ held: 0, pending: 0 });
    });

    if (probe.features.takeover) {
      test('entries a crashed consumer left pending are taken over by a live one', async () => {
        const channel = fresh();
        await transport.createProducer(channel).publishBatch([ping('a', 1), ping('b', 2)]);
        await transport.abandon(channel.address, 'g', 'crashed', 2);
        const { seen, instance } = await collect(channel, 'g', 'survivor');
        await expect.poll(() => seen.map((e) => e.data.seq).sort()).toEqual([1, 2]);
        await instance.stop();
        expect(seen.every((e) => e.deliveryCount >= 2)).toBe(true);
        expect((await instance.stats()).reclaimed).toBeGreaterThanOrEqual(2);
      });
    }

    if (probe.features.persistent) {
      test('published events survive a restart of the server and are then delivered', async () => {
        const channel = fresh();
        await transport.createProducer(channel).publishBatch([ping('a', 1), ping('a', 2)]);
        await transport.restart!();
        const { seen, instance } = await collect(channel, 'g', 'c1');
        await expect.poll(() => seen.map((e) => e.data.seq)).toEqual([1, 2]);
        await instance.stop();
      });
    }
  });
}
