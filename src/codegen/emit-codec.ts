// Emits the codec const of one message: create, binary encode/decode (protobufjs Reader/Writer, the
// pbjs static-module style, typed) and canonical proto3 JSON. Never emits the interface or enums.
import type { Type } from 'protobufjs';
import type { FieldPlan, Refs } from './field-plan.ts';
import {
  defaultValue, fromJsonExpr, isSetCheck, mapKeyRead, mapKeyTsType, mapKeyWrite, readExpr, tag, toJsonExpr, tsType, wireType, writeCall,
} from './field-plan.ts';
import { protoName } from './proto-model.ts';
import { quote } from './ts-names.ts';
import { jsonOverrides } from './emit-wkt.ts';

export function emitCodec(type: Type, name: string, plans: FieldPlan[], refs: Refs): string {
  const override = jsonOverrides[protoName(type)];
  return [
    `/** Encodes and decodes {@link ${name}}: protobuf binary and proto3 JSON. */`,
    `export const ${name}: MessageCodec<${name}> = {`,
    `  typeName: ${quote(protoName(type))},`,
    '',
    `  create(init?: PartialMessage<${name}>): ${name} {`,
    ...indent(createBody(name, plans, refs), 4),
    '  },',
    '',
    `  encode(message: ${name}, writer: Writer = Writer.create()): Writer {`,
    ...indent(plans.flatMap((p) => encodeField(p, refs)), 4),
    '    return writer;',
    '  },',
    '',
    `  decode(input: Reader | Uint8Array, length?: number): ${name} {`,
    '    const reader = input instanceof Reader ? input : Reader.create(input);',
    '    const end = length === undefined ? reader.len : reader.pos + length;',
    ...indent(emptyMessage(name, plans, refs), 4),
    '    while (reader.pos < end) {',
    '      const tag = reader.uint32();',
    '      switch (tag >>> 3) {',
    ...indent(plans.flatMap((p) => decodeField(p, refs)), 8),
    '        default:',
    '          reader.skipType(tag & 7);',
    '      }',
    '    }',
    '    return message;',
    '  },',
    '',
    `  toJSON(message: ${name}): JsonValue {`,
    ...indent(override ? override.toJSON(refs) : toJsonBody(plans, refs), 4),
    '  },',
    '',
    `  fromJSON(json: JsonValue): ${name} {`,
    ...indent(override ? messageFormFirst(override.fromJSON(refs, name), fromJsonBody(name, plans, refs, protoName(type))) : fromJsonBody(name, plans, refs, protoName(type)), 4),
    '  },',
    '};',
  ].join('\n');
}

function createBody(name: string, plans: FieldPlan[], refs: Refs): string[] {
  const initial: string[] = [];
  const later: string[] = [];
  const oneofs = new Map<string, FieldPlan[]>();
  for (const p of plans) {
    const from = `init?.${p.prop}`;
    if (p.oneof) {
      oneofs.set(p.oneof.prop, [...(oneofs.get(p.oneof.prop) ?? []), p]);
      continue;
    }
    if (p.label === 'repeated') {
      const copy = copyValue(p, 'value', refs);
      initial.push(copy === 'value' ? `${p.prop}: [...(${from} ?? [])],` : `${p.prop}: (${from} ?? []).map((value) => ${copy}),`);
    } else if (p.label === 'map') {
      initial.push(`${p.prop}: {},`);
      const key = mapKeyTsType(p.key!) === 'number' ? 'Number(key)' : 'key';
      later.push(
        `for (const [key, value] of Object.entries(${from} ?? {})) {`,
        `  if (value !== undefined) message.${p.prop}[${key}] = ${copyValue(p, 'value', refs)};`,
        '}',
      );
    } else if (p.label === 'optional' || p.value.kind === 'message' || p.value.kind === 'timestamp') {
      later.push(`if (init?.${p.prop} !== undefined) message.${p.prop} = ${copyValue(p, `init.${p.prop}`, refs)};`);
    } else {
      initial.push(`${p.prop}: ${from} ?? ${defaultValue(p.value, refs)},`);
    }
  }
  for (const [prop, members] of oneofs) {
    initial.push(`${prop}: { case: undefined },`);
    const branches = members.map((m) => {
      const value = `init.${prop}.value`;
      return `if (init?.${prop}?.case === ${quote(m.prop)} && ${value} !== undefined) {\n  message.${prop} = { case: ${quote(m.prop)}, value: ${copyValue(m, value, refs)} };\n}`;
    });
    later.push(branches.join(' else '));
  }
  const literal = initial.length ? [`const message: ${name} = {`, ...initial.map((l) => `  ${l}`), '};'] : [`const message: ${name} = {};`];
  return [...literal, ...later.flatMap((l) => l.split('\n')), 'return message;'];
}

