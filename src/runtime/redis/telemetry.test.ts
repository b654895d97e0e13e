// Spans of the runtime under a registered OpenTelemetry SDK (in-memory exporter) against a real
// redis-server: producer spans, the envelope's trace context, and consumer spans joined to them.
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import { redisTest } from '../../../test/support/redis-fixture.ts';
import { testChannel } from '../../../test/support/test-channel.ts';
import { createConsumer } from './consumer.ts';
import { DeadLetterError } from '../core/errors.ts';
import { createProducer } from './producer.ts';
import type { RedisConnection } from './connection.ts';
import { parseEntries } from './replies.ts';
import { consumerTracing, contextFromTraceHeaders, inSpan, parseTraceContext } from '../core/telemetry.ts';
import type { ReceivedEvent } from '../core/types.ts';

const exporter = new InMemorySpanExporter();
let redis: RedisConnection;
let streamNo = 0;
const fresh = () => testChannel(`telemetry.stream.${++streamNo}`);
const fast = { blockMs: 50, retryBackoffMs: 5, retryAttempts: 0, claimIntervalMs: 50, minIdleMs: 200, maxDeliveries: 1 };

redisTest.beforeAll(({ redis: connection }) => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
  redis = connection;
});
afterAll(async () => {
  trace.disable();
  context.disable();
  propagation.disable();
});
beforeEach(() => exporter.reset());

const spans = () => exporter.getFinishedSpans();
const spanNamed = (name: string): ReadableSpan => {
  const found = spans().find((span) => span.name === name);
  if (!found) throw new Error(`no span "${name}" among ${spans().map((s) => s.name).join(', ')}`);
  return found;
};
async function entries(address: string) {
  return parseEntries(await redis.sendCommand(['XRANGE', address, '-', '+']));
}
async function until<T>(probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  let value: T | undefined;
  await expect.poll(async () => (value = await probe()), { timeout: 10_000, interval: 20, message: 'condition not reached' }).toBeDefined();
  return value!;
}

