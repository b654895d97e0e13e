// Reading Redis replies as plain values: node-redis returns Buffers under Herald's type mapping, and a
// RESP3 map where RESP2 had a flat list. It never interprets what the values mean.

/** A reply element as text: node-redis returns Buffers under Herald's type mapping, strings without it. */
export function text(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value === null || value === undefined) return '';
  return String(value);
}

/** A flat [k1, v1, ...] reply or a RESP3 map as a plain record of texts. */
export function textRecord(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) out[text(reply[i])] = text(reply[i + 1]);
  } else if (reply instanceof Map) {
    for (const [k, v] of reply) out[text(k)] = text(v);
  } else if (reply && typeof reply === 'object') {
    for (const [k, v] of Object.entries(reply)) out[k] = text(v);
  }
  return out;
}
