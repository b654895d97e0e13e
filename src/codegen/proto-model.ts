// Questions asked of protobufjs reflection objects (names, labels, JSON names, source files) in one
// place, so the bundler, the contract model and the emitters agree. Read-only: never mutates a Root.
import protobuf from 'protobufjs';
import type { Enum, Field, MapField, Namespace, OneOf, ReflectionObject, Root, Type } from 'protobufjs';
import { relativeProtoPath } from './proto-load.ts';
import { sortedBy } from './ordering.ts';

export const scalarTypes: ReadonlySet<string> = new Set([
  'double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64',
  'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes',
]);
export const longTypes: ReadonlySet<string> = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
/** Scalars that proto3 packs by default when repeated. */
const packableTypes = new Set([...scalarTypes].filter((t) => t !== 'string' && t !== 'bytes'));

/** Files of the well-known types protobufjs bundles without a filename. */
const wellKnownFiles: Record<string, string> = {
  'google.protobuf.Any': 'google/protobuf/any.proto',
  'google.protobuf.Duration': 'google/protobuf/duration.proto',
  'google.protobuf.Empty': 'google/protobuf/empty.proto',
  'google.protobuf.FieldMask': 'google/protobuf/field_mask.proto',
  'google.protobuf.Timestamp': 'google/protobuf/timestamp.proto',
  'google.protobuf.Struct': 'google/protobuf/struct.proto',
  'google.protobuf.Value': 'google/protobuf/struct.proto',
  'google.protobuf.ListValue': 'google/protobuf/struct.proto',
  'google.protobuf.NullValue': 'google/protobuf/struct.proto',
  ...Object.fromEntries(
    ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'].map((w) => [
      `google.protobuf.${w}Value`,
      'google/protobuf/wrappers.proto',
    ]),
  ),
};

export type NamedType = Type | Enum;

export function isMessageType(object: unknown): object is Type {
  return object instanceof protobuf.Type;
}
export function isEnumType(object: unknown): object is Enum {
  return object instanceof protobuf.Enum;
}
export function isMapField(field: unknown): field is MapField {
  return field instanceof protobuf.MapField;
}

/** Full name without the leading dot: `herald.common.v1.Money`. */
export function protoName(object: ReflectionObject): string {
  return object.fullName.replace(/^\./, '');
}

/** Package of a type: the chain of namespaces above it that are not messages. */
export function packageOf(type: NamedType): string {
  let scope: Namespace | null = type.parent;
  while (scope && isMessageType(scope)) scope = scope.parent;
  return scope ? protoName(scope) : '';
}

/** Path under the proto directory of the file declaring `type`. */
export function fileOf(type: NamedType, protoDir: string): string {
  const known = wellKnownFiles[protoName(type)];
  if (known) return known;
  let object: ReflectionObject | null = type;
  while (object && !object.filename) object = object.parent;
  return object?.filename ? relativeProtoPath(protoDir, object.filename) : '(unknown)';
}

export function isWellKnown(type: NamedType): boolean {
  return protoName(type).startsWith('google.protobuf.');
}

/** protoc's JSON name: drop underscores and upper-case the letter after each (unless `json_name` is set). */
export function jsonNameOf(field: Field): string {
  const explicit = field.options?.['json_name'];
  if (typeof explicit === 'string') return explicit;
  let out = '';
  let upper = false;
  for (const ch of field.name) {
    if (ch === '_') upper = true;
    else {
      out += upper ? ch.toUpperCase() : ch;
      upper = false;
    }
  }
  return out;
}

/** A real `oneof` group (not the synthetic one protobufjs makes for a proto3 `optional`). */
export function realOneof(field: Field): OneOf | undefined {
  const group = field.partOf;
  if (!group || field.options?.['proto3_optional'] === true) return undefined;
  return group;
}

export type FieldLabel = 'singular' | 'optional' | 'repeated' | 'map';

export function fieldLabel(field: Field): FieldLabel {
  if (isMapField(field)) return 'map';
  if (field.repeated) return 'repeated';
  if (field.options?.['proto3_optional'] === true) return 'optional';
  return 'singular';
}

export function isPacked(field: Field): boolean {
  return field.repeated && !isMapField(field) && isPackable(field) && field.options?.['packed'] !== false;
}

function isPackable(field: Field): boolean {
  return packableTypes.has(field.type) || isEnumType(field.resolvedType);
}

/** Value type of a field as written in a .proto, with message and enum types fully qualified. */
export function valueTypeName(field: Field): string {
  return field.resolvedType ? protoName(field.resolvedType) : field.type;
}

/** `map<string, int32>` or `herald.common.v1.Money` or `string`: the field's type as in a .proto. */
export function fieldTypeText(field: Field): string {
  return isMapField(field) ? `map<${field.keyType}, ${valueTypeName(field)}>` : valueTypeName(field);
}

/** The declaration line, as protobuf-es prints it in `@generated from field: ...`. */
export function fieldDeclaration(field: Field): string {
  const label = fieldLabel(field);
  const prefix = label === 'repeated' ? 'repeated ' : label === 'optional' ? 'optional ' : '';
  const type = isMapField(field) ? `map<${field.keyType}, ${field.type}>` : field.type;
  const options = Object.entries(field.options ?? {})
    .filter(([key]) => key !== 'proto3_optional')
    .map(([key, value]) => `${key} = ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
  return `${prefix}${type} ${field.name} = ${field.id}${options.length ? ` [${options.join(', ')}]` : ''};`;
}

/** Fields in field-number order. */
export function fieldsOf(type: Type): Field[] {
  return [...type.fieldsArray].sort((a, b) => a.id - b.id);
}

/** Every message and enum in the root (nested ones included), sorted by full name. */
export function allNamedTypes(root: Root): NamedType[] {
  const found: NamedType[] = [];
  const visit = (scope: Namespace): void => {
    for (const child of scope.nestedArray) {
      if (isMessageType(child) || isEnumType(child)) found.push(child);
      if (child instanceof protobuf.Namespace) visit(child);
    }
  };
  visit(root);
  return sortedBy(found, protoName);
}

/** Message and enum types one message refers to directly (fields, map values), nested ones excluded. */
export function referencedTypes(type: Type): NamedType[] {
  const refs: NamedType[] = [];
  for (const field of type.fieldsArray) {
    const target = field.resolvedType;
    if (target && (isMessageType(target) || isEnumType(target))) refs.push(target);
  }
  for (const nested of type.nestedArray) if (isMessageType(nested)) refs.push(...referencedTypes(nested));
  return refs;
}

/** The outermost message containing `type` (itself when top-level). */
export function topLevelOf(type: NamedType): NamedType {
  let current: NamedType = type;
  while (current.parent && isMessageType(current.parent)) current = current.parent;
  return current;
}
