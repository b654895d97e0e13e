// The wire format: a CloudEvents 1.0 envelope in binary content mode, one attribute per Redis stream
// field, and `data` holding the protobuf bytes. This file is the single definition of that format.
import { randomUUID } from 'node:crypto';
import { DeadLetterError } from './errors.ts';
import type { RedisValue } from './redis.ts';
import type { Envelope, MessageDefinition, PublishOptions } from './types.ts';

/** An event ready for the wire: its envelope and the encoded payload. */
export interface EncodedEvent {
  envelope: Envelope;
  data: Buffer;
}

/** Optional envelope attributes, in wire order. Required ones always precede them. */
const optionalAttributes = ['subject', 'sequence', 'traceparent', 'correlationid', 'causationid'] as const;
const requiredAttributes = ['specversion', 'id', 'source', 'type', 'time', 'datacontenttype', 'dataschema'] as const;
const envelopeAttributes: readonly string[] = [...requiredAttributes, ...optionalAttributes];
const DATACONTENTTYPE = 'application/protobuf';
const DATASCHEMA = /^herald:([A-Za-z_][\w.]*)#sha256-[0-9a-f]{16}$/;

// Formatting the clock (toISOString, hex) cost more than the rest of an envelope; the events of a
// batch share their millisecond, so the formatted forms are kept for the last millisecond seen.
let clockMs = -1;
let clockIso = '';
let clockUuidPrefix = '';
function formatClock(now: number): void {
  if (now === clockMs) return;
  const hex = now.toString(16).padStart(12, '0');
  clockMs = now;
  clockIso = new Date(now).toISOString();
  clockUuidPrefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7`;
}

/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits; ids sort by creation time.
 * The random bits come from randomUUID(), which draws from a cached entropy pool: a randomBytes()
 * call per id cost more than the rest of encoding an event. Its variant bits are already RFC 9562's.
 */
export function uuidv7(now: number = Date.now()): string {
  formatClock(now);
  return `${clockUuidPrefix}${randomUUID().slice(15)}`;
}

/** Builds the envelope of one outgoing event. */
export function buildEnvelope(definition: MessageDefinition<any>, source: string, options: PublishOptions = {}): Envelope {
  // One clock reading for both: the id's timestamp is the event's `time`.
  const now = Date.now();
  formatClock(now);
  const envelope: Envelope = {
    specversion: '1.0',
    id: options.id ?? uuidv7(now),
    source,
    type: definition.type,
    time: options.time ? options.time.toISOString() : clockIso,
    datacontenttype: DATACONTENTTYPE,
    dataschema: definition.dataschema,
  };
  if (options.subject !== undefined) envelope.subject = options.subject;
  if (options.sequence !== undefined) envelope.sequence = String(options.sequence);
  if (options.traceparent !== undefined) envelope.traceparent = options.traceparent;
  if (options.correlationId !== undefined) envelope.correlationid = options.correlationId;
  if (options.causationId !== undefined) envelope.causationid = options.causationId;
  return envelope;
}

/** Flat XADD field list: required attributes, the optional ones present, then `data`. */
export function encodedEventToFields(event: EncodedEvent): RedisValue[] {
  const fields: RedisValue[] = [];
  for (const name of requiredAttributes) fields.push(name, event.envelope[name]);
  for (const name of optionalAttributes) {
    const value = event.envelope[name];
    if (value !== undefined) fields.push(name, value);
  }
  fields.push('data', event.data);
  return fields;
}

/** Field map of a stream entry, from node-redis's flat reply or an object. */
export function toFieldMap(fields: ReadonlyArray<RedisValue> | Record<string, RedisValue>): Map<string, RedisValue> {
  const map = new Map<string, RedisValue>();
  if (Array.isArray(fields)) {
    for (let i = 0; i + 1 < fields.length; i += 2) map.set(String(fields[i]), fields[i + 1]!);
  } else {
    for (const [key, value] of Object.entries(fields)) map.set(key, value);
  }
  return map;
}

/**
 * Reads and validates the envelope of a stream entry. Throws DeadLetterError('invalid-envelope') when
 * a required attribute is missing, and 'unknown-schema' when `dataschema` is not a Herald schema of `type`.
 */
export function fieldsToEncodedEvent(fields: ReadonlyArray<RedisValue> | Record<string, RedisValue> | Map<string, RedisValue>): EncodedEvent {
  const map = fields instanceof Map ? fields : toFieldMap(fields);
  // One pass, each attribute decoded once, in wire order: UTF-8 decoding of the field values is the
  // consumer's hottest step (it used to decode most attributes three times).
  const attributes: Record<string, string> = {};
  for (const name of envelopeAttributes) {
    const value = map.get(name);
    if (value !== undefined) attributes[name] = typeof value === 'string' ? value : value.toString('utf8');
  }
  if (requiredAttributes.some((name) => !attributes[name])) {
    const missing = requiredAttributes.filter((name) => !attributes[name]);
    throw new DeadLetterError('invalid-envelope', `envelope is missing ${missing.join(', ')}`, { missing });
  }
  if (attributes['specversion'] !== '1.0') {
    throw new DeadLetterError('invalid-envelope', `unsupported specversion "${attributes['specversion']}"`);
  }
  if (attributes['datacontenttype'] !== DATACONTENTTYPE) {
    throw new DeadLetterError('invalid-envelope', `datacontenttype must be ${DATACONTENTTYPE}, got "${attributes['datacontenttype']}"`);
  }
  const type = attributes['type']!;
  const dataschema = attributes['dataschema']!;
  const schemaType = DATASCHEMA.exec(dataschema)?.[1];
  if (schemaType !== type) {
    throw new DeadLetterError('unknown-schema', `dataschema "${dataschema}" is not a Herald schema of ${type}`, { dataschema, type });
  }
  const data = map.get('data');
  if (data === undefined) throw new DeadLetterError('invalid-envelope', 'entry has no data field');
  // Only envelope attributes were copied, required ones validated: this is exactly an Envelope.
  const envelope = attributes as unknown as Envelope;
  return { envelope, data: Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1') };
}
