// Least-privilege Redis users for the reference services: one ACL user per service, allowed only the
// commands its code sends and only on its own keys and channels. It never writes a clear-text password
// into a config file (only SHA-256 hashes) and never reads a password from anywhere but the environment.
import { createHash, randomBytes } from 'node:crypto';
import { deadLetterKey } from '../runtime/redis/stream-names.ts';
import { schemaRegistryPrefix } from '../runtime/redis/schema-registry-keys.ts';

export type ServiceUser = 'catalog' | 'sales';

/** Connection housekeeping every client sends (node-redis: HELLO 3 AUTH ... SETNAME, PING for /health). */
const connection = ['hello', 'auth', 'ping', 'client|setname', 'client|getname', 'client|id', 'select', 'quit', 'reset'];
/** Lua scripts (EVALSHA with SCRIPT LOAD fallback; retention's safe trim uses EVAL). Every command a script calls is checked too. */
const scripting = ['evalsha', 'eval', 'script|load', 'script|exists'];
/** MULTI/EXEC: the dead-letter write and its XACK are one transaction. */
const transactions = ['multi', 'exec', 'discard'];
/** Publishing to an owned channel, relaying an owned outbox, and the safe trim (retention.ts). */
const ownStreams = ['xadd', 'xread', 'xrange', 'xrevrange', 'xlen', 'xdel', 'xtrim', 'xinfo|groups', 'xinfo|stream', 'xpending'];
/** Consuming a channel with a consumer group (consumer.ts), replaying it (replay.ts) and reading lag. */
const groupConsumer = ['xreadgroup', 'xack', 'xautoclaim', 'xclaim', 'xgroup|create', 'xpending', 'xinfo|groups', 'xinfo|stream', 'xrange', 'xrevrange', 'xlen'];

/** What each service's code sends on its own keys (see the key layouts in services/<name>/*.ts). */
const ownKeyCommands: Record<ServiceUser, string[]> = {
  // event-store.ts: LLEN/RPUSH/LRANGE events, ZADD/ZRANGE snapshots and index, HSET/HMGET current, INCR seq.
  catalog: ['llen', 'rpush', 'lrange', 'zadd', 'zrange', 'hset', 'hmget', 'incr'],
  // projection.ts, purchases.ts, replay.ts: movies hash, inbox set, purchases (SET NX), rebuild swap.
  sales: ['hget', 'hset', 'hgetall', 'hvals', 'hlen', 'sismember', 'sadd', 'sunionstore', 'get', 'set', 'del', 'exists', 'rename'],
};

/** The Redis keys and channels of each service, derived from the contract's channel addresses. */
export const serviceScopes: Record<ServiceUser, { ownKeys: string; sends: string[]; receives: string[] }> = {
  catalog: { ownKeys: 'catalog:*', sends: ['catalog.movie.v1'], receives: [] },
  sales: { ownKeys: 'sales:*', sends: ['sales.purchase.v1'], receives: ['catalog.movie.v1'] },
};

/** Every service may read the schema registry (the strict dataschema check looks up unseen fingerprints). */
const registryRead = `(%R~${schemaRegistryPrefix}* +hexists +hget +hkeys)`;

/** The ACL rules of one service user, without its password. */
export function aclRules(user: ServiceUser): string {
  const scope = serviceScopes[user];
  const ownKeys = [scope.ownKeys, ...scope.sends, ...scope.sends.map(deadLetterKey), ...scope.receives.map(deadLetterKey)];
  const commands = [...new Set([...connection, ...scripting, ...transactions, ...ownStreams, ...ownKeyCommands[user]])];
  const root = ['resetkeys', 'resetchannels', '-@all', ...commands.map((c) => `+${c}`), ...ownKeys.map((k) => `~${k}`)];
  // A selector per received channel: group commands only, so the service can consume but never XADD there.
  const selectors = scope.receives.map((channel) => `(~${channel} ${groupConsumer.map((c) => `+${c}`).join(' ')})`);
  return [...root, ...selectors, registryRead].join(' ');
}

/** Users for people and tools outside the services (see README "Credentials"). */
export type ToolUser = 'reader' | 'producer';

