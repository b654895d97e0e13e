// A Redis Cluster behind the runtime's connection type: node-redis `createCluster` with bulk strings as
// Buffers, routing each command by its first key, so the producer, consumer, relay and partition group
// run unchanged on a cluster. A MULTI or pipeline goes to the slot of its first key, so every command
// in it must share that key's hash tag (DESIGN.md §4: multi-key work stays within one hash tag).
// It never splits a transaction across slots: Redis would refuse it with CROSSSLOT, and so do we.
import { createCluster, RESP_TYPES } from 'redis';
import { HeraldError } from '../core/errors.ts';
import type { RedisConnection } from './connection.ts';

export interface ClusterConnectOptions {
  /** CLIENT SETNAME on every node connection. */
  name?: string;
  onError?: (error: Error) => void;
  /** Password of the default user (or `username` + password) on every node. */
  username?: string;
  password?: string;
  /**
   * node-redis' per-command timeout (`commandOptions.timeout`) in ms: how long a command may wait to be
   * written, in a node's offline queue during a reconnect. It never bounds the reply. Absent: node-redis'
   * default (5000); 0: none.
   */
  commandTimeoutMs?: number;
  /**
   * Every node connection's socket timeout (`socket.socketTimeout`, and the TCP connect timeout): a node
   * that sends nothing for this many ms has its socket closed and the commands waiting on it fail with
   * node-redis' SocketTimeoutError. A PING every third of it keeps an idle connection from tripping it.
   * It must exceed every blocking read's BLOCK time. Absent or 0: none.
   */
  socketTimeoutMs?: number;
}

type Args = ReadonlyArray<string | Buffer>;

const text = (value: string | Buffer | undefined): string => (value === undefined ? '' : value.toString());

/**
 * The key a command is routed by: its first key, per the command's key spec. Commands with no key
 * (PING, FUNCTION LOAD, ACL ...) return undefined and go to any node.
 */
export function firstKey(args: Args): string | Buffer | undefined {
  const command = text(args[0]).toUpperCase();
  switch (command) {
    case 'XREADGROUP':
    case 'XREAD': {
      const at = args.findIndex((a, i) => i > 0 && text(a).toUpperCase() === 'STREAMS');
      return at < 0 ? undefined : args[at + 1];
    }
    case 'XGROUP':
    case 'XINFO':
    case 'OBJECT':
    case 'MEMORY':
      return args[2];
    case 'FCALL':
    case 'FCALL_RO':
    case 'EVAL':
    case 'EVALSHA':
      return Number(text(args[2])) > 0 ? args[3] : undefined;
    case 'PING':
    case 'FUNCTION':
    case 'SCRIPT':
    case 'ACL':
    case 'INFO':
    case 'CLIENT':
    case 'CONFIG':
    case 'DBSIZE':
    case 'CLUSTER':
    case 'WAIT':
      return undefined;
    default:
      return args[1];
  }
}

/** CRC16/XMODEM, the hash Redis Cluster uses for key slots. */
function crc16(bytes: Buffer): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The cluster slot of a key: CRC16 of its hash tag (the first non-empty `{...}`) or of the whole key, mod 16384. */
export function keySlot(key: string | Buffer): number {
  const bytes = Buffer.isBuffer(key) ? key : Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) % 16384;
  }
  return crc16(bytes) % 16384;
}

const READ_ONLY = new Set(['GET', 'MGET', 'HGET', 'HGETALL', 'HMGET', 'HVALS', 'XRANGE', 'XREVRANGE', 'XLEN', 'XINFO', 'XPENDING', 'ZRANGE', 'ZSCORE', 'SMEMBERS', 'SISMEMBER', 'EXISTS', 'TTL', 'PTTL', 'FCALL_RO']);

function createBufferCluster(rootUrls: string[], options: ClusterConnectOptions) {
  return createCluster({
    rootNodes: rootUrls.map((url) => ({ url })),
    defaults: {
      ...(options.name ? { name: options.name } : {}),
      ...(options.username ? { username: options.username } : {}),
      ...(options.password ? { password: options.password } : {}),
      ...(options.socketTimeoutMs ? { pingInterval: Math.max(100, Math.floor(options.socketTimeoutMs / 3)) } : {}),
      socket: {
        ...(options.socketTimeoutMs ? { socketTimeout: options.socketTimeoutMs, connectTimeout: options.socketTimeoutMs } : {}),
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 6), 2000),
      },
    },
    ...(options.commandTimeoutMs !== undefined ? { commandOptions: { timeout: options.commandTimeoutMs } } : {}),
  }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}

type BufferCluster = ReturnType<typeof createBufferCluster>;

const isMoved = (reply: unknown): boolean => reply instanceof Error && reply.message.startsWith('MOVED ');

