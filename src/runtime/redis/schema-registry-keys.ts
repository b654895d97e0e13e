// Redis key names of the schema registry (the runtime half of a schema registry; the gates are the CI
// half). Kept apart from stream-names.ts, whose keys derive from a channel; these derive from a message
// type. Names only; never talks to Redis.

/** Prefix shared by every registry key: the ACL rules grant reads on `${schemaRegistryPrefix}*`. */
export const schemaRegistryPrefix = 'herald:schemas:';

/** HASH of one message type: field = 16-hex fingerprint, value = its canonical schema text (UTF-8). */
export function schemaTextKey(protoType: string): string {
  return `${schemaRegistryPrefix}${protoType}`;
}

/** HASH of one message type: field = fingerprint, value = the releases that carry it, space-separated (`v1.0.0 v1.1.0 current`). */
export function schemaReleasesKey(protoType: string): string {
  return `${schemaRegistryPrefix}${protoType}:releases`;
}
