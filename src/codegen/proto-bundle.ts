// Bundles one message and every message/enum it depends on (from any file or package) into one
// self-contained proto3 text that @asyncapi/protobuf-schema-parser accepts: no imports except the
// google/protobuf ones it bundles, exactly one root message. Never changes field names or numbers.
import type { Enum, Field, Type } from 'protobufjs';
import { sortedBy } from './ordering.ts';
import {
  fieldLabel, fieldsOf, fileOf, isEnumType, isMapField, isMessageType, packageOf, protoName, realOneof,
  referencedTypes, topLevelOf, type NamedType,
} from './proto-model.ts';

/** google/protobuf files the parser resolves by itself (protobufjs's bundled `common` set). */
const parserKnownImports = new Set([
  'google/protobuf/any.proto', 'google/protobuf/duration.proto', 'google/protobuf/empty.proto',
  'google/protobuf/field_mask.proto', 'google/protobuf/struct.proto', 'google/protobuf/timestamp.proto',
  'google/protobuf/wrappers.proto',
]);

export interface ProtoBundle {
  text: string;
  /** Full names of the top-level types copied in, the root's first. */
  included: string[];
  /** Set when the parser would not pick the root message (a dependency refers back to it). */
  problem?: string;
}

interface Unit {
  type: NamedType;
  /** Name in the bundle: the original one, or a package-prefixed one when two packages clash. */
  name: string;
}

export function bundleMessage(root: Type, protoDir: string): ProtoBundle {
  const pkg = packageOf(root);
  const imports = new Set<string>();
  const units = collectUnits(root, protoDir, imports);
  const unitOf = new Map(units.map((u) => [u.type, u]));
  const writer = new BundleWriter(unitOf, protoDir);
  const body = units.map((u) => writer.declaration(u.type, u.name, 0)).join('\n');
  const rootMarker = writer.rootMarkerNeeded(root);
  const header = [
    `// Bundled by herald: ${protoName(root)} from ${fileOf(root, protoDir)}, with the types it uses`,
    '// copied in, so that a parser that cannot follow imports sees the whole message.',
    ...units.slice(1).map((u) => `//   ${u.name} = ${protoName(u.type)} (${fileOf(u.type, protoDir)})`),
    '',
    'syntax = "proto3";',
    '',
    ...(pkg ? [`package ${pkg};`, ''] : []),
    ...[...imports].sort().map((file) => `import "${file}";`),
    ...(imports.size ? [''] : []),
  ];
  const text = `${header.join('\n')}\n${rootMarker.needed ? writer.markRoot(body, root) : body}`;
  return {
    text,
    included: units.map((u) => protoName(u.type)),
    ...(rootMarker.problem ? { problem: rootMarker.problem } : {}),
  };
}

function collectUnits(root: Type, protoDir: string, imports: Set<string>): Unit[] {
  const first = topLevelOf(root);
  const seen = new Set<NamedType>([first]);
  const queue: NamedType[] = [first];
  for (let i = 0; i < queue.length; i++) {
    const current = queue[i]!;
    if (!isMessageType(current)) continue;
    for (const ref of referencedTypes(current)) {
      const file = fileOf(ref, protoDir);
      if (parserKnownImports.has(file)) {
        imports.add(file);
        continue;
      }
      const unit = topLevelOf(ref);
      if (!seen.has(unit)) {
        seen.add(unit);
        queue.push(unit);
      }
    }
  }
  // Names: same-package types keep theirs; others keep theirs unless taken, then get a package prefix.
  const pkg = packageOf(root);
  const taken = new Set<string>();
  const units: Unit[] = [];
  const ordered = [first, ...sortedBy([...seen].filter((t) => t !== first), protoName)];
  for (const type of ordered.filter((t) => packageOf(t) === pkg)) {
    units.push({ type, name: type.name });
    taken.add(type.name);
  }
  for (const type of ordered.filter((t) => packageOf(t) !== pkg)) {
    const prefixed = packageOf(type).split('.').map((s) => s.charAt(0).toUpperCase() + s.slice(1)).join('') + type.name;
    const name = taken.has(type.name) ? prefixed : type.name;
    units.push({ type, name });
    taken.add(name);
  }
  return [units[0]!, ...sortedBy(units.slice(1), (u) => protoName(u.type))];
}

class BundleWriter {
  readonly #unitOf: Map<NamedType, Unit>;
  readonly #protoDir: string;
  /** Field type strings as written, keyed by the message (short name) that writes them: the parser's root rule. */
  readonly #uses: Array<{ user: Type; typeText: string }> = [];

  constructor(unitOf: Map<NamedType, Unit>, protoDir: string) {
    this.#unitOf = unitOf;
    this.#protoDir = protoDir;
  }

  declaration(type: NamedType, name: string, depth: number): string {
    return isMessageType(type) ? this.#message(type, name, depth) : this.#enum(type, name, depth);
  }

