// Conversions every generated codec shares: 64-bit integers as bigint over protobufjs's Long, base64,
// and the proto3 JSON readers. They live in the runtime so a fix here needs no regeneration; nothing
// message-specific belongs here.
import type { JsonValue } from './types.ts';

/**
 * The 64-bit integer as protobufjs's Reader returns it: a Long (when the `long` package is present, as it
 * is with protobufjs) or a number.
 */
export type LongLike = { low: number; high: number } | number;

/** A 64-bit integer from a Reader, exact beyond 2^53. */
export function bigintFromLong(value: LongLike, unsigned: boolean): bigint {
  if (typeof value === 'number') return BigInt(value);
  const high = unsigned ? value.high >>> 0 : value.high | 0;
  // Fast path: below 2^53 in magnitude the double arithmetic is exact.
  if (high < 0x200000 && high >= -0x200000) return BigInt(high * 0x100000000 + (value.low >>> 0));
  const bits = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return unsigned ? bits : BigInt.asIntN(64, bits);
}

/** A bigint as protobufjs's Writer takes it for 64-bit fields: a safe number, or the two 32-bit halves. */
export function longFromBigint(value: bigint, unsigned: boolean): number | { low: number; high: number; unsigned: boolean } {
  if (value >= -0x1fffffffffffffn && value <= 0x1fffffffffffffn) return Number(value);
  const bits = BigInt.asUintN(64, value);
  return { low: Number(bits & 0xffffffffn) | 0, high: Number(bits >> 32n) | 0, unsigned };
}

/** Standard base64 with padding: the proto3 JSON form of `bytes` (Node's own encoder). */
export function base64FromBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Standard or URL-safe base64, padded or not; anything else is refused (Buffer alone would skip it). */
const base64Text = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Accepts standard and URL-safe base64, with or without padding. */
export function bytesFromBase64(text: string, path: string): Uint8Array {
  if (!base64Text.test(text)) throw new TypeError(`${path}: invalid base64`);
  const decoded = Buffer.from(text, 'base64');
  return new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
}

/** float and double in proto3 JSON: a number, or "NaN", "Infinity", "-Infinity". */
export function floatToJson(value: number): JsonValue {
  return Number.isFinite(value) ? value : String(value);
}

export type JsonObject = { [key: string]: JsonValue };

export function readObject(json: JsonValue, path: string): JsonObject {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new TypeError(`${path}: expected a JSON object`);
  return json;
}

/** A field by its JSON name or its proto name; `null` counts as absent, as proto3 JSON says. */
export function readField(object: JsonObject, jsonName: string, protoName: string): JsonValue | undefined {
  const value = object[jsonName] ?? object[protoName];
  return value === null ? undefined : value;
}

export function readArray(json: JsonValue, path: string): JsonValue[] {
  if (!Array.isArray(json)) throw new TypeError(`${path}: expected a JSON array`);
  return json;
}

export function readString(json: JsonValue, path: string): string {
  if (typeof json !== 'string') throw new TypeError(`${path}: expected a string`);
  return json;
}

export function readBool(json: JsonValue, path: string): boolean {
  if (typeof json !== 'boolean') throw new TypeError(`${path}: expected true or false`);
  return json;
}

/** Numbers may come quoted, and floats as "NaN" / "Infinity" / "-Infinity". */
export function readNumber(json: JsonValue, path: string, integer: boolean): number {
  const value = typeof json === 'string' && json.trim() !== '' ? Number(json) : json;
  if (typeof value !== 'number' || (integer && !Number.isInteger(value))) {
    throw new TypeError(`${path}: expected ${integer ? 'an integer' : 'a number'}`);
  }
  return value;
}

/** 64-bit integers are decimal strings in proto3 JSON; plain numbers are accepted too. */
export function readBigint(json: JsonValue, path: string): bigint {
  if (typeof json === 'number' && Number.isInteger(json)) return BigInt(json);
  if (typeof json === 'string' && /^-?\d+$/.test(json)) return BigInt(json);
  throw new TypeError(`${path}: expected an integer or a decimal string`);
}

export function readBytes(json: JsonValue, path: string): Uint8Array {
  return bytesFromBase64(readString(json, path), path);
}

/** An enum value from its proto name or its number. */
export function readEnum(json: JsonValue, names: Readonly<Record<number, string>>, path: string): number {
  if (typeof json === 'number' && Number.isInteger(json)) return json;
  for (const [value, name] of Object.entries(names)) if (name === json) return Number(value);
  throw new TypeError(`${path}: unknown enum value ${JSON.stringify(json)}`);
}