/** Every channel of the contract, with its dead-letter stream. */
function allChannels(): string[] {
  return [...new Set(Object.values(serviceScopes).flatMap((s) => [...s.sends, ...s.receives]))].sort();
}

/**
 * `reader`: reads every channel, its dead letters and the schema registry (XRANGE, XREAD, XINFO, ...),
 * and can change nothing, not even a consumer group's position (no XREADGROUP). `herald inspect` uses it.
 * `producer`: XADD to any channel of the contract, and reads the registry: for a producer written
 * outside this repository (another language). It cannot read or delete entries, or touch service state.
 */
export function toolAclRules(user: ToolUser): string {
  const channels = allChannels();
  const housekeeping = connection.map((c) => `+${c}`);
  if (user === 'reader') {
    const keys = [...channels, ...channels.map((c) => deadLetterKey(c)), `${schemaRegistryPrefix}*`].map((k) => `%R~${k}`);
    const commands = ['xrange', 'xrevrange', 'xread', 'xlen', 'xinfo|stream', 'xinfo|groups', 'xinfo|consumers', 'xpending', 'hget', 'hgetall', 'hkeys', 'hexists', 'scan', 'type'];
    return ['resetkeys', 'resetchannels', '-@all', ...housekeeping, ...commands.map((c) => `+${c}`), ...keys].join(' ');
  }
  return ['resetkeys', 'resetchannels', '-@all', ...housekeeping, '+xadd', ...channels.map((c) => `~${c}`), registryRead].join(' ');
}

export function passwordHash(password: string): string {
  return createHash('sha256').update(password).digest('hex');
}

/** `user <name> ...` redis.conf lines for both services (and the tool users given a password); passwords appear only as SHA-256 hashes. */
export function aclConfigLines(passwords: Record<ServiceUser, string> & Partial<Record<ToolUser, string>>): string[] {
  const services = (Object.keys(serviceScopes) as ServiceUser[]).map((user) => `user ${user} reset on #${passwordHash(passwords[user])} ${aclRules(user)}`);
  const tools = (['reader', 'producer'] as const).flatMap((user) => (passwords[user] ? [`user ${user} reset on #${passwordHash(passwords[user])} ${toolAclRules(user)}`] : []));
  return [...services, ...tools];
}

/** The `default` user as the operators' account: every right, but only with the admin password. */
export function adminConfigLine(password: string): string {
  return `user default on #${passwordHash(password)} ~* &* +@all`;
}

/** Environment variables that hold each user's password. */
export const passwordVariables = {
  catalog: 'HERALD_REDIS_CATALOG_PASSWORD',
  sales: 'HERALD_REDIS_SALES_PASSWORD',
  admin: 'HERALD_REDIS_ADMIN_PASSWORD',
  reader: 'HERALD_REDIS_READER_PASSWORD',
  producer: 'HERALD_REDIS_PRODUCER_PASSWORD',
} as const;

export interface RedisPasswords {
  catalog: string;
  sales: string;
  /** The `default` user's password: for `herald inspect`/`replay` and operators, never for a service. */
  admin: string;
  /** The read-only `reader` user and the `producer` user, for people and tools (toolAclRules). */
  reader: string;
  producer: string;
  /** Which of them were generated because the environment had none. */
  generated: Array<keyof typeof passwordVariables>;
}

/** Passwords from the environment, or fresh random ones (192 bits) for those not set. */
export function resolveRedisPasswords(env: Record<string, string | undefined> = process.env): RedisPasswords {
  const generated: RedisPasswords['generated'] = [];
  const pick = (name: keyof typeof passwordVariables): string => {
    const value = env[passwordVariables[name]];
    if (value) return value;
    generated.push(name);
    return randomBytes(24).toString('base64url');
  };
  return { catalog: pick('catalog'), sales: pick('sales'), admin: pick('admin'), reader: pick('reader'), producer: pick('producer'), generated };
}

/** `baseUrl` (redis:// or rediss://, host and port) with `user:password` put in. */
export function redisUrlFor(baseUrl: string, user: string, password: string): string {
  const url = new URL(baseUrl);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  return url.toString().replace(/\/$/, '');
}