/** A message at its defaults, as a literal: decoding is hot, so it skips create()'s `init` checks. */
function emptyMessage(name: string, plans: FieldPlan[], refs: Refs): string[] {
  const props: string[] = [];
  const oneofs = new Set<string>();
  for (const p of plans) {
    if (p.oneof) {
      if (!oneofs.has(p.oneof.prop)) props.push(`${p.oneof.prop}: { case: undefined }`);
      oneofs.add(p.oneof.prop);
    } else if (p.label === 'repeated') props.push(`${p.prop}: []`);
    else if (p.label === 'map') props.push(`${p.prop}: {}`);
    else if (p.label === 'singular' && p.value.kind !== 'message' && p.value.kind !== 'timestamp') {
      props.push(`${p.prop}: ${defaultValue(p.value, refs)}`);
    }
  }
  const single = `const message: ${name} = { ${props.join(', ')} };`;
  if (!props.length) return [`const message: ${name} = {};`];
  return single.length <= 110 ? [single] : [`const message: ${name} = {`, ...props.map((p) => `  ${p},`), '};'];
}

/** A fresh copy of one (partial) value: messages through their codec's create, dates cloned. */
function copyValue(p: FieldPlan, expr: string, refs: Refs): string {
  if (p.value.kind === 'message') return `${refs.type(p.value.type)}.create(${expr})`;
  if (p.value.kind === 'timestamp') return `new Date(${expr}.getTime())`;
  return expr;
}

function encodeField(p: FieldPlan, refs: Refs): string[] {
  const n = p.field.id;
  const value = `message.${p.prop}`;
  if (p.oneof) return encodeOneof(p, refs);
  if (p.label === 'map') {
    const keyTag = tag(1, wireType({ kind: 'scalar', scalar: p.key! }));
    return [
      `for (const [key, value] of Object.entries(${value})) {`,
      `  writer.uint32(${tag(n, 2)}).fork().uint32(${keyTag})${mapKeyWrite(p.key!, 'key', refs)};`,
      `  ${writeOne(p, 2, 'value', refs)};`,
      '  writer.ldelim();',
      '}',
    ];
  }
  if (p.label === 'repeated') {
    if (p.packed) {
      return [
        `if (${value}.length !== 0) {`,
        `  writer.uint32(${tag(n, 2)}).fork();`,
        `  for (const value of ${value}) writer${writeCall(p.value, 'value', refs)};`,
        '  writer.ldelim();',
        '}',
      ];
    }
    return [`for (const value of ${value}) ${writeOne(p, n, 'value', refs)};`];
  }
  const check = p.label === 'optional' ? `${value} !== undefined` : isSetCheck(p.value, value, refs);
  return [`if (${check}) ${writeOne(p, n, value, refs)};`];
}

function encodeOneof(p: FieldPlan, refs: Refs): string[] {
  const group = `message.${p.oneof!.prop}`;
  return [`if (${group}.case === ${quote(p.prop)}) ${writeOne(p, p.field.id, `${group}.value`, refs)};`];
}

/** Writes tag and value of field number `n`. */
function writeOne(p: FieldPlan, n: number, expr: string, refs: Refs): string {
  if (p.value.kind === 'message' || p.value.kind === 'timestamp') {
    return `${refs.type(p.value.type)}.encode(${expr}, writer.uint32(${tag(n, 2)}).fork()).ldelim()`;
  }
  return `writer.uint32(${tag(n, wireType(p.value))})${writeCall(p.value, expr, refs)}`;
}

function decodeField(p: FieldPlan, refs: Refs): string[] {
  const target = `message.${p.prop}`;
  const read = readExpr(p.value, refs);
  if (p.oneof) {
    return [`case ${p.field.id}:`, `  message.${p.oneof.prop} = { case: ${quote(p.prop)}, value: ${read} };`, '  break;'];
  }
  if (p.label === 'map') {
    const keyDefault = mapKeyTsType(p.key!) === 'number' ? '0' : "''";
    const valueDefault = p.value.kind === 'message' ? `${refs.type(p.value.type)}.create()` : p.value.kind === 'timestamp' ? 'new Date(0)' : defaultValue(p.value, refs);
    return [
      `case ${p.field.id}: {`,
      '  const entryEnd = reader.uint32() + reader.pos;',
      `  let key: ${mapKeyTsType(p.key!)} = ${keyDefault};`,
      `  let value: ${tsType(p.value, refs)} = ${valueDefault};`,
      '  while (reader.pos < entryEnd) {',
      '    const entryTag = reader.uint32();',
      '    if (entryTag >>> 3 === 1) {',
      `      key = ${mapKeyRead(p.key!, refs)};`,
      '    } else if (entryTag >>> 3 === 2) {',
      `      value = ${read};`,
      '    } else {',
      '      reader.skipType(entryTag & 7);',
      '    }',
      '  }',
      `  ${target}[key] = value;`,
      '  break;',
      '}',
    ];
  }
  if (p.label === 'repeated') {
    if (p.value.kind === 'scalar' || p.value.kind === 'enum') {
      if (wireType(p.value) !== 2) {
        // Parsers must accept both packed and unpacked encodings of packable fields.
        return [
          `case ${p.field.id}:`,
          '  if ((tag & 7) === 2) {',
          '    const packedEnd = reader.uint32() + reader.pos;',
          `    while (reader.pos < packedEnd) ${target}.push(${read});`,
          '  } else {',
          `    ${target}.push(${read});`,
          '  }',
          '  break;',
        ];
      }
    }
    return [`case ${p.field.id}:`, `  ${target}.push(${read});`, '  break;'];
  }
  return [`case ${p.field.id}:`, `  ${target} = ${read};`, '  break;'];
}

