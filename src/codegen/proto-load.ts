// Loads a directory of .proto files (a buf module) into one protobufjs Root, keeping comments and the
// google/protobuf well-known types. It never throws on a bad file: parse errors become diagnostics.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import protobuf from 'protobufjs';
import type { Root } from 'protobufjs';
import type { Diagnostic } from './diagnostics.ts';
import { compareStrings } from './ordering.ts';

export interface ProtoSourceFile {
  /** Path under the proto directory, with forward slashes: `herald/common/v1/money.proto`. */
  path: string;
  source: string;
}

export interface LoadedProtos {
  root: Root;
  files: ProtoSourceFile[];
  diagnostics: Diagnostic[];
}

/** Same options as the AsyncAPI protobuf parser, so comments attach the same way in both. */
export const protoParseOptions = { keepCase: true, alternateCommentMode: true } as const;

export function loadProtoDirectory(protoDir: string): LoadedProtos {
  const diagnostics: Diagnostic[] = [];
  const files = listProtoFiles(protoDir).map((path) => ({ path, source: readFileSync(join(protoDir, path), 'utf8') }));
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => resolveImport(protoDir, target);
  for (const file of files) {
    try {
      root.loadSync(join(protoDir, file.path), protoParseOptions);
    } catch (error) {
      diagnostics.push({ severity: 'error', path: file.path, code: 'proto-parse', message: errorMessage(error) });
    }
  }
  try {
    root.resolveAll();
  } catch (error) {
    diagnostics.push({ severity: 'error', path: protoDir, code: 'proto-resolve', message: errorMessage(error) });
  }
  return { root, files, diagnostics };
}

/** Path of a loaded file relative to the proto directory (`google/protobuf/x.proto` stays as is). */
export function relativeProtoPath(protoDir: string, filename: string): string {
  if (!isAbsolute(filename)) return filename;
  const path = relative(protoDir, filename).split(sep).join('/');
  // Well-known types loaded from protobufjs's own .proto files keep their canonical import path.
  const wellKnown = path.lastIndexOf('google/protobuf/');
  return path.startsWith('../') && wellKnown >= 0 ? path.slice(wellKnown) : path;
}

function resolveImport(protoDir: string, target: string): string {
  if (isAbsolute(target)) return target;
  if (target.startsWith('google/protobuf/')) {
    // protobufjs bundles the common ones (timestamp, field_mask, ...) and short-cuts them by name;
    // the rest (descriptor, api, type, ...) ship as .proto files inside the package.
    if (target in protobuf.common) return target;
    const bundled = join(dirname(requireFromHere.resolve('protobufjs/package.json')), target);
    if (existsSync(bundled)) return bundled;
  }
  return join(protoDir, target);
}

const requireFromHere = createRequire(import.meta.url);

function listProtoFiles(protoDir: string, under = ''): string[] {
  const found: string[] = [];
  const entries = readdirSync(join(protoDir, under), { withFileTypes: true }).sort((a, b) => compareStrings(a.name, b.name));
  for (const entry of entries) {
    const path = under ? `${under}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...listProtoFiles(protoDir, path));
    else if (entry.name.endsWith('.proto')) found.push(path);
  }
  return found;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
