// Index of a contract's protobuf types: where each is declared, its fields, and which types use it,
// so a buf finding on `Movie` can be traced to every AsyncAPI message that carries a Movie. Read-only.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';

export interface ProtoTypeInfo {
  fullName: string;
  kind: 'message' | 'enum';
  /** Repository-relative file, as buf prints it (`proto/herald/...`). */
  file: string;
  fields: { name: string; number: number; typeName?: string }[];
}

export interface ProtoGraph {
  types: Map<string, ProtoTypeInfo>;
  /** True when `rootType` is `target` or reaches it through its fields (transitively). */
  uses(rootType: string, target: string): boolean;
  /** The full name of a type declared in `file` under its short (possibly nested, dotted) name. */
  resolve(file: string, shortName: string): string | undefined;
}

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
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      const fullName = nested.fullName.replace(/^\./, '');
      if (nested instanceof protobuf.Type) {
        types.set(fullName, {
          fullName,
          kind: 'message',
          file: relFile(nested.filename),
          fields: nested.fieldsArray.map((f) => ({
            name: f.name,
            number: f.id,
            ...(f.resolvedType ? { typeName: f.resolvedType.fullName.replace(/^\./, '') } : {}),
          })),
        });
      } else if (nested instanceof protobuf.Enum) {
        types.set(fullName, { fullName, kind: 'enum', file: relFile(nested.filename), fields: [] });
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
  return { types, uses: (r, t) => uses(r, t), resolve };
}
