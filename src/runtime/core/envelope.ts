// The wire format: a CloudEvents 1.0 envelope in binary content mode, one attribute per Redis stream
// field, and `data` holding the protobuf bytes. This file is the single definition of that format.
import { randomUUID } from 'node:crypto';
import { DeadLetterError } from './errors.ts';
import type { Envelope, MessageDefinition, PublishOptions, ReceivedEvent, WireValue } from './types.ts';

/** An event ready for the wire: its envelope and the encoded payload. */
export interface EncodedEvent {
  envelope: Envelope;
  data: Buffer;
}

/** Optional envelope attributes, in wire order. Required ones always precede them. */
export const optionalAttributes = ['subject', 'sequence', 'traceparent', 'tracestate', 'correlationid', 'causationid'] as const;
export const requiredAttributes = ['specversion', 'id', 'source', 'type', 'time', 'datacontenttype', 'dataschema'] as const;
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
  if (options.tracestate !== undefined && options.traceparent !== undefined) envelope.tracestate = options.tracestate;
  if (options.correlationId !== undefined) envelope.correlationid = options.correlationId;
  if (options.causationId !== undefined) envelope.causationid = options.causationId;
  return envelope;
}

/**
 * Encodes one event exactly as a producer does (envelope, then protobuf bytes): the one encoding path,
 * shared by every transport's producer (and so the outbox) and the Pact gate, which verifies what this returns.
 */