/** Queues commands and sends them as one MULTI (exec) or one pipeline (execAsPipeline) to the first key's slot. */
class ClusterBatch {
  readonly #cluster: BufferCluster;
  readonly #commands: Args[] = [];
  constructor(cluster: BufferCluster) {
    this.#cluster = cluster;
  }
  addCommand(args: Args): this {
    this.#commands.push(args);
    return this;
  }
  async exec(): Promise<unknown[]> {
    return this.#run(false);
  }
  async execAsPipeline(): Promise<unknown[]> {
    return this.#run(true);
  }
  async #run(asPipeline: boolean): Promise<unknown[]> {
    if (this.#commands.length === 0) return [];
    const routing = this.#commands.map(firstKey).find((k) => k !== undefined);
    const send = async () => {
      const multi = this.#cluster.multi(routing);
      for (const args of this.#commands) multi.addCommand(firstKey(args) ?? routing, READ_ONLY.has(text(args[0]).toUpperCase()), args as (string | Buffer)[]);
      return (asPipeline ? await multi.execAsPipeline() : await multi.exec()) as unknown[];
    };
    if (!asPipeline) return send();
    try {
      return await send();
    } catch (error) {
      // node-redis follows MOVED and ASK for single commands and MULTI, but not inside a pipeline, which
      // rejects with its first error reply: a slot that moved to another master (a reshard) answers MOVED,
      // and the slot map stays stale. Refresh it from the master the reply names (a replica or another
      // master may not know of the move yet). When every keyed command is in that one slot, all of them
      // were refused (none ran): send the pipeline again, once, to the new master. Otherwise the error
      // stands (MOVED and ASK are infrastructure errors: the caller retries).
      if (!isMoved(error) || routing === undefined) throw error;
      const slots = this.#cluster._slots;
      const owner = slots.getMasterByAddress(/^MOVED \d+ (\S+)/.exec((error as Error).message)?.[1] ?? '');
      await slots.rediscover((owner ? await owner : undefined) as Parameters<typeof slots.rediscover>[0]);
      const slot = keySlot(routing);
      if (!this.#commands.every((args) => { const key = firstKey(args); return key === undefined || keySlot(key) === slot; })) throw error;
      return send();
    }
  }
}

/**
 * Connects to a Redis Cluster and returns it as a RedisConnection. Supported: sendCommand, multi (with
 * addCommand, exec, execAsPipeline), duplicate (for blocking reads), close, destroy: everything the
 * runtime calls. Other client methods are absent, so calling one fails at once.
 */
export async function connectRedisCluster(rootUrls: string[], options: ClusterConnectOptions = {}): Promise<RedisConnection> {
  if (rootUrls.length === 0) throw new HeraldError('HERALD_ERR_CONFIG', 'a Redis Cluster connection needs at least one node URL');
  const cluster = createBufferCluster(rootUrls, options);
  cluster.on('error', options.onError ?? (() => {}));
  await cluster.connect();
  return wrap(cluster, rootUrls, options);
}

function wrap(cluster: BufferCluster, rootUrls: string[], options: ClusterConnectOptions): RedisConnection {
  const facade = {
    isCluster: true as const,
    sendCommand: (args: Args) => {
      const verb = text(args[0]).toUpperCase();
      return cluster.sendCommand(firstKey(args), READ_ONLY.has(verb), args as (string | Buffer)[]);
    },
    multi: () => new ClusterBatch(cluster),
    /** Sends a keyless admin command (FUNCTION LOAD, ...) to every master; replicas get it by replication. */
    onEveryMaster: async (args: Args) => Promise.all(cluster.masters.map(async (master) => (await cluster.nodeClient(master)).sendCommand(args as (string | Buffer)[]))),
    duplicate: () => {
      const copy = createBufferCluster(rootUrls, options);
      copy.on('error', options.onError ?? (() => {}));
      const duplicate = wrap(copy, rootUrls, options);
      return Object.assign(duplicate, { connect: async () => { await copy.connect(); return duplicate; } });
    },
    ping: () => cluster.sendCommand(undefined, true, ['PING']),
    close: () => cluster.close(),
    quit: () => cluster.close(),
    destroy: () => cluster.destroy(),
    get isOpen() {
      return cluster.isOpen;
    },
    get isReady() {
      return cluster.isOpen;
    },
    on: (event: string, listener: (...args: unknown[]) => void) => {
      cluster.on(event as 'error', listener as (error: Error) => void);
      return facade;
    },
  };
  return facade as unknown as RedisConnection;
}

/** True for a connection made by connectRedisCluster. */
export function isClusterConnection(redis: RedisConnection): boolean {
  return (redis as unknown as { isCluster?: boolean }).isCluster === true;
}

/** Runs a keyless admin command on every master of a cluster connection, or once on a single node. */
export async function sendToEveryMaster(redis: RedisConnection, args: Args): Promise<unknown[]> {
  if (isClusterConnection(redis)) return (redis as unknown as { onEveryMaster(a: Args): Promise<unknown[]> }).onEveryMaster(args);
  return [await redis.sendCommand(args as (string | Buffer)[])];
}
