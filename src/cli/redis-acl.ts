// Least-privilege Redis users, one per service: allowed only the commands its code and the runtime send,
// only on its own keys and on the channels the contract's operations give it. Which service sends or
// receives which channel comes from asyncapi.yaml (operations with `x-herald-service`); which keys and
// commands are its own comes from its manifest (services/<name>/manifest.json). Nothing here names a
// service or a stream. It never writes a clear-text password into a config file (only SHA-256 hashes)
// and never reads a password from anywhere but the environment.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { HeraldError } from '../runtime/core/errors.ts';
import { schemaRegistryPrefix } from '../runtime/redis/schema-registry-keys.ts';
import { channelStreamKeys, deadLetterKey, groupMembersKey, partitionLeaseKey } from '../runtime/redis/stream-names.ts';
import { readServiceManifests, type ServiceManifest } from './service-manifests.ts';

const defaultRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Connection housekeeping every client sends (node-redis: HELLO 3 AUTH ... SETNAME, PING for /health); on
 * Redis Cluster also CLUSTER SLOTS (the client's map of slots to nodes) and ASKING (following an ASK
 * redirect while a slot migrates). Neither reads or writes a key.
 */
const connection = ['hello', 'auth', 'ping', 'client|setname', 'client|getname', 'client|id', 'select', 'quit', 'reset', 'cluster|slots', 'asking'];
/**
 * Server-side code: only FCALL of the functions the deployer installed (`herald redis setup`). No EVAL,
 * no SCRIPT, no FUNCTION: a service can never run a script body of its own. Every command a function
 * calls is checked against these same rules.
 */
const scripting = ['fcall', 'fcall_ro'];
/**
 * MULTI/EXEC: the dead-letter write and its XACK are one transaction, and so are a park and its XDEL.
 * WAIT: a commit confirmed on the replicas (REDIS_WAIT_REPLICAS, the default on a cluster).
 */
const transactions = ['multi', 'exec', 'discard', 'wait'];
/** Publishing to an owned channel, relaying an owned outbox, and the safe trim (herald_trim_safely). */
const ownStreams = ['xadd', 'xread', 'xrange', 'xrevrange', 'xlen', 'xdel', 'xtrim', 'xinfo|groups', 'xinfo|stream', 'xinfo|consumers', 'xpending'];
/**
 * Consuming a channel with a consumer group (consumer.ts), replaying it (replay.ts) and reading lag.
 * Never XGROUP CREATE: only the deployer creates groups (createConsumerGroups), so a service cannot
 * add a group that holds retention back.
 */
const groupConsumer = ['xreadgroup', 'xack', 'xautoclaim', 'xclaim', 'xpending', 'xinfo|groups', 'xinfo|stream', 'xrange', 'xrevrange', 'xlen'];
/** The partition group's protocol (partition-group.ts): heartbeats in a sorted set, leases as strings. */
const partitionGroupCommands = ['zadd', 'zrange', 'zremrangebyscore', 'zrem', 'set', 'get', 'pexpire', 'del'];
/** Dead-letter streams: a service appends and reads; deleting or trimming dead letters is the operator's. */
const deadLetterWriter = ['xadd', 'xrange', 'xrevrange', 'xlen', 'xinfo|stream'];

/** What one service user may touch: its own key prefix and commands, and the contract's channels. */
export interface ServiceAccess {
  name: string;
  keyPrefix: string;
  redisCommands: string[];
  /** Channel addresses its send operations name. */
  sends: string[];
  /** Channel addresses its receive operations name. */
  receives: string[];
  /** `x-herald-partitions` of the channels above that declare more than one (absent: one stream each). */
  partitions?: Record<string, number>;
}

/** `x-herald-partitions` of every channel of `asyncapiPath` that declares it, by address. */
export function contractPartitions(asyncapiPath: string): Record<string, number> {
  const document = parseYaml(readFileSync(asyncapiPath, 'utf8')) as { channels?: Record<string, { address?: string; 'x-herald-partitions'?: unknown }> };
  const partitions: Record<string, number> = {};
  for (const channel of Object.values(document.channels ?? {})) {
    const count = channel['x-herald-partitions'];
    if (channel.address && typeof count === 'number' && count > 1) partitions[channel.address] = count;
  }
  return partitions;
}

