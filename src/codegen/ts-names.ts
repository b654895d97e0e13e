// How contract names become TypeScript names and output paths. One place, so every emitter agrees on
// what a symbol is called and where it lives. Pure string functions; never touches the file system.
import type { NamedType } from './proto-model.ts';
import { isMessageType, protoName } from './proto-model.ts';

/** `Order.Line` -> `Order_Line` (protobuf-es style for nested types). */
export function tsTypeName(type: NamedType): string {
  const path = [type.name];
  for (let parent = type.parent; isMessageType(parent); parent = parent.parent) path.unshift(parent.name);
  return path.join('_');
}

/** `herald/catalog/movie/v1/events.proto` -> `herald/catalog/movie/v1/events.ts`. */
export function protoOutputPath(protoFile: string): string {
  return protoFile.replace(/\.proto$/, '.ts');
}

export function channelOutputPath(channelId: string): string {
  return `channels/${kebabCase(channelId)}.ts`;
}

export function serviceOutputPath(service: string): string {
  return `services/${kebabCase(service)}.ts`;
}

/** Import specifier from one output file to another, both relative to the output root. */
export function relativeImport(from: string, to: string, extension: string): string {
  const fromDir = from.split('/').slice(0, -1);
  const target = to.split('/');
  let common = 0;
  while (common < fromDir.length && common < target.length - 1 && fromDir[common] === target[common]) common++;
  const up = fromDir.length - common;
  const path = [...(up ? Array<string>(up).fill('..') : ['.']), ...target.slice(common)].join('/');
  return path.replace(/\.ts$/, extension);
}

function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}

export function pascalCase(text: string): string {
  return words(text).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

export function camelCase(text: string): string {
  const pascal = pascalCase(text);
  return pascal.charAt(0).toLowerCase() + pascal.slice(1);
}

export function kebabCase(text: string): string {
  return words(text).map((w) => w.toLowerCase()).join('-');
}

/** Alias for an imported type whose short name clashes: package in PascalCase + name. */
export function qualifiedAlias(type: NamedType): string {
  return pascalCase(protoName(type).split('.').slice(0, -1).join(' ')) + tsTypeName(type);
}

/** A string literal in the generated code's style (single quotes). */
export function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** A property key: bare when it is an identifier, quoted otherwise. */
export function propertyKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : quote(name);
}
