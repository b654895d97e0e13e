// Decodes an entry's `data` with the exact schema version its `dataschema` names: the text registered
// in Redis (`herald schemas publish`), else the project's own generated/contract/schemas/<type>.proto
// when its fingerprint matches. Built by protobufjs reflection from that text; read-only.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { canonicalSchemaText, schemaFingerprint, schemaTextPath } from '../codegen/fingerprint.ts';
import type { RedisConnection } from '../runtime/redis/connection.ts';
import { parseDataschema } from '../runtime/core/schema-check.ts';
import { readRegisteredSchema } from '../runtime/redis/schema-registry.ts';

export interface DecodedData {
  /** Where the schema came from: `registry`, `local`, or why there is none. */
  schema: 'registry' | 'local' | 'unknown';
  value?: unknown;
  error?: string;
}

/** The protobufjs type declared by a canonical schema text (google/protobuf imports resolved from protobufjs). */
export function typeFromSchemaText(text: string, typeName: string): protobuf.Type {
  const parsed = protobuf.parse(text, { keepCase: true });
  for (const file of parsed.imports ?? []) {
    const json = protobuf.common.get(file);
    if (json?.nested) parsed.root.addJSON(json.nested);
  }
  parsed.root.resolveAll();
  return parsed.root.lookupType(typeName);
}

export function createSchemaDecoder(redis: RedisConnection, projectRoot: string, outDir = 'generated') {
  const types = new Map<string, { source: 'registry' | 'local'; type: protobuf.Type } | null>();
  const resolveType = async (dataschema: string) => {
    if (types.has(dataschema)) return types.get(dataschema)!;
    const named = parseDataschema(dataschema);
    let found: { source: 'registry' | 'local'; type: protobuf.Type } | null = null;
    if (named) {
      const registered = await readRegisteredSchema(redis, named.type, named.fingerprint).catch(() => undefined);
      const localPath = join(projectRoot, outDir, schemaTextPath(named.type));
      const local = existsSync(localPath) ? canonicalSchemaText(readFileSync(localPath, 'utf8')) : undefined;
      try {
        if (registered !== undefined) found = { source: 'registry', type: typeFromSchemaText(registered, named.type) };
        else if (local !== undefined && schemaFingerprint(local) === named.fingerprint) found = { source: 'local', type: typeFromSchemaText(local, named.type) };
      } catch {
        found = null; // a registered text that does not parse: reported as unknown below
      }
    }
    types.set(dataschema, found);
    return found;
  };
  return async (dataschema: string | undefined, data: Buffer | undefined): Promise<DecodedData> => {
    if (!dataschema || !data) return { schema: 'unknown', error: 'no dataschema or data' };
    const found = await resolveType(dataschema);
    if (!found) return { schema: 'unknown', error: `${dataschema} is neither registered nor this project's generated schema` };
    try {
      return { schema: found.source, value: found.type.toObject(found.type.decode(data), { longs: String, enums: String, bytes: String }) };
    } catch (error) {
      return { schema: found.source, error: `undecodable: ${error instanceof Error ? error.message : String(error)}` };
    }
  };
}
