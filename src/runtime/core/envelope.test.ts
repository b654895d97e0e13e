import { describe, expect, test } from 'vitest';
import { buildEnvelope, encodedEventToFields, fieldsToEncodedEvent, readWireEvent, uuidv7 } from './envelope.ts';
import { isDeadLetterError, type DeadLetterError } from './errors.ts';
import { testChannel } from '../../../test/support/test-channel.ts';

const ping = testChannel('t').messages.Ping;

describe('envelope', () => {
  test('uuidv7 ids are RFC 9562 version 7 and sort by creation time', () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
    expect(Number.parseInt(a.replaceAll('-', '').slice(0, 12), 16)).toBe(1_700_000_000_000);
  });

  test('round-trips every attribute and the bytes through stream fields', () => {
    const envelope = buildEnvelope(ping, 'herald/test', {
      subject: 'agg-1', sequence: 7, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'congo=t61rcWkgMzE',
      correlationId: 'corr', causationId: 'cause', time: new Date('2026-01-02T03:04:05.678Z'),
    });
    const data = Buffer.from([0xff, 0x80, 0x00, 0x01]);
    const fields = encodedEventToFields({ envelope, data });
    expect(fields.filter((_, i) => i % 2 === 0)).toEqual([
      'specversion', 'id', 'source', 'type', 'time', 'datacontenttype', 'dataschema',
      'subject', 'sequence', 'traceparent', 'tracestate', 'correlationid', 'causationid', 'data',
    ]);
    const back = fieldsToEncodedEvent(fields.map((f) => (typeof f === 'string' ? Buffer.from(f) : f)));
    expect(back.envelope).toEqual(envelope);
    expect(back.envelope.tracestate).toBe('congo=t61rcWkgMzE');
    expect(readWireEvent(fields.map((f) => (typeof f === 'string' ? Buffer.from(f) : f))).envelope()).toEqual(envelope);
    expect(back.envelope.sequence).toBe('7');
    expect(back.data.equals(data)).toBe(true);
  });

  test.each([
    ['a missing type', (f: Record<string, string>) => delete f['type'], 'invalid-envelope', /missing type/],
    ['a foreign dataschema', (f: Record<string, string>) => (f['dataschema'] = 'https://example.com/avro/ping'), 'unknown-schema', /not a Herald schema/],
    ['a dataschema of another type', (f: Record<string, string>) => (f['dataschema'] = 'herald:herald.test.v1.Pong#sha256-fedcba9876543210'), 'unknown-schema', /herald.test.v1.Ping/],
    ['a JSON content type', (f: Record<string, string>) => (f['datacontenttype'] = 'application/json'), 'invalid-envelope', /datacontenttype/],
  ])('rejects %s with a dead-letter reason', (_name, mutate, reason, message) => {
    const envelope = buildEnvelope(ping, 'herald/test');
    const fields: Record<string, string> = { ...(envelope as unknown as Record<string, string>), data: '' };
    mutate(fields);
    let caught: unknown;
    try {
      fieldsToEncodedEvent(fields);
    } catch (error) {
      caught = error;
    }
    expect(isDeadLetterError(caught)).toBe(true);
    expect((caught as DeadLetterError).reason).toBe(reason);
    expect((caught as Error).message).toMatch(message);
  });
});