describe('runtime spans (messaging semantic conventions)', () => {
  test('publish is a PRODUCER send span whose context is the envelope traceparent, tracestate kept', async () => {
    const channel = fresh();
    const producer = createProducer(redis, channel, { source: 'herald/test' });
    const caller = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await producer.publish('Ping', { subject: 'a', seq: 1, blob: new Uint8Array() }, { subject: 'a', traceparent: caller, tracestate: 'vendor=abc' });
    const send = spanNamed(`send ${channel.address}`);
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(send.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    const [entry] = await entries(channel.address);
    expect(String(entry!.fields.get('traceparent'))).toBe(`00-${send.spanContext().traceId}-${send.spanContext().spanId}-01`);
    expect(String(entry!.fields.get('tracestate'))).toBe('vendor=abc');
    expect(send.attributes).toMatchObject({
      'messaging.system': 'redis', 'messaging.operation.type': 'send', 'messaging.destination.name': channel.address,
      'messaging.message.id': String(entry!.fields.get('id')), 'cloudevents.event_id': String(entry!.fields.get('id')),
      'cloudevents.event_type': 'herald.test.v1.Ping', 'cloudevents.event_subject': 'a',
    });
  });

  test('an outbox event is created under a create span and relayed under a send span of the same trace', async () => {
    const channel = fresh();
    const producer = createProducer(redis, channel, { source: 'herald/test' });
    const encoded = await inSpan('command', {}, async () => producer.encode('Ping', { subject: 'b', seq: 1, blob: new Uint8Array() }, { subject: 'b' }));
    const command = spanNamed('command');
    const create = spanNamed(`create ${channel.address}`);
    expect(create.parentSpanContext?.spanId).toBe(command.spanContext().spanId);
    expect(create.attributes['messaging.operation.type']).toBe('create');
    expect(encoded.envelope.traceparent).toBe(`00-${create.spanContext().traceId}-${create.spanContext().spanId}-01`);

    // The relay runs in no trace of its own; its send span continues the event's.
    await context.with(contextFromTraceHeaders(undefined), () => producer.publishEncoded([encoded]));
    const send = spanNamed(`send ${channel.address}`);
    expect(send.spanContext().traceId).toBe(command.spanContext().traceId);
    expect(send.parentSpanContext?.spanId).toBe(create.spanContext().spanId);
    const [entry] = await entries(channel.address);
    expect(String(entry!.fields.get('traceparent'))).toBe(encoded.envelope.traceparent); // the bytes committed go out unchanged
  });

  test('a CONSUMER process span is the child of the producer span and parents what the handler does', async () => {
    const channel = fresh();
    const producer = createProducer(redis, channel, { source: 'herald/test' });
    const handled: ReceivedEvent<unknown>[] = [];
    const consumer = createConsumer(redis, channel, {
      group: 'g1', consumer: 'c1', config: fast,
      middleware: [consumerTracing({ group: 'g1', consumer: 'c1' })],
      handlers: {
        Ping: (event) => inSpan('apply', {}, async () => void handled.push(event)),
        Pong: () => {},
      },
    });
    const caller = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await producer.publish('Ping', { subject: 'c', seq: 1, blob: new Uint8Array() }, { subject: 'c', traceparent: caller, tracestate: 'vendor=abc' });
    await consumer.start();
    try {
      await until(() => (handled.length > 0 && spans().some((s) => s.name === `process ${channel.address}`) ? true : undefined));
    } finally {
      await consumer.stop();
    }
    const send = spanNamed(`send ${channel.address}`);
    const process = spanNamed(`process ${channel.address}`);
    const apply = spanNamed('apply');
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(process.spanContext().traceId).toBe(send.spanContext().traceId);
    expect(process.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(apply.parentSpanContext?.spanId).toBe(process.spanContext().spanId);
    // tracestate travelled in the envelope: the consumer's span carries the producer's vendor state.
    expect(process.spanContext().traceState?.get('vendor')).toBe('abc');
    expect(process.attributes).toMatchObject({
      'messaging.system': 'redis', 'messaging.operation.type': 'process', 'messaging.destination.name': channel.address,
      'messaging.consumer.group.name': 'g1', 'messaging.client.id': 'c1',
      'messaging.message.id': handled[0]!.envelope.id, 'cloudevents.event_type': 'herald.test.v1.Ping',
    });
  });

  test('a rejected event ends its process span with an error status', async () => {
    const channel = fresh();
    const producer = createProducer(redis, channel, { source: 'herald/test' });
    const consumer = createConsumer(redis, channel, {
      group: 'g2', consumer: 'c2', config: fast,
      middleware: [consumerTracing({ group: 'g2', consumer: 'c2' })],
      handlers: { Ping: () => { throw new DeadLetterError('rejected', 'price must be positive'); }, Pong: () => {} },
    });
    await producer.publish('Ping', { subject: 'd', seq: 1, blob: new Uint8Array() }, { subject: 'd' });
    await consumer.start();
    try {
      await until(() => spans().find((s) => s.name === `process ${channel.address}`));
    } finally {
      await consumer.stop();
    }
    const process = spanNamed(`process ${channel.address}`);
    expect(process.status.code).toBe(SpanStatusCode.ERROR);
    expect(process.status.message).toContain('price must be positive');
    expect(process.events.some((e) => e.name === 'exception')).toBe(true);
  });

  test('reads W3C traceparent strictly', () => {
    expect(parseTraceContext('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'a=1')?.traceState?.get('a')).toBe('1');
    expect(parseTraceContext('00-00000000000000000000000000000000-b7ad6b7169203331-01')).toBeUndefined();
    expect(parseTraceContext('ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toBeUndefined();
    expect(parseTraceContext('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra')).toBeUndefined();
    expect(parseTraceContext('01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra')?.spanId).toBe('b7ad6b7169203331');
  });
});