/** Channel addresses each service sends to and receives from, read from the operations of `asyncapiPath`. */
export function contractChannelsByService(asyncapiPath: string): Map<string, { sends: string[]; receives: string[] }> {
  const document = parseYaml(readFileSync(asyncapiPath, 'utf8')) as {
    channels?: Record<string, { address?: string }>;
    operations?: Record<string, { action?: string; channel?: { $ref?: string }; 'x-herald-service'?: string }>;
  };
  const byService = new Map<string, { sends: Set<string>; receives: Set<string> }>();
  for (const [id, operation] of Object.entries(document.operations ?? {})) {
    const service = operation['x-herald-service'];
    const channelId = operation.channel?.$ref?.replace(/^#\/channels\//, '');
    const address = channelId ? document.channels?.[channelId]?.address : undefined;
    if (!service || !address) throw new HeraldError('HERALD_ERR_CONTRACT', `operation ${id} in ${asyncapiPath} names no x-herald-service or no channel address`, { operation: id });
    const entry = byService.get(service) ?? { sends: new Set<string>(), receives: new Set<string>() };
    (operation.action === 'send' ? entry.sends : entry.receives).add(address);
    byService.set(service, entry);
  }
  return new Map([...byService].map(([name, s]) => [name, { sends: [...s.sends].sort(), receives: [...s.receives].sort() }]));
}

/** The access of every service that has a manifest under `root`, with its channels from `root`'s contract. */
export function serviceAccess(root: string = defaultRoot, manifests: ServiceManifest[] = readServiceManifests(root)): ServiceAccess[] {
  const channels = contractChannelsByService(join(root, 'asyncapi.yaml'));
  const partitions = contractPartitions(join(root, 'asyncapi.yaml'));
  return manifests.map((manifest) => ({
    partitions,
    name: manifest.name,
    keyPrefix: manifest.keyPrefix,
    redisCommands: manifest.redisCommands,
    sends: channels.get(manifest.name)?.sends ?? [],
    receives: channels.get(manifest.name)?.receives ?? [],
  }));
}

/** Every service may read the schema registry (the strict dataschema check looks up unseen fingerprints). */
const registryRead = `(%R~${schemaRegistryPrefix}* +hexists +hget +hkeys)`;

/** The ACL rules of one service user, without its password, as ACL SETUSER arguments. */
export function aclRuleTokens(access: ServiceAccess): string[] {
  // A partitioned channel is its partition streams `{a#0}` ... (stream-names.ts), each with its DLQ.
  const streamsOf = (address: string) => channelStreamKeys(address, access.partitions?.[address] ?? 1);
  const ownKeys = [`${access.keyPrefix}:*`, ...access.sends.flatMap(streamsOf)];
  const deadLetters = [...access.sends, ...access.receives].flatMap(streamsOf).map(deadLetterKey);
  const commands = [...new Set([...connection, ...scripting, ...transactions, ...ownStreams, ...access.redisCommands])];
  const root = ['resetkeys', 'resetchannels', '-@all', ...commands.map((c) => `+${c}`), ...ownKeys.map((k) => `~${k}`)];
  // A selector per received channel: group commands only, so the service can consume but never XADD there.
  const selectors = access.receives.flatMap(streamsOf).map((stream) => `(~${stream} ${groupConsumer.map((c) => `+${c}`).join(' ')})`);
  // On a partitioned channel the service's members share the partitions (partition-group.ts): its own
  // member set and its leases, nobody else's.
  const groups = access.receives.filter((address) => (access.partitions?.[address] ?? 1) > 1);
  if (groups.length > 0) {
    const keys = groups.flatMap((address) => [groupMembersKey(address, access.name), ...Array.from({ length: access.partitions![address]! }, (_, p) => partitionLeaseKey(address, access.name, p))]);
    selectors.push(`(${keys.map((k) => `~${k}`).join(' ')} ${partitionGroupCommands.map((c) => `+${c}`).join(' ')})`);
  }
  // Its dead-letter streams: append and read only (no XDEL, XTRIM, DEL).
  if (deadLetters.length > 0) selectors.push(`(${deadLetters.map((k) => `~${k}`).join(' ')} ${deadLetterWriter.map((c) => `+${c}`).join(' ')})`);
  return [...root, ...selectors, registryRead];
}

/** The ACL rules of one service user, without its password, as a redis.conf `user` line says them. */
export function aclRules(access: ServiceAccess): string {
  return aclRuleTokens(access).join(' ');
}

/** Users for people and tools outside the services (see README "Credentials"). */
export type ToolUser = 'reader' | 'producer';

/** Every channel address of the contract (whoever sends or receives it), sorted. */
export function contractChannels(root: string = defaultRoot): string[] {
  const byService = contractChannelsByService(join(root, 'asyncapi.yaml'));
  return [...new Set([...byService.values()].flatMap((s) => [...s.sends, ...s.receives]))].sort();
}

/**
 * `reader`: reads every channel, its dead letters and the schema registry (XRANGE, XREAD, XINFO, ...),
 * and can change nothing, not even a consumer group's position (no XREADGROUP). `herald inspect` uses it.
 * `producer`: XADD to any channel of the contract, and reads the registry: for a producer written
 * outside this repository (another language). It cannot read or delete entries, or touch service state.
 */
export function toolAclRuleTokens(user: ToolUser, channels: string[] = contractChannels()): string[] {
  const housekeeping = connection.map((c) => `+${c}`);
  if (user === 'reader') {
    const keys = [...channels, ...channels.map((c) => deadLetterKey(c)), `${schemaRegistryPrefix}*`].map((k) => `%R~${k}`);
    const commands = ['xrange', 'xrevrange', 'xread', 'xlen', 'xinfo|stream', 'xinfo|groups', 'xinfo|consumers', 'xpending', 'hget', 'hgetall', 'hkeys', 'hexists', 'scan', 'type'];
    return ['resetkeys', 'resetchannels', '-@all', ...housekeeping, ...commands.map((c) => `+${c}`), ...keys];
  }
  return ['resetkeys', 'resetchannels', '-@all', ...housekeeping, '+xadd', ...channels.map((c) => `~${c}`), registryRead];
}

/** The tool user's rules as a redis.conf `user` line says them. */
export function toolAclRules(user: ToolUser, channels: string[] = contractChannels()): string {
  return toolAclRuleTokens(user, channels).join(' ');
}

/**
 * The consumer groups the deployer creates: one per service and channel it receives, named after the
 * service; on a partitioned channel one per partition stream (`{a#0}` ... `{a#n-1}`).
 */
export function consumerGroups(access: ServiceAccess[] = serviceAccess()): Array<{ stream: string; group: string }> {
  return access.flatMap((a) => a.receives.flatMap((address) => channelStreamKeys(address, a.partitions?.[address] ?? 1).map((stream) => ({ stream, group: a.name }))));
}

/**
 * Creates every service's consumer group (from the start of the stream, MKSTREAM) as the deployer, with
 * an admin connection; a group that exists is left as it is. Returns the groups it created.
 */
export async function createConsumerGroups(admin: { sendCommand(args: string[]): Promise<unknown> }, access: ServiceAccess[] = serviceAccess()): Promise<string[]> {
  const created: string[] = [];
  for (const { stream, group } of consumerGroups(access)) {
    try {
      await admin.sendCommand(['XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM']);
      created.push(`${stream}/${group}`);
    } catch (error) {
      if (!String(error).includes('BUSYGROUP')) throw error;
    }
  }
  return created;
}

export function passwordHash(password: string): string {
  return createHash('sha256').update(password).digest('hex');
}

/** Each user's password, by user name; the tool users' when they have one. */
export interface PasswordSource {
  of(user: string): string;
  readonly reader?: string;
  readonly producer?: string;
}

/** `user <name> ...` redis.conf lines for every service (and the tool users given a password); passwords appear only as SHA-256 hashes. */
export function aclConfigLines(passwords: PasswordSource, access: ServiceAccess[] = serviceAccess()): string[] {
  const services = access.map((a) => `user ${a.name} reset on #${passwordHash(passwords.of(a.name))} ${aclRules(a)}`);
  const tools = (['reader', 'producer'] as const).flatMap((user) => {
    const password = passwords[user];
    return password ? [`user ${user} reset on #${passwordHash(password)} ${toolAclRules(user)}`] : [];
  });
  return [...services, ...tools];
}

/** The `default` user as the operators' account: every right, but only with the admin password. */
export function adminConfigLine(password: string): string {
  return `user default on #${passwordHash(password)} ~* &* +@all`;
}

/** The environment variable that holds a user's password: `HERALD_REDIS_<USER>_PASSWORD`. */
export function passwordVariable(user: string): string {
  return `HERALD_REDIS_${user.toUpperCase()}_PASSWORD`;
}

export interface RedisPasswords extends PasswordSource {
  /** The `default` user's password: for `herald inspect`/`replay`/`redis setup` and operators, never for a service. */
  readonly admin: string;
  /** The read-only `reader` user and the `producer` user, for people and tools (toolAclRules). */
  readonly reader: string;
  readonly producer: string;
  /** Every service user's password, by name. */
  readonly users: ReadonlyMap<string, string>;
  /** The variables that were unset, so their passwords were generated. */
  readonly generated: string[];
}

/** Passwords from the environment, or fresh random ones (192 bits) for those not set: one per service user, the admin's and the tool users'. */
export function resolveRedisPasswords(env: Record<string, string | undefined> = process.env, users: string[] = serviceAccess().map((a) => a.name)): RedisPasswords {
  const generated: string[] = [];
  const pick = (user: string): string => {
    const value = env[passwordVariable(user)];
    if (value) return value;
    generated.push(passwordVariable(user));
    return randomBytes(24).toString('base64url');
  };
  const map = new Map(users.map((user) => [user, pick(user)]));
  const others = { admin: pick('admin'), reader: pick('reader'), producer: pick('producer') };
  return {
    ...others,
    users: map,
    generated,
    of(user) {
      const password = map.get(user) ?? (Object.hasOwn(others, user) ? others[user as keyof typeof others] : undefined);
      if (password === undefined) throw new HeraldError('HERALD_ERR_CONFIG', `no Redis user "${user}": no services/${user}/manifest.json`, { user });
      return password;
    },
  };
}

/** `baseUrl` (redis:// or rediss://, host and port) with `user:password` put in. */
export function redisUrlFor(baseUrl: string, user: string, password: string): string {
  const url = new URL(baseUrl);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  return url.toString().replace(/\/$/, '');
}
