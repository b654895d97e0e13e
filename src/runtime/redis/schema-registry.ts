// The schema registry in Redis: every released version's fingerprint and canonical schema text per
// message type (keys in schema-registry-keys.ts). Read by consumers (strict dataschema check) and
// `herald inspect`; written only by `herald schemas publish`, as the deployer.
import type { SchemaLookup } from '../core/schema-check.ts';
import type { RedisConnection } from './connection.ts';
import { schemaReleasesKey, schemaTextKey } from './schema-registry-keys.ts';

export interface RegisteredSchema {
  /** Full protobuf name. */
  type: string;
  fingerprint: string;
  /** Canonical schema text: its SHA-256 starts with `fingerprint`. */
  text: string;
  /** Releases that carry it, for example `v1.0.0` or `current`. */
  releases: string[];
}

/** A SchemaLookup over the registry: HEXISTS on the type's hash. */
export function redisSchemaLookup(redis: RedisConnection): SchemaLookup {
  return async (type, fingerprint) => Number(await redis.sendCommand(['HEXISTS', schemaTextKey(type), fingerprint])) === 1;
}

/** The schema text of one registered version, or undefined. */
export async function readRegisteredSchema(redis: RedisConnection, type: string, fingerprint: string): Promise<string | undefined> {
  const reply = await redis.sendCommand(['HGET', schemaTextKey(type), fingerprint]);
  return reply === null || reply === undefined ? undefined : String(reply);
}

/** Registers versions (idempotent: HSET of the text; release names merged with those already there). */
export async function publishSchemas(redis: RedisConnection, schemas: RegisteredSchema[]): Promise<void> {
  for (const schema of schemas) {
    const previous = await redis.sendCommand(['HGET', schemaReleasesKey(schema.type), schema.fingerprint]);
    const releases = new Set([...(previous ? String(previous).split(' ') : []), ...schema.releases]);
    await redis.multi()
      .addCommand(['HSET', schemaTextKey(schema.type), schema.fingerprint, schema.text])
      .addCommand(['HSET', schemaReleasesKey(schema.type), schema.fingerprint, [...releases].sort().join(' ')])
      .exec();
  }
}
