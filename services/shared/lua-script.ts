// A Lua script run with EVALSHA (loaded on first use, reloaded after a SCRIPT FLUSH or a Redis restart).
// It never falls back to EVAL with the full source on every call: the script body crosses the wire once.
import { createHash } from 'node:crypto';
import type { RedisConnection } from 'herald/runtime';

export type RedisArg = string | Buffer;

export class LuaScript {
  readonly source: string;
  readonly sha: string;

  constructor(source: string) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: RedisConnection, keys: readonly RedisArg[], args: readonly RedisArg[]): Promise<unknown> {
    const command = ['EVALSHA', this.sha, String(keys.length), ...keys, ...args];
    try {
      return await redis.sendCommand(command);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      await redis.sendCommand(['SCRIPT', 'LOAD', this.source]);
      return await redis.sendCommand(command);
    }
  }
}

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
