// Emits one TypeScript file per .proto file: enums as const objects, messages as interfaces, each with
// its codec. Names, comments and layout come from the proto; never emits channel or service code.
import type { Enum, Type } from 'protobufjs';
import { emitCodec } from './emit-codec.ts';
import { timestampCodec } from './emit-wkt.ts';
import { enumMember, mapKeyTsType, planField, tsType, type FieldPlan, type Refs } from './field-plan.ts';
import { fieldDeclaration, fieldsOf, fileOf, isEnumType, isMessageType, protoName, type NamedType } from './proto-model.ts';
import { jsDoc, TsFile } from './ts-file.ts';
import { protoOutputPath, qualifiedAlias, quote, relativeImport, tsTypeName } from './ts-names.ts';

export interface ProtoFileInput {
  protoFile: string;
  /** Top-level messages and enums declared in the file, in declaration order. */
  types: NamedType[];
  protoDir: string;
  importExtension: string;
}

export function emitProtoFile(input: ProtoFileInput): TsFile {
  const path = protoOutputPath(input.protoFile);
  const declared = input.types.flatMap(declaredNames);
  const file = new TsFile(path, declared);
  const runtime = (name: string, typeOnly = true): string => file.use('herald/runtime/core', name, { typeOnly });
  const importFrom = (target: string): string => relativeImport(path, target, input.importExtension);
  const local = (type: NamedType): boolean => fileOf(type, input.protoDir) === input.protoFile;
  const refs: Refs = {
    type: (type) =>
      local(type) ? tsTypeName(type) : file.use(importFrom(protoOutputPath(fileOf(type, input.protoDir))), tsTypeName(type), { alias: qualifiedAlias(type) }),
    enumJson: (type, direction) => {
      const name = `${lowerFirst(tsTypeName(type))}${direction}`;
      return local(type) ? name : file.use(importFrom(protoOutputPath(fileOf(type, input.protoDir))), name, { alias: lowerFirst(qualifiedAlias(type)) + direction });
    },
    support: (name) => runtime(name, name === 'JsonObject' || name === 'LongLike'),
  };
  const emitType = (type: NamedType): void => {
    if (isEnumType(type)) {
      runtime('JsonValue');
      file.add(emitEnum(type, refs), '');
      return;
    }
    if (!isMessageType(type)) return;
    if (protoName(type) === 'google.protobuf.Timestamp') {
      useCodecRuntime(runtime);
      file.add(timestampCodec(refs), '');
      return;
    }
    useCodecRuntime(runtime);
    const plans = fieldsOf(type).map((f) => planField(type, f));
    const name = tsTypeName(type);
    file.add(emitInterface(type, name, plans, refs), '', emitCodec(type, name, plans, refs), '');
    for (const nested of type.nestedArray) if (isMessageType(nested) || isEnumType(nested)) emitType(nested);
  };
  input.types.forEach(emitType);
  return file;
}

function useCodecRuntime(runtime: (name: string, typeOnly?: boolean) => string): void {
  runtime('Reader', false);
  runtime('Writer', false);
  runtime('MessageCodec');
  runtime('JsonValue');
  runtime('PartialMessage');
}

function declaredNames(type: NamedType): string[] {
  const name = tsTypeName(type);
  if (isEnumType(type)) return [name, `${lowerFirst(name)}ToJSON`, `${lowerFirst(name)}FromJSON`, `${lowerFirst(name)}Names`];
  if (!isMessageType(type)) return [];
  return [name, ...type.nestedArray.flatMap((n) => (isMessageType(n) || isEnumType(n) ? declaredNames(n) : []))];
}

