// Per-field decisions of the codec emitters: TypeScript type, default, wire type, the Reader/Writer call
// and the proto3 JSON conversion of one value. Returns code fragments; never emits whole declarations.
import type { Enum, Field, Type } from 'protobufjs';
import { fieldLabel, isEnumType, isMapField, isMessageType, isPacked, jsonNameOf, longTypes, protoName, realOneof } from './proto-model.ts';
import type { FieldLabel } from './proto-model.ts';
import { camelCase, quote } from './ts-names.ts';

export type ValueKind =
  | { kind: 'scalar'; scalar: string }
  | { kind: 'enum'; type: Enum }
  | { kind: 'message'; type: Type }
  | { kind: 'timestamp'; type: Type };

/** How the emitters name things that live elsewhere (imports are added as a side effect). */
export interface Refs {
  /** Local name of a message's interface+codec or an enum's type+const. */
  type(type: Type | Enum): string;
  /** Local name of an enum's `xToJSON` / `xFromJSON` function. */
  enumJson(type: Enum, direction: 'ToJSON' | 'FromJSON'): string;
  /** Local name of a codec helper imported from herald/runtime (src/runtime/core/codec-support.ts). */
  support(name: string): string;
}

export interface FieldPlan {
  field: Field;
  /** Property name in TypeScript and JSON (the proto JSON name). */
  prop: string;
  label: FieldLabel;
  value: ValueKind;
  /** Map key scalar, for map fields. */
  key?: string;
  oneof?: { name: string; prop: string };
  packed: boolean;
  /** Path used in JSON error messages: `pkg.Message.field`. */
  path: string;
}

export function planField(owner: Type, field: Field): FieldPlan {
  const group = realOneof(field);
  return {
    field,
    prop: jsonNameOf(field),
    label: fieldLabel(field),
    value: valueKind(field),
    ...(isMapField(field) ? { key: field.keyType } : {}),
    ...(group ? { oneof: { name: group.name, prop: camelCase(group.name) } } : {}),
    packed: isPacked(field),
    path: `${protoName(owner)}.${field.name}`,
  };
}

function valueKind(field: Field): ValueKind {
  const target = field.resolvedType;
  if (isEnumType(target)) return { kind: 'enum', type: target };
  if (isMessageType(target)) {
    return protoName(target) === 'google.protobuf.Timestamp' ? { kind: 'timestamp', type: target } : { kind: 'message', type: target };
  }
  return { kind: 'scalar', scalar: field.type };
}

