// readWireEvent (the consumer's and replay's fast reader) must accept, refuse and build exactly what
// fieldsToEncodedEvent (the reference reader) does, for the same flat field list as Redis returns it.
import { describe, expect, test } from 'vitest';
import { testChannel } from '../../../test/support/test-channel.ts';
import { buildEnvelope, encodedEventToFields, fieldsToEncodedEvent, readWireEvent, readWireFields, receivedWireEvent, wireSubject } from './envelope.ts';
import type { WireValue } from './types.ts';

const ping = testChannel('t').messages.Ping;
const asReply = (fields: WireValue[]) => fields.map((f) => (typeof f === 'string' ? Buffer.from(f) : f));
const base = () => encodedEventToFields({
  envelope: buildEnvelope(ping, 'herald/tést', { subject: 'agg-ü', sequence: 3, correlationId: 'c' }),
  data: Buffer.from([0x08, 0x01]),
});
const replace = (fields: WireValue[], name: string, value: WireValue | undefined): WireValue[] => {
  const out: WireValue[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] !== name) out.push(fields[i]!, fields[i + 1]!);
    else if (value !== undefined) out.push(name, value);
  }
  return out;
};

function outcome(read: () => { envelope: unknown; data: Buffer }): unknown {
  try {
    const { envelope, data } = read();
    return { envelope, data: [...data] };
  } catch (error) {
    return { error: (error as Error).message, details: (error as { details?: unknown }).details };
  }
}

describe('readWireEvent', () => {
  const cases: Array<[string, WireValue[]]> = [
    ['a valid event with optional attributes and non-ASCII values', base()],
    ['a missing id', replace(base(), 'id', undefined)],
    ['an empty source', replace(base(), 'source', '')],
    ['specversion 2.0', replace(base(), 'specversion', '2.0')],
    ['a JSON datacontenttype', replace(base(), 'datacontenttype', 'application/json')],
    ['a foreign dataschema', replace(base(), 'dataschema', 'https://example.com/ping.json')],
    ['a dataschema of another type', replace(base(), 'dataschema', 'herald:herald.test.v1.Pong#sha256-fedcba9876543210')],
    ['another fingerprint of the same type', replace(base(), 'dataschema', 'herald:herald.test.v1.Ping#sha256-aaaaaaaaaaaaaaaa')],
    ['no data', replace(base(), 'data', undefined)],
    ['an unknown extra field', [...base(), 'x-extra', 'y']],
  ];
  test.each(cases)('reads %s as fieldsToEncodedEvent does', (_, fields) => {
    const flat = asReply(fields);
    const reference = outcome(() => fieldsToEncodedEvent(flat));
    const fast = outcome(() => {
      const wire = readWireEvent(flat);
      return { envelope: wire.envelope(), data: wire.data };
    });
    expect(fast).toEqual(reference);
    // Twice: the second read goes through the remembered values.
    expect(outcome(() => { const wire = readWireEvent(flat); return { envelope: wire.envelope(), data: wire.data }; })).toEqual(reference);
  });

  test('measures the size of every field and finds the subject', () => {
    const flat = asReply(base());
    const fields = readWireFields(flat);
    expect(fields.size).toBe(flat.reduce((sum, f) => sum + (f as Buffer).length, 0));
    expect(wireSubject(fields)).toBe('agg-ü');
  });

  test('a received event keeps its envelope through a spread and JSON', () => {
    const flat = asReply(base());
    const event = receivedWireEvent(readWireEvent(flat), { seq: 1 }, 'Ping', 't', '1-0', 1);
    const copy = { ...event };
    expect(copy.envelope).toEqual(fieldsToEncodedEvent(flat).envelope);
    expect(JSON.parse(JSON.stringify(event)).envelope.subject).toBe('agg-ü');
  });
});
