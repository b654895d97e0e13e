// An event's XADD as RESP bytes, written straight into one buffer per batch: the same command
// encodedEventToFields gives node-redis (same fields, same order), without an argument array, a
// string per argument, or a socket chunk per argument. It measures the event as it writes it and
// refuses one over the limit before anything of the batch is sent.
import { encodedEventToFields, optionalAttributes, requiredAttributes, type EncodedEvent } from '../core/envelope.ts';
import { eventSize, eventTooLarge } from '../core/event-size.ts';
import type { Envelope } from '../core/types.ts';

const CR = 13;
const LF = 10;

/** `$<n>\r\n<name>\r\n` of each field name, and its length in bytes. */
function bulk(text: string): Buffer {
  return Buffer.from(`$${Buffer.byteLength(text)}\r\n${text}\r\n`);
}
const requiredNames = requiredAttributes.map((name) => ({ name, bytes: bulk(name), size: name.length }));
const optionalNames = optionalAttributes.map((name) => ({ name, bytes: bulk(name), size: name.length }));
const DATA_NAME = bulk('data');
const DATA_SIZE = 4;
/** `*<n>\r\n` for n arguments (an XADD has 3 + 2 per field). */
const arrayHeaders: Buffer[] = [];
function arrayHeader(count: number): Buffer {
  return (arrayHeaders[count] ??= Buffer.from(`*${count}\r\n`));
}

/**
 * A growable byte buffer; each batch gets its own, handed to the socket as is. Short pieces are copied
 * byte by byte in JavaScript: a Buffer.write or Buffer.copy per piece (a call into C++ each, about
 * 35 per XADD) cost five times the rest of encoding an event.
 */
export class RespWriter {
  buffer: Buffer;
  offset = 0;
  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }
  reserve(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    grown.set(this.buffer.subarray(0, this.offset));
    this.buffer = grown;
  }
  bytes(value: Buffer): void {
    this.reserve(value.length);
    const buffer = this.buffer;
    let offset = this.offset;
    if (value.length > 64) {
      buffer.set(value, offset);
      offset += value.length;
    } else {
      for (let i = 0; i < value.length; i++) buffer[offset++] = value[i]!;
    }
    this.offset = offset;
  }
  /** `$<n>\r\n<value>\r\n`; returns the value's length in bytes. */
  bulkString(value: string): number {
    const length = value.length;
    // ASCII (every envelope attribute Herald writes itself): one byte per code unit, copied here.
    let ascii = length <= 256;
    for (let i = 0; ascii && i < length; i++) if (value.charCodeAt(i) > 0x7f) ascii = false;
    if (!ascii) {
      const bytes = Buffer.byteLength(value);
      this.reserve(bytes + 16);
      this.header(bytes);
      this.offset += this.buffer.write(value, this.offset, 'utf8');
      this.crlf();
      return bytes;
    }
    this.reserve(length + 16);
    this.header(length);
    const buffer = this.buffer;
    let offset = this.offset;
    for (let i = 0; i < length; i++) buffer[offset++] = value.charCodeAt(i);
    this.offset = offset;
    this.crlf();
    return length;
  }
  bulkBytes(value: Buffer): void {
    this.reserve(value.length + 16);
    this.header(value.length);
    this.bytes(value);
    this.crlf();
  }
  /** A whole command of string arguments (WAIT). */
  command(args: ReadonlyArray<string>): void {
    this.bytes(arrayHeader(args.length));
    for (const arg of args) this.bulkString(arg);
  }
  done(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }
  private header(length: number): void {
    const buffer = this.buffer;
    buffer[this.offset++] = 36; // $
    const digits = length < 10 ? 1 : length < 100 ? 2 : length < 1000 ? 3 : length < 10_000 ? 4 : Math.floor(Math.log10(length)) + 1;
    let offset = this.offset + digits;
    this.offset = offset;
    do {
      buffer[--offset] = 48 + (length % 10);
      length = Math.floor(length / 10);
    } while (length > 0);
    this.crlf();
  }
  /** A string, UTF-8 encoded; `ascii` when every code unit is below 0x80 (latin1 then writes the same bytes, faster). */
  text(value: string, ascii = false): void {
    this.reserve(value.length * 3);
    this.offset += this.buffer.write(value, this.offset, ascii ? 'latin1' : 'utf8');
  }
  crlf(): void {
    this.buffer[this.offset++] = CR;
    this.buffer[this.offset++] = LF;
  }
}

/** `$4\r\nXADD\r\n$<n>\r\n<stream>\r\n$1\r\n*\r\n` per stream. */
const streamPrefixes = new Map<string, Buffer>();
function streamPrefix(stream: string): Buffer {
  let prefix = streamPrefixes.get(stream);
  if (!prefix) {
    prefix = Buffer.concat([bulk('XADD'), bulk(stream), bulk('*')]);
    if (streamPrefixes.size < 10_000) streamPrefixes.set(stream, prefix);
  }
  return prefix;
}

