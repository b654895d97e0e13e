// The producer's own write path for a single Redis node: one extra socket per node-redis connection,
// on which the producer writes XADD (and WAIT) commands it encoded to RESP bytes itself, one write per
// batch, and reads their replies. node-redis writes every argument of every command as its own chunk
// and builds a promise per command; that client cost, not Redis, bounded the producer (docs/benchmarks.md
// §2). It opens with the credentials, database, name, TLS and socket timeout of the node-redis
// connection it belongs to. Anything it cannot do as node-redis would (a cluster, a streaming
// credentials provider, RESP3, a client not yet ready, an offline or failed socket) it declines
// (`ready()` is false) and the producer sends through node-redis, which queues, reconnects and times
// out as it always does; meanwhile this socket reconnects in the background.
import net from 'node:net';
import tls from 'node:tls';
import { ErrorReply, SocketClosedUnexpectedlyError, SocketTimeoutError } from 'redis';
import type { RedisConnection } from './connection.ts';

/** A reply the producer's commands get: a bulk or simple string, an integer, null, or Redis' error. */
export type AppendReply = string | number | null | ErrorReply;

interface Pending {
  count: number;
  replies: AppendReply[];
  resolve(replies: AppendReply[]): void;
  reject(error: Error): void;
}

interface NodeRedisOptions {
  socket?: { host?: string; port?: number; path?: string; tls?: boolean; socketTimeout?: number; connectTimeout?: number } & tls.ConnectionOptions;
  credentialsProvider?: { type: string; credentials?: () => Promise<{ username?: string; password?: string }> };
  database?: number;
  name?: string;
  RESP?: number;
}

const CRLF = '\r\n';
/** A reconnect waits this long after a failed attempt (node-redis' own backoff starts at 50 ms). */
const RETRY_MS = 200;

function command(args: ReadonlyArray<string>): Buffer {
  let text = `*${args.length}${CRLF}`;
  for (const arg of args) text += `$${Buffer.byteLength(arg)}${CRLF}${arg}${CRLF}`;
  return Buffer.from(text);
}

export class AppendConnection {
  #socket: net.Socket | undefined;
  #ready = false;
  #connecting = false;
  #closed = false;
  #retryAt = 0;
  readonly #pending: Pending[] = [];
  #carry: Buffer | undefined;
  readonly #redis: RedisConnection;
  readonly #options: NodeRedisOptions;

  constructor(redis: RedisConnection, options: NodeRedisOptions) {
    this.#redis = redis;
    this.#options = options;
    // Closing the node-redis connection closes this one too, once the replies in flight have arrived.
    redis.once('end', () => this.close());
  }

