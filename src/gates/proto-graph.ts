// Index of a contract's protobuf types: where each is declared, its fields, and which types use it,
// so a buf finding on `Movie` can be traced to every AsyncAPI message that carries a Movie. Read-only.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';

export interface ProtoTypeInfo {
  fullName: string;
  kind: 'message' | 'enum';
  /** Repository-relative file, as buf prints it (`proto/herald/...`). */
  file: string;
  fields: ProtoFieldInfo[];
  /** 1-based line of the declaration in `file`, when found. */
  line?: number;
  /** For a map field's entry type (`Movie.LabelsEntry`): the message that owns the map and the map's JSON name. */
  mapEntry?: { owner: string; jsonName: string };
  /** Enum values (name and number), for enums. */
  values?: { name: string; number: number; line?: number }[];
}

export interface ProtoFieldInfo {
  name: string;
  /** proto3 JSON name (what Pact bodies use), for example `releaseYear`. */
  jsonName: string;
  number: number;
  typeName?: string;
  /** `repeated`, `map` or `singular`. */
  cardinality: 'repeated' | 'map' | 'singular';
  oneof?: string;
  /** 1-based line of the declaration in the type's file, when found. */
  line?: number;
}

export interface ProtoGraph {
  types: Map<string, ProtoTypeInfo>;
  /** True when `rootType` is `target` or reaches it through its fields (transitively). */
  uses(rootType: string, target: string): boolean;
  /** The full name of a type declared in `file` under its short (possibly nested, dotted) name. */
  resolve(file: string, shortName: string): string | undefined;
  /** JSON paths from `rootType` to every field of type `target` (`['movie']` from MovieCreated to Movie; `['']` for itself). */
  pathsTo(rootType: string, target: string): string[];
}

/** Finds declaration lines by scanning the file text: protobufjs keeps no positions. */
function lineOf(text: string[] | undefined, re: RegExp, from = 0): number | undefined {
  if (!text) return undefined;
  for (let i = from; i < text.length; i++) if (re.test(text[i]!)) return i + 1;
  return undefined;
}
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function protoFilesUnder(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...protoFilesUnder(full, base));
    else if (name.endsWith('.proto')) out.push(full);
  }
  return out;
}

/**
 * Loads every .proto under `root/<moduleDir>`. Returns undefined when the protos do not parse: the
 * graph only enriches findings, and buf itself reports the syntax error.
 */
export function loadProtoGraph(root: string, moduleDir = 'proto'): ProtoGraph | undefined {
  const protoDir = path.join(root, moduleDir);
  let files: string[];
  try {
    files = protoFilesUnder(protoDir);
  } catch {
    return undefined;
  }
  const pbRoot = new protobuf.Root();
  pbRoot.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(protoDir, target));
  try {
    pbRoot.loadSync(files, { keepCase: true });
    pbRoot.resolveAll();
  } catch {
    return undefined;
  }
  const types = new Map<string, ProtoTypeInfo>();
  const relFile = (f: string | null) => (f ? path.relative(root, f).split(path.sep).join('/') : '');
  const texts = new Map<string, string[] | undefined>();
  const textOf = (f: string | null): string[] | undefined => {
    if (!f) return undefined;
    if (!texts.has(f)) {
      try {
        texts.set(f, readFileSync(f, 'utf8').split('\n'));
      } catch {
        texts.set(f, undefined);
      }
    }
    return texts.get(f);
  };
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      const fullName = nested.fullName.replace(/^\./, '');
      const text = textOf(nested.filename);
      const keyword = nested instanceof protobuf.Enum ? 'enum' : 'message';
      const declared = lineOf(text, new RegExp(`^\\s*${keyword}\\s+${escapeRe(nested.name)}\\b`));
      if (nested instanceof protobuf.Type) {
        types.set(fullName, {
          fullName,
          kind: 'message',
          file: relFile(nested.filename),
          ...(declared ? { line: declared } : {}),
          fields: nested.fieldsArray.map((f): ProtoFieldInfo => {
            const line = lineOf(text, new RegExp(`\\b${escapeRe(f.name)}\\s*=\\s*${f.id}\\b`), declared ?? 0);
            return {
              name: f.name,
              jsonName: f.options?.json_name ?? protobuf.util.camelCase(f.name),
              number: f.id,
              cardinality: f instanceof protobuf.MapField ? 'map' : f.repeated ? 'repeated' : 'singular',
              ...(f.partOf && !f.partOf.name.startsWith('_') ? { oneof: f.partOf.name } : {}),
              ...(f.resolvedType ? { typeName: f.resolvedType.fullName.replace(/^\./, '') } : {}),
              ...(line ? { line } : {}),
            };
          }),
        });
        // protobufjs has no map entry types; buf names them (`LabelsEntry`), so the graph adds them.
        const owner = types.get(fullName)!;
        for (const field of owner.fields.filter((x) => x.cardinality === 'map')) {
          const pf = nested.fields[field.name] as unknown as protobuf.MapField;
          const entry = `${fullName}.${field.name.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}Entry`;
          types.set(entry, {
            fullName: entry, kind: 'message', file: owner.file, mapEntry: { owner: fullName, jsonName: field.jsonName },
            fields: [
              { name: 'key', jsonName: 'key', number: 1, cardinality: 'singular' },
              { name: 'value', jsonName: 'value', number: 2, cardinality: 'singular', ...(pf.resolvedType ? { typeName: pf.resolvedType.fullName.replace(/^\./, '') } : {}) },
            ],
            ...(field.line ? { line: field.line } : {}),
          });
          field.typeName = entry;
        }
      } else if (nested instanceof protobuf.Enum) {
        const values = Object.entries(nested.values).map(([name, number]) => {
          const line = lineOf(text, new RegExp(`^\\s*${escapeRe(name)}\\s*=`), declared ?? 0);
          return { name, number, ...(line ? { line } : {}) };
        });
        types.set(fullName, { fullName, kind: 'enum', file: relFile(nested.filename), fields: [], values, ...(declared ? { line: declared } : {}) });
      }
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) visit(nested as protobuf.NamespaceBase);
    }
  };
  visit(pbRoot);

  // No memo: contracts are small, and a memo would record false answers cut short by a cycle.
  const uses = (rootType: string, target: string, seen = new Set<string>()): boolean => {
    if (rootType === target) return true;
    if (seen.has(rootType)) return false;
    seen.add(rootType);
    const info = types.get(rootType);
    return !!info?.fields.some((f) => f.typeName !== undefined && uses(f.typeName, target, seen));
  };
  const resolve = (file: string, shortName: string): string | undefined => {
    for (const info of types.values()) {
      if (info.file === file && (info.fullName === shortName || info.fullName.endsWith(`.${shortName}`))) return info.fullName;
    }
    return undefined;
  };
  const pathsTo = (rootType: string, target: string, prefix = '', seen = new Set<string>()): string[] => {
    if (rootType === target) return [prefix];
    if (seen.has(rootType)) return [];
    const info = types.get(rootType);
    if (!info) return [];
    const next = new Set([...seen, rootType]);
    return info.fields.flatMap((f) => {
      if (f.typeName === undefined) return [];
      // A map's JSON is an object keyed by the map key: its values sit one (any) key below the map.
      const segment = info.mapEntry ? (f.name === 'value' ? '*' : '') : f.jsonName;
      if (segment === '') return [];
      const p = prefix ? `${prefix}.${segment}` : segment;
      return f.typeName === target ? [p] : pathsTo(f.typeName, target, p, next);
    });
  };
  return { types, uses: (r, t) => uses(r, t), resolve, pathsTo: (r, t) => pathsTo(r, t) };
}