function toJsonBody(plans: FieldPlan[], refs: Refs): string[] {
  if (!plans.length) return ['return {};'];
  const lines = [`const json: ${refs.support('JsonObject')} = {};`];
  for (const p of plans) {
    const value = `message.${p.prop}`;
    const key = quote(p.prop);
    if (p.oneof) {
      lines.push(`if (message.${p.oneof.prop}.case === ${key}) json[${key}] = ${toJsonExpr(p.value, `message.${p.oneof.prop}.value`, refs)};`);
    } else if (p.label === 'repeated') {
      const each = toJsonExpr(p.value, 'value', refs);
      lines.push(`if (${value}.length !== 0) json[${key}] = ${each === 'value' ? `[...${value}]` : `${value}.map((value) => ${each})`};`);
    } else if (p.label === 'map') {
      const each = toJsonExpr(p.value, 'value', refs);
      const converted = each === 'value' ? `{ ...${value} }` : `Object.fromEntries(Object.entries(${value}).map(([key, value]) => [key, ${each}]))`;
      lines.push(`if (Object.keys(${value}).length !== 0) {`, `  json[${key}] = ${converted};`, '}');
    } else {
      const check = p.label === 'optional' ? `${value} !== undefined` : isSetCheck(p.value, value, refs);
      lines.push(`if (${check}) json[${key}] = ${toJsonExpr(p.value, value, refs)};`);
    }
  }
  return [...lines, 'return json;'];
}

function fromJsonBody(name: string, plans: FieldPlan[], refs: Refs, typeName: string): string[] {
  const lines = [
    `const object = ${refs.support('readObject')}(json, ${quote(typeName)});`,
    `const message = ${name}.create();`,
  ];
  for (const p of plans) {
    const local = `${p.prop}Json`;
    lines.push(`const ${local} = ${refs.support('readField')}(object, ${quote(p.prop)}, ${quote(p.field.name)});`);
    const read = (expr: string) => fromJsonExpr(p.value, expr, p.path, refs);
    if (p.oneof) {
      lines.push(`if (${local} !== undefined) message.${p.oneof.prop} = { case: ${quote(p.prop)}, value: ${read(local)} };`);
    } else if (p.label === 'repeated') {
      lines.push(`if (${local} !== undefined) message.${p.prop} = ${refs.support('readArray')}(${local}, ${quote(p.path)}).map((value) => ${read('value')});`);
    } else if (p.label === 'map') {
      const key = mapKeyTsType(p.key!) === 'number' ? 'Number(key)' : 'key';
      lines.push(
        `if (${local} !== undefined) {`,
        `  for (const [key, value] of Object.entries(${refs.support('readObject')}(${local}, ${quote(p.path)}))) {`,
        `    message.${p.prop}[${key}] = ${read('value')};`,
        '  }',
        '}',
      );
    } else {
      lines.push(`if (${local} !== undefined) message.${p.prop} = ${read(local)};`);
    }
  }
  return [...lines, 'return message;'];
}

/**
 * A well-known type with a special proto3 JSON form also reads its plain message form (`{ "paths": [...] }`),
 * which is how the official AsyncAPI protobuf parser's JSON Schema describes it, so examples written
 * against that schema decode too. The two forms cannot be confused: the special forms are never objects.
 */
function messageFormFirst(special: string[], messageForm: string[]): string[] {
  // Wrapped here for the 6 columns it will sit at (method body + this block); the outer indent skips it.
  const body = messageForm.flatMap((l) => wrapLongIf(l, 6)).map((l) => (l ? `  ${l}` : l));
  return ["if (typeof json === 'object' && json !== null && !Array.isArray(json)) {", ...body, '}', ...special];
}

function indent(lines: string[], spaces: number): string[] {
  const pad = ' '.repeat(spaces);
  return lines.flatMap((l) => wrapLongIf(l, spaces)).map((l) => (l ? pad + l : l));
}

/** `if (cond) statement;` longer than the line budget becomes a braced block. */
function wrapLongIf(line: string, indentation: number): string[] {
  if (line.length + indentation <= 120 || !line.startsWith('if (')) return [line];
  let depth = 0;
  for (let i = 3; i < line.length; i++) {
    if (line[i] === '(') depth++;
    else if (line[i] === ')' && --depth === 0) {
      const statement = line.slice(i + 1).trim();
      if (!statement.endsWith(';') || statement.startsWith('{')) return [line];
      return [`${line.slice(0, i + 1)} {`, `  ${statement}`, '}'];
    }
  }
  return [line];
}