  #message(type: Type, name: string, depth: number): string {
    const pad = '  '.repeat(depth);
    const lines = [...commentLines(type.comment, pad), `${pad}message ${name} {`];
    const emittedOneofs = new Set<string>();
    for (const field of type.fieldsArray) {
      const group = realOneof(field);
      if (!group) {
        lines.push(...this.#field(type, field, depth + 1));
        continue;
      }
      if (emittedOneofs.has(group.name)) continue;
      emittedOneofs.add(group.name);
      lines.push(...commentLines(group.comment, `${pad}  `), `${pad}  oneof ${group.name} {`);
      for (const member of group.fieldsArray) lines.push(...this.#field(type, member, depth + 2));
      lines.push(`${pad}  }`);
    }
    for (const nested of type.nestedArray) {
      if (isMessageType(nested) || isEnumType(nested)) lines.push(this.declaration(nested, nested.name, depth + 1));
    }
    lines.push(...reservedLines(type.reserved, `${pad}  `), `${pad}}`);
    return `${lines.join('\n')}\n`;
  }

  #field(owner: Type, field: Field, depth: number): string[] {
    const pad = '  '.repeat(depth);
    const typeText = field.resolvedType ? this.#reference(owner, field.resolvedType) : field.type;
    this.#uses.push({ user: owner, typeText });
    const label = fieldLabel(field);
    const prefix = label === 'repeated' ? 'repeated ' : label === 'optional' ? 'optional ' : '';
    const type = isMapField(field) ? `map<${field.keyType}, ${typeText}>` : typeText;
    const options = Object.entries(field.options ?? {})
      .filter(([key]) => key !== 'proto3_optional')
      .map(([key, value]) => `${key} = ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
    const suffix = options.length ? ` [${options.join(', ')}]` : '';
    return [...commentLines(field.comment, pad), `${pad}${prefix}${type} ${field.name} = ${field.id}${suffix};`];
  }

  #enum(type: Enum, name: string, depth: number): string {
    const pad = '  '.repeat(depth);
    const lines = [...commentLines(type.comment, pad), `${pad}enum ${name} {`];
    if (type.options?.['allow_alias'] === true) lines.push(`${pad}  option allow_alias = true;`);
    for (const [valueName, number] of Object.entries(type.values)) {
      lines.push(...commentLines(type.comments[valueName], `${pad}  `), `${pad}  ${valueName} = ${number};`);
    }
    lines.push(...reservedLines(type.reserved, `${pad}  `), `${pad}}`);
    return `${lines.join('\n')}\n`;
  }

  /** The shortest name for `target` that resolves to it from inside `owner`, by protobuf scoping. */
  #reference(owner: Type, target: NamedType): string {
    const unit = this.#unitOf.get(topLevelOf(target));
    if (!unit) return protoName(target); // an imported well-known type
    const path = [unit.name, ...nestedPath(target)];
    for (let take = 1; take <= path.length; take++) {
      const candidate = path.slice(path.length - take);
      if (this.#resolve(owner, candidate) === target) return candidate.join('.');
    }
    return path.join('.');
  }

  /** protobuf scoping: search the innermost enclosing scope that has the first segment, then descend. */
  #resolve(owner: Type, segments: string[]): NamedType | undefined {
    const scopes: Array<Type | null> = [];
    for (let scope: Type | null = owner; scope; scope = isMessageType(scope.parent) ? scope.parent : null) scopes.push(scope);
    scopes.push(null); // the package: the top-level units
    for (const scope of scopes) {
      const first = this.#child(scope, segments[0]!);
      if (!first) continue;
      let found: NamedType | undefined = first;
      for (const segment of segments.slice(1)) found = found && isMessageType(found) ? this.#child(found, segment) : undefined;
      return found;
    }
    return undefined;
  }

  #child(scope: Type | null, name: string): NamedType | undefined {
    if (scope === null) return [...this.#unitOf.values()].find((u) => u.name === name)?.type;
    const nested = scope.nested?.[name];
    return isMessageType(nested) || isEnumType(nested) ? nested : undefined;
  }

  /** Mirrors the parser's rule: a root is a message whose short name no other message uses as a field type. */
  rootMarkerNeeded(root: Type): { needed: boolean; problem?: string } {
    const messages = [...this.#unitOf.keys()].flatMap((t) => (isMessageType(t) ? [t, ...nestedMessages(t)] : []));
    const isRoot = (candidate: Type): boolean =>
      !this.#uses.some((use) => use.typeText === candidate.name && use.user.name !== candidate.name);
    const roots = messages.filter(isRoot);
    if (!roots.includes(root)) {
      const users = this.#uses.filter((u) => u.typeText === root.name).map((u) => protoName(u.user));
      return { needed: true, problem: `the parser would not take ${protoName(root)} as root: ${users.join(', ')} refer to it` };
    }
    return { needed: roots.length > 1 };
  }

  /** Adds `// @RootNode` as the last line of the root message's leading comment. */
  markRoot(body: string, root: Type): string {
    const declaration = `message ${this.#unitOf.get(root)?.name ?? root.name} {`;
    const at = body.split('\n').findIndex((line) => line.trimStart() === declaration);
    const lines = body.split('\n');
    const indent = lines[at]!.slice(0, lines[at]!.length - lines[at]!.trimStart().length);
    lines.splice(at, 0, `${indent}// @RootNode`);
    return lines.join('\n');
  }
}

function nestedPath(type: NamedType): string[] {
  const path: string[] = [];
  for (let current: NamedType = type; isMessageType(current.parent); current = current.parent) path.unshift(current.name);
  return path;
}

function nestedMessages(type: Type): Type[] {
  return type.nestedArray.filter(isMessageType).flatMap((n) => [n, ...nestedMessages(n)]);
}

function commentLines(comment: string | null | undefined, pad: string): string[] {
  if (!comment) return [];
  return comment.split('\n').map((line) => (line.trim() ? `${pad}// ${line.trimEnd()}` : `${pad}//`));
}

function reservedLines(reserved: Array<number[] | string> | undefined, pad: string): string[] {
  if (!reserved?.length) return [];
  const ranges = reserved.filter((r): r is number[] => Array.isArray(r));
  const names = reserved.filter((r): r is string => typeof r === 'string');
  const lines: string[] = [];
  if (ranges.length) {
    const text = ranges.map(([from, to]) => (from === to ? `${from}` : `${from} to ${to === 536870911 ? 'max' : to}`));
    lines.push(`${pad}reserved ${text.join(', ')};`);
  }
  if (names.length) lines.push(`${pad}reserved ${names.map((n) => JSON.stringify(n)).join(', ')};`);
  return lines;
}
