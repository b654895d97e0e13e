// The envelope's clock: the id's UUIDv7 timestamp and `time` come from one reading, within a
// millisecond and across millisecond boundaries (the formatted clock is cached per millisecond).
import { describe, expect, test } from 'vitest';
import { buildEnvelope, uuidv7 } from './envelope.ts';
import type { MessageDefinition } from './types.ts';

const definition = { name: 'Ping', type: 'herald.test.v1.Ping', dataschema: 'herald:herald.test.v1.Ping#sha256-0123456789abcdef' } as MessageDefinition;
const idMillis = (id: string) => parseInt(id.replaceAll('-', '').slice(0, 12), 16);

describe('envelope clock', () => {
  test('every envelope carries an id whose timestamp is its time', () => {
    const deadline = Date.now() + 30;
    let envelopes = 0;
    while (Date.now() < deadline) {
      const envelope = buildEnvelope(definition, 'herald/test');
      expect(idMillis(envelope.id)).toBe(Date.parse(envelope.time));
      envelopes++;
    }
    expect(envelopes).toBeGreaterThan(10);
  });

  test('ids of different milliseconds carry their own timestamp, and a given time wins over the clock', () => {
    expect(idMillis(uuidv7(1_700_000_000_000))).toBe(1_700_000_000_000);
    expect(idMillis(uuidv7(1_700_000_000_001))).toBe(1_700_000_000_001);
    expect(idMillis(uuidv7(1_700_000_000_000))).toBe(1_700_000_000_000);
    const time = new Date('2020-01-02T03:04:05.006Z');
    expect(buildEnvelope(definition, 'herald/test', { time }).time).toBe('2020-01-02T03:04:05.006Z');
    expect(new Set(Array.from({ length: 1000 }, () => uuidv7(1_700_000_000_000))).size).toBe(1000);
  });
});