function emitInterface(type: Type, name: string, plans: FieldPlan[], refs: Refs): string {
  const lines = [jsDoc([type.comment ?? undefined, '', `@generated from message ${protoName(type)}`]), `export interface ${name} {`];
  const oneofs = new Map<string, FieldPlan[]>();
  for (const p of plans) {
    if (p.oneof) {
      if (!oneofs.has(p.oneof.prop)) oneofs.set(p.oneof.prop, []);
      oneofs.get(p.oneof.prop)!.push(p);
      if (oneofs.get(p.oneof.prop)!.length > 1) continue;
      lines.push(oneofPlaceholder(p.oneof.prop));
      continue;
    }
    lines.push(jsDoc([p.field.comment ?? undefined, '', `@generated from field: ${fieldDeclaration(p.field)}`], '  '));
    lines.push(`  ${p.prop}${propertyOptional(p) ? '?' : ''}: ${propertyType(p, refs)};`);
  }
  let text = [...lines, '}'].join('\n');
  for (const [prop, members] of oneofs) {
    const group = members[0]!.field.partOf!;
    const doc = jsDoc(
      [
        group.comment ?? undefined,
        '',
        ...members.flatMap((m) => [`- \`${m.prop}\`${m.field.comment ? `: ${m.field.comment}` : ''}`, `  (@generated from field: ${fieldDeclaration(m.field)})`]),
        '',
        `@generated from oneof ${protoName(type)}.${group.name}`,
      ],
      '  ',
    );
    const cases = members.map((m) => `    | { case: ${quote(m.prop)}; value: ${tsType(m.value, refs)} }`);
    text = text.replace(oneofPlaceholder(prop), [doc, `  ${prop}:`, ...cases, '    | { case: undefined; value?: undefined };'].join('\n'));
  }
  return text;
}

function oneofPlaceholder(prop: string): string {
  return `\u0000oneof:${prop}\u0000`;
}

function propertyOptional(p: FieldPlan): boolean {
  return p.label === 'optional' || (p.label === 'singular' && (p.value.kind === 'message' || p.value.kind === 'timestamp'));
}

function propertyType(p: FieldPlan, refs: Refs): string {
  const value = tsType(p.value, refs);
  if (p.label === 'repeated') return `${value}[]`;
  if (p.label === 'map') return `{ [key: ${mapKeyTsType(p.key!)}]: ${value} }`;
  return value;
}

function emitEnum(type: Enum, refs: Refs): string {
  const name = tsTypeName(type);
  const fn = lowerFirst(name);
  const members = Object.entries(type.values).map(([valueName, number]) => {
    const doc = jsDoc([type.comments[valueName] ?? undefined, '', `@generated from enum value: ${valueName} = ${number};`], '  ');
    return `${doc}\n  ${enumMember(type, valueName)}: ${number},`;
  });
  const names = new Map<number, string>();
  for (const [valueName, number] of Object.entries(type.values)) if (!names.has(number)) names.set(number, valueName);
  return [
    jsDoc([type.comment ?? undefined, '', `@generated from enum ${protoName(type)}`]),
    `export const ${name} = {`,
    ...members,
    '} as const;',
    '',
    `export type ${name} = (typeof ${name})[keyof typeof ${name}];`,
    '',
    `/** Proto names of the {@link ${name}} values: their proto3 JSON form. */`,
    `const ${fn}Names: Readonly<Record<number, string>> = {`,
    ...[...names].map(([number, valueName]) => `  ${number < 0 ? `[${number}]` : number}: ${quote(valueName)},`),
    '};',
    '',
    `/** {@link ${name}} in proto3 JSON: the value's proto name, or its number when unknown. */`,
    `export function ${fn}ToJSON(value: ${name}): JsonValue {`,
    `  return ${fn}Names[value] ?? value;`,
    '}',
    '',
    `/** Reads {@link ${name}} from proto3 JSON: a proto name or a number. */`,
    `export function ${fn}FromJSON(json: JsonValue, path = ${quote(protoName(type))}): ${name} {`,
    `  return ${refs.support('readEnum')}(json, ${fn}Names, path) as ${name};`,
    '}',
  ].join('\n');
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