const numberScalars = new Set(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const unsignedLongs = new Set(['uint64', 'fixed64']);

export function tsType(value: ValueKind, refs: Refs): string {
  switch (value.kind) {
    case 'enum':
    case 'message':
      return refs.type(value.type);
    case 'timestamp':
      return 'Date';
    case 'scalar':
      if (numberScalars.has(value.scalar)) return 'number';
      if (longTypes.has(value.scalar)) return 'bigint';
      return { bool: 'boolean', string: 'string', bytes: 'Uint8Array' }[value.scalar] ?? 'unknown';
  }
}

/** proto3 default of a scalar or enum (messages have none: they are absent). */
export function defaultValue(value: ValueKind, refs: Refs): string {
  if (value.kind === 'enum') {
    const zero = Object.entries(value.type.values).find(([, n]) => n === 0);
    return zero ? `${refs.type(value.type)}.${enumMember(value.type, zero[0])}` : `0 as ${refs.type(value.type)}`;
  }
  if (value.kind !== 'scalar') return 'undefined';
  if (numberScalars.has(value.scalar)) return '0';
  if (longTypes.has(value.scalar)) return '0n';
  return { bool: 'false', string: "''", bytes: 'new Uint8Array(0)' }[value.scalar] ?? 'undefined';
}

/** Condition under which proto3 writes a singular implicit-presence value. */
export function isSetCheck(value: ValueKind, expr: string, refs: Refs): string {
  if (value.kind === 'scalar' && value.scalar === 'bytes') return `${expr}.length !== 0`;
  if (value.kind === 'scalar' && value.scalar === 'bool') return expr;
  if (value.kind === 'message' || value.kind === 'timestamp') return `${expr} !== undefined`;
  return `${expr} !== ${defaultValue(value, refs)}`;
}

/** Wire type of one value: 0 varint, 1 64-bit, 2 length-delimited, 5 32-bit. */
export function wireType(value: ValueKind): number {
  if (value.kind === 'enum') return 0;
  if (value.kind !== 'scalar') return 2;
  if (['fixed64', 'sfixed64', 'double'].includes(value.scalar)) return 1;
  if (['fixed32', 'sfixed32', 'float'].includes(value.scalar)) return 5;
  if (['string', 'bytes'].includes(value.scalar)) return 2;
  return 0;
}

export function tag(number: number, wire: number): number {
  return ((number << 3) | wire) >>> 0;
}

/** Writer call for a scalar or enum value, without the tag: `.int32(x)`. */
export function writeCall(value: ValueKind, expr: string, refs: Refs): string {
  if (value.kind === 'enum') return `.int32(${expr})`;
  if (value.kind !== 'scalar') throw new Error('messages are written with their codec');
  if (longTypes.has(value.scalar)) {
    return `.${value.scalar}(${refs.support('longFromBigint')}(${expr}, ${unsignedLongs.has(value.scalar)}))`;
  }
  return `.${value.scalar}(${expr})`;
}

/** Expression reading one value from `reader`. */
export function readExpr(value: ValueKind, refs: Refs): string {
  switch (value.kind) {
    case 'enum':
      return `reader.int32() as ${refs.type(value.type)}`;
    case 'message':
      return `${refs.type(value.type)}.decode(reader, reader.uint32())`;
    case 'timestamp':
      return `${refs.type(value.type)}.decode(reader, reader.uint32())`;
    case 'scalar':
      if (longTypes.has(value.scalar)) {
        return `${refs.support('bigintFromLong')}(reader.${value.scalar}(), ${unsignedLongs.has(value.scalar)})`;
      }
      // A Buffer input yields Buffer slices that share its memory; copy into a plain Uint8Array.
      if (value.scalar === 'bytes') return 'new Uint8Array(reader.bytes())';
      return `reader.${value.scalar}()`;
  }
}

/** Expression turning one value into its proto3 JSON form. */
export function toJsonExpr(value: ValueKind, expr: string, refs: Refs): string {
  switch (value.kind) {
    case 'enum':
      return `${refs.enumJson(value.type, 'ToJSON')}(${expr})`;
    case 'message':
    case 'timestamp':
      return `${refs.type(value.type)}.toJSON(${expr})`;
    case 'scalar':
      if (longTypes.has(value.scalar)) return `${expr}.toString()`;
      if (value.scalar === 'float' || value.scalar === 'double') return `${refs.support('floatToJson')}(${expr})`;
      if (value.scalar === 'bytes') return `${refs.support('base64FromBytes')}(${expr})`;
      return expr;
  }
}

/** Expression reading one value from its proto3 JSON form. */
export function fromJsonExpr(value: ValueKind, expr: string, path: string, refs: Refs): string {
  const at = quote(path);
  switch (value.kind) {
    case 'enum':
      return `${refs.enumJson(value.type, 'FromJSON')}(${expr}, ${at})`;
    case 'message':
    case 'timestamp':
      return `${refs.type(value.type)}.fromJSON(${expr})`;
    case 'scalar':
      if (longTypes.has(value.scalar)) return `${refs.support('readBigint')}(${expr}, ${at})`;
      if (numberScalars.has(value.scalar)) {
        const integer = value.scalar !== 'float' && value.scalar !== 'double';
        return `${refs.support('readNumber')}(${expr}, ${at}, ${integer})`;
      }
      if (value.scalar === 'bool') return `${refs.support('readBool')}(${expr}, ${at})`;
      if (value.scalar === 'bytes') return `${refs.support('readBytes')}(${expr}, ${at})`;
      return `${refs.support('readString')}(${expr}, ${at})`;
  }
}

/** TypeScript key type of a map: 32-bit integer keys stay numbers; 64-bit and bool keys are strings. */
export function mapKeyTsType(key: string): 'string' | 'number' {
  return numberScalars.has(key) ? 'number' : 'string';
}

/** Converts a map key from its TypeScript (object key) form to what the Writer takes. */
export function mapKeyWrite(key: string, expr: string, refs: Refs): string {
  if (key === 'bool') return `.bool(${expr} === 'true')`;
  if (numberScalars.has(key)) return `.${key}(Number(${expr}))`;
  if (longTypes.has(key)) return `.${key}(${refs.support('longFromBigint')}(BigInt(${expr}), ${unsignedLongs.has(key)}))`;
  return `.${key}(${expr})`;
}

/** Reads a map key into its TypeScript (object key) form. */
export function mapKeyRead(key: string, refs: Refs): string {
  if (key === 'bool') return 'String(reader.bool())';
  if (longTypes.has(key)) return `${refs.support('bigintFromLong')}(reader.${key}(), ${unsignedLongs.has(key)}).toString()`;
  return `reader.${key}()`;
}

/** TypeScript member name of an enum value (prefix stripped, as protobuf-es does). */
export function enumMember(type: Enum, valueName: string): string {
  const names = Object.keys(type.values);
  const prefix = `${type.name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}_`;
  const strip = names.every((v) => v.startsWith(prefix) && /^[A-Za-z_]/.test(v.slice(prefix.length)));
  return strip ? valueName.slice(prefix.length) : valueName;
}