/**
 * Refuses, with the error writeXadd gives, an event over `limit` bytes, without writing it: a UTF-16 code
 * unit is at most 3 UTF-8 bytes, so when even that bound fits (always, for events far below the limit)
 * nothing is measured exactly.
 */
export function assertXaddSize(stream: string, event: EncodedEvent, limit: number): void {
  const envelope = event.envelope as unknown as Record<keyof Envelope, string | undefined>;
  let bound = DATA_SIZE + event.data.length;
  for (const name of requiredAttributes) bound += name.length + 3 * envelope[name]!.length;
  for (const name of optionalAttributes) {
    const value = envelope[name];
    if (value !== undefined) bound += name.length + 3 * value.length;
  }
  if (bound <= limit) return;
  const size = eventSize(encodedEventToFields(event));
  if (size > limit) throw eventTooLarge(size, limit, stream, event.envelope.type);
}

const ASCII = /^[\x00-\x7f]*$/;
const requiredText = requiredAttributes.map((name) => `$${name.length}\r\n${name}\r\n`);
const optionalText = optionalAttributes.map((name) => `$${name.length}\r\n${name}\r\n`);
const streamText = new Map<string, string>();
/**
 * The encoded field of the required attributes whose values repeat from event to event (all but id and
 * time), by value: the same few values, so one lookup instead of measuring and formatting each time.
 */
const repeatedFields = requiredAttributes.map((name) => (name === 'id' || name === 'time' ? undefined : new Map<string, { text: string; size: number; ascii: boolean }>()));

/**
 * Appends `XADD <stream> * <fields>` of `event` to `out`; throws HERALD_ERR_EVENT_TOO_LARGE (naming
 * `stream`) when its fields (names and values) exceed `limit` bytes. On a throw `out` holds a partial
 * command: the caller discards it. Everything before `data` is built as one string and written with one
 * Buffer.write (V8 joins short strings cheaply; each call into C++ costs about as much as a whole field).
 */
export function writeXadd(out: RespWriter, stream: string, event: EncodedEvent, limit: number): void {
  const envelope = event.envelope as unknown as Record<keyof Envelope, string | undefined>;
  const data = event.data;
  // An event whose payload alone is over the limit is refused before it is copied.
  if (data.length > limit) throw eventTooLarge(eventSize(encodedEventToFields(event)), limit, stream, event.envelope.type);
  let fields = requiredAttributes.length + 1;
  let text = '';
  let size = DATA_SIZE + data.length;
  let stringChars = 0;
  let ascii = Buffer.byteLength(stream) === stream.length;
  for (let i = 0; i < requiredAttributes.length; i++) {
    const name = requiredAttributes[i]!;
    const value = envelope[name]!;
    const memo = repeatedFields[i];
    const known = memo?.get(value);
    if (known) {
      size += known.size;
      stringChars += value.length;
      if (!known.ascii) ascii = false;
      text += known.text;
      continue;
    }
    const bytes = ASCII.test(value) ? value.length : Buffer.byteLength(value);
    if (bytes !== value.length) ascii = false;
    size += name.length + bytes;
    stringChars += value.length;
    const field = `${requiredText[i]}$${bytes}\r\n${value}\r\n`;
    if (memo) {
      if (memo.size >= 64) memo.clear();
      memo.set(value, { text: field, size: name.length + bytes, ascii: bytes === value.length });
    }
    text += field;
  }
  for (let i = 0; i < optionalAttributes.length; i++) {
    const name = optionalAttributes[i]!;
    const value = envelope[name];
    if (value === undefined) continue;
    fields++;
    const bytes = ASCII.test(value) ? value.length : Buffer.byteLength(value);
    if (bytes !== value.length) ascii = false;
    size += name.length + bytes;
    stringChars += value.length;
    text += `${optionalText[i]}$${bytes}\r\n${value}\r\n`;
  }
  if (size > limit) throw eventTooLarge(size, limit, stream, event.envelope.type);
  let prefix = streamText.get(stream);
  if (prefix === undefined) {
    prefix = `$4\r\nXADD\r\n$${Buffer.byteLength(stream)}\r\n${stream}\r\n$1\r\n*\r\n`;
    if (streamText.size < 10_000) streamText.set(stream, prefix);
  }
  text = `*${3 + 2 * fields}\r\n${prefix}${text}$4\r\ndata\r\n$${data.length}\r\n`;
  out.reserve(text.length + 3 * stringChars + data.length + 2);
  out.text(text, ascii);
  out.bytes(data);
  out.crlf();
}