  /** True when a batch can be written now; otherwise starts (re)connecting and the caller uses node-redis. */
  ready(): boolean {
    if (this.#ready) return true;
    if (!this.#closed && !this.#connecting && this.#redis.isReady && Date.now() >= this.#retryAt) void this.#connect();
    return false;
  }

  /** Commands in flight on this socket (written, reply not yet read). */
  get inFlight(): number {
    return this.#pending.length;
  }

  /** Writes `bytes` (exactly `count` commands) and resolves to their `count` replies, in order. */
  send(bytes: Buffer, count: number): Promise<AppendReply[]> {
    if (!this.#ready) return Promise.reject(new SocketClosedUnexpectedlyError());
    this.batches++;
    return this.#write(bytes, count);
  }

  /** Batches written on this socket so far (diagnostics and tests). */
  batches = 0;

  /** Publishes sent through node-redis on behalf of this connection's producers, not yet answered. */
  clientInFlight = 0;

  #write(bytes: Buffer, count: number): Promise<AppendReply[]> {
    const socket = this.#socket;
    if (!socket) return Promise.reject(new SocketClosedUnexpectedlyError());
    return new Promise((resolve, reject) => {
      if (this.#pending.length === 0) socket.ref();
      this.#pending.push({ count, replies: [], resolve, reject });
      socket.write(bytes);
    });
  }

  /** No new batches; the socket closes once the replies in flight have arrived. */
  close(): void {
    this.#closed = true;
    this.#ready = false;
    if (this.#pending.length === 0) this.#drop();
  }

  async #connect(): Promise<void> {
    this.#connecting = true;
    const options = this.#options;
    const socketOptions = options.socket ?? {};
    let socket: net.Socket | undefined;
    try {
      const handshake: Buffer[] = [];
      const provider = options.credentialsProvider;
      if (provider?.credentials) {
        const { username, password } = await provider.credentials();
        if (username || password) handshake.push(command(username ? ['AUTH', username, password ?? ''] : ['AUTH', password ?? '']));
      }
      if (options.name) handshake.push(command(['CLIENT', 'SETNAME', options.name]));
      if (options.database) handshake.push(command(['SELECT', String(options.database)]));
      socket = await new Promise<net.Socket>((resolve, reject) => {
        const connected = socketOptions.tls
          ? tls.connect({ ...socketOptions, host: socketOptions.host ?? 'localhost', port: socketOptions.port ?? 6379, ...(socketOptions.servername === undefined && socketOptions.host && net.isIP(socketOptions.host) === 0 ? { servername: socketOptions.host } : {}) }, () => resolve(connected))
          : socketOptions.path
            ? net.connect({ path: socketOptions.path }, () => resolve(connected))
            : net.connect({ host: socketOptions.host ?? 'localhost', port: socketOptions.port ?? 6379 }, () => resolve(connected));
        connected.once('error', reject);
        if (socketOptions.connectTimeout) connected.setTimeout(socketOptions.connectTimeout, () => connected.destroy(new Error('Connection timeout')));
      });
      socket.removeAllListeners('error');
      socket.removeAllListeners('timeout');
      socket.setNoDelay(true);
      socket.setTimeout(socketOptions.socketTimeout ?? 0);
      this.#socket = socket;
      this.#carry = undefined;
      // Events of a socket this connection already dropped change nothing.
      const current = socket;
      socket.on('data', (chunk: Buffer) => this.#socket === current && this.#onData(chunk));
      socket.on('error', (error) => this.#socket === current && this.#fail(error));
      socket.on('close', () => this.#socket === current && this.#fail(new SocketClosedUnexpectedlyError()));
      socket.on('timeout', () => {
        if (this.#socket !== current) return;
        // node-redis' socketTimeout: nothing arrived in time. Idle, the socket just closes (reopened on use).
        if (this.#pending.length > 0) this.#fail(new SocketTimeoutError(socketOptions.socketTimeout!));
        else this.#drop();
      });
      if (handshake.length > 0) {
        const replies = await this.#write(Buffer.concat(handshake), handshake.length);
        const refused = replies.find((reply) => reply instanceof Error);
        if (refused) throw refused;
      }
      if (this.#closed) throw new SocketClosedUnexpectedlyError();
      this.#ready = true;
      socket.unref();
    } catch {
      // Whatever failed, node-redis carries the publishes; retry a little later.
      this.#ready = false;
      if (socket) {
        socket.destroy();
        if (this.#socket === socket) this.#socket = undefined;
      }
      this.#retryAt = Date.now() + RETRY_MS;
    } finally {
      this.#connecting = false;
    }
  }

  #drop(): void {
    this.#ready = false;
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.destroy();
  }

  /** Fails every command in flight (their outcome is unknown, as with node-redis) and drops the socket. */
  #fail(error: Error): void {
    this.#drop();
    const pending = this.#pending.splice(0);
    for (const waiting of pending) waiting.reject(error);
  }

  #onData(chunk: Buffer): void {
    let buffer = chunk;
    if (this.#carry) {
      buffer = Buffer.concat([this.#carry, chunk]);
      this.#carry = undefined;
    }
    let offset = 0;
    while (offset < buffer.length && this.#pending.length > 0) {
      const end = buffer.indexOf(10, offset); // the header line's LF
      if (end < 0) break;
      const type = buffer[offset]!;
      let reply: AppendReply;
      let next = end + 1;
      if (type === 36 /* $ */) {
        const length = Number(buffer.toString('latin1', offset + 1, end - 1));
        if (length < 0) reply = null;
        else {
          if (next + length + 2 > buffer.length) break;
          reply = buffer.toString('utf8', next, next + length);
          next += length + 2;
        }
      } else if (type === 43 /* + */) {
        reply = buffer.toString('utf8', offset + 1, end - 1);
      } else if (type === 45 /* - */) {
        reply = new ErrorReply(buffer.toString('utf8', offset + 1, end - 1));
      } else if (type === 58 /* : */) {
        reply = Number(buffer.toString('latin1', offset + 1, end - 1));
      } else {
        // No command the producer sends answers anything else.
        this.#fail(new Error(`unexpected Redis reply type "${String.fromCharCode(type)}" on the producer's connection`));
        return;
      }
      offset = next;
      const waiting = this.#pending[0]!;
      waiting.replies.push(reply);
      if (waiting.replies.length === waiting.count) {
        this.#pending.shift();
        if (this.#pending.length === 0) {
          if (this.#closed) this.#drop();
          else this.#socket?.unref();
        }
        waiting.resolve(waiting.replies);
      }
    }
    if (offset < buffer.length) this.#carry = buffer.subarray(offset);
  }
}

const connections = new WeakMap<object, AppendConnection | null>();

/**
 * The append connection of a node-redis connection, shared by its producers; undefined when this path
 * does not apply (a cluster, RESP3, a streaming credentials provider), then node-redis sends everything.
 */
export function appendConnectionOf(redis: RedisConnection): AppendConnection | undefined {
  let found = connections.get(redis);
  if (found === undefined) {
    const options = (redis as { options?: NodeRedisOptions }).options;
    const eligible = options !== undefined && typeof redis.once === 'function'
      && (options.RESP ?? 2) === 2
      && (options.credentialsProvider === undefined || options.credentialsProvider.type === 'async-credentials-provider');
    found = eligible ? new AppendConnection(redis, options) : null;
    connections.set(redis, found);
  }
  return found ?? undefined;
}