export function encodeMessage(definition: MessageDefinition<any>, source: string, data: unknown, options?: PublishOptions): EncodedEvent {
  const envelope = buildEnvelope(definition, source, options);
  const bytes = definition.codec.encode(data).finish();
  // protobufjs's writer already returns a fresh Buffer under Node: no copy then.
  return { envelope, data: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/** Flat XADD field list: required attributes, the optional ones present, then `data`; appended to `fields` when given. */
export function encodedEventToFields(event: EncodedEvent, fields: WireValue[] = []): WireValue[] {
  for (const name of requiredAttributes) fields.push(name, event.envelope[name]);
  for (const name of optionalAttributes) {
    const value = event.envelope[name];
    if (value !== undefined) fields.push(name, value);
  }
  fields.push('data', event.data);
  return fields;
}

/** Field map of a stream entry, from node-redis's flat reply or an object. */
export function toFieldMap(fields: ReadonlyArray<WireValue> | Record<string, WireValue>): Map<string, WireValue> {
  const map = new Map<string, WireValue>();
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
export function fieldsToEncodedEvent(fields: ReadonlyArray<WireValue> | Record<string, WireValue> | Map<string, WireValue>): EncodedEvent {
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

// ---- Reading straight from a reply's flat field list (the consumer's and replay's hot path) ----
// Decoding a short Buffer to a string costs ~170 ns, comparing its bytes ~20 ns: names are matched as
// bytes, the few values that repeat (type, dataschema, source) are decoded once and remembered, and the
// per-event attributes are decoded once, into a fixed-shape object (envelope()).

const wireNames = [...envelopeAttributes, 'data'];
const wireNameBytes = wireNames.map((name) => Buffer.from(name));
/** Slot of each wire field in a WireFields' values. */
export const wireSlot = Object.fromEntries(wireNames.map((name, i) => [name, i])) as Record<(typeof wireNames)[number], number>;
const SPECVERSION_BYTES = Buffer.from('1.0');
const [ID, SOURCE, TIME, SUBJECT, SEQUENCE, TRACEPARENT, TRACESTATE, CORRELATIONID, CAUSATIONID] = ['id', 'source', 'time', 'subject', 'sequence', 'traceparent', 'tracestate', 'correlationid', 'causationid'].map((name) => wireNames.indexOf(name)) as [number, number, number, number, number, number, number, number, number];
const DATACONTENTTYPE_BYTES = Buffer.from(DATACONTENTTYPE);

function sameBytes(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

// Candidate slots by name length: most names are told apart by their length alone.
const slotsByLength: number[][] = [];
wireNameBytes.forEach((bytes, slot) => (slotsByLength[bytes.length] ??= []).push(slot));
const requiredSlots = requiredAttributes.map((name) => wireNames.indexOf(name));

function slotOf(name: WireValue): number {
  if (typeof name === 'string') return wireNames.indexOf(name);
  const candidates = slotsByLength[name.length];
  if (candidates) for (const slot of candidates) if (sameBytes(name, wireNameBytes[slot]!)) return slot;
  return -1;
}

/** Decoded strings of recently seen values, matched by bytes; few distinct values, so a short list. */
const remembered: Array<[Buffer, string]> = [];
function rememberedText(value: WireValue): string {
  if (typeof value === 'string') return value;
  for (const [bytes, text] of remembered) if (sameBytes(value, bytes)) return text;
  const text = value.toString('utf8');
  if (remembered.length >= 32) remembered.shift();
  remembered.push([Buffer.from(value), text]);
  return text;
}

/** The message type a `dataschema` names, or undefined when it is no Herald schema; remembered by bytes. */
const schemaTypes: Array<[Buffer, string | undefined]> = [];
function schemaTypeOf(dataschema: WireValue): string | undefined {
  if (typeof dataschema === 'string') return DATASCHEMA.exec(dataschema)?.[1];
  for (const [bytes, type] of schemaTypes) if (sameBytes(dataschema, bytes)) return type;
  const type = DATASCHEMA.exec(dataschema.toString('utf8'))?.[1];
  if (schemaTypes.length >= 32) schemaTypes.shift();
  schemaTypes.push([Buffer.from(dataschema), type]);
  return type;
}

function text(value: WireValue | undefined): string | undefined {
  return value === undefined || typeof value === 'string' ? value : value.toString('utf8');
}

/** The fields of one entry by slot, and their size in bytes (names and values, as Redis stores them). */
export interface WireFields {
  values: Array<WireValue | undefined>;
  size: number;
  /** The decoded subject, once wireSubject has decoded it. */
  subject?: string | undefined;
}

export function readWireFields(flat: ReadonlyArray<WireValue>): WireFields {
  const values: Array<WireValue | undefined> = new Array(wireNames.length);
  let size = 0;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i]!;
    const value = flat[i + 1]!;
    size += (typeof name === 'string' ? Buffer.byteLength(name) : name.length) + (typeof value === 'string' ? Buffer.byteLength(value) : value.length);
    const slot = slotOf(name);
    if (slot >= 0) values[slot] = value; // a repeated name: the last wins, as in a field Map
  }
  return { values, size };
}

/** The subject of an entry, or undefined; decoded on its own (the consumer groups entries by it). */
export function wireSubject(fields: WireFields): string | undefined {
  if (!('subject' in fields)) fields.subject = text(fields.values[SUBJECT]);
  return fields.subject;
}

/** A read entry: what routing needs, validated; the envelope is built on first use. */
export interface WireEvent {
  type: string;
  data: Buffer;
  envelope(): Envelope;
}

/**
 * Validates like fieldsToEncodedEvent, with the same errors (on any doubt it defers to it), but decodes
 * only `type` (remembered) up front; `envelope()` decodes the rest once.
 */
export function readWireEvent(flat: ReadonlyArray<WireValue>, fields: WireFields = readWireFields(flat)): WireEvent {
  const v = fields.values;
  const type = v[wireSlot.type!];
  const dataschema = v[wireSlot.dataschema!];
  const specversion = v[wireSlot.specversion!];
  const datacontenttype = v[wireSlot.datacontenttype!];
  const data = v[wireSlot.data!];
  let valid = data !== undefined;
  for (const slot of requiredSlots) {
    const value = v[slot];
    if (value === undefined || value.length === 0) valid = false;
  }
  let typeText = '';
  if (valid) {
    valid = (typeof specversion === 'string' ? specversion === '1.0' : sameBytes(specversion!, SPECVERSION_BYTES))
      && (typeof datacontenttype === 'string' ? datacontenttype === DATACONTENTTYPE : sameBytes(datacontenttype!, DATACONTENTTYPE_BYTES));
  }
  if (valid) {
    typeText = rememberedText(type!);
    valid = schemaTypeOf(dataschema!) === typeText;
  }
  if (!valid) {
    const encoded = fieldsToEncodedEvent(toFieldMap(flat)); // throws the precise error
    return { type: encoded.envelope.type, data: encoded.data, envelope: () => encoded.envelope };
  }
  let envelope: Envelope | undefined;
  return {
    type: typeText,
    data: Buffer.isBuffer(data) ? data : Buffer.from(data!, 'latin1'),
    envelope() {
      if (envelope) return envelope;
      // The attributes fieldsToEncodedEvent gives, in its order; a fixed shape first (far cheaper to
      // build than one attribute at a time), the optional ones after it.
      envelope = {
        specversion: '1.0',
        id: text(v[ID])!,
        source: rememberedText(v[SOURCE]!),
        type: typeText,
        time: text(v[TIME])!,
        datacontenttype: DATACONTENTTYPE,
        dataschema: rememberedText(dataschema!),
      };
      if (v[SUBJECT] !== undefined) envelope.subject = wireSubject(fields);
      if (v[SEQUENCE] !== undefined) envelope.sequence = text(v[SEQUENCE]);
      if (v[TRACEPARENT] !== undefined) envelope.traceparent = text(v[TRACEPARENT]);
      if (v[TRACESTATE] !== undefined) envelope.tracestate = text(v[TRACESTATE]);
      if (v[CORRELATIONID] !== undefined) envelope.correlationid = text(v[CORRELATIONID]);
      if (v[CAUSATIONID] !== undefined) envelope.causationid = text(v[CAUSATIONID]);
      return envelope;
    },
  };
}

/** A ReceivedEvent of a wire event (a plain object: spreads and JSON see every property). */
export function receivedWireEvent(wire: WireEvent, data: unknown, name: string, channel: string, streamId: string, deliveryCount: number): ReceivedEvent<unknown> {
  return { envelope: wire.envelope(), data, name, channel, streamId, deliveryCount };
}
