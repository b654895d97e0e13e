// Redis connection for the runtime: node-redis with bulk strings mapped to Buffer, so protobuf bytes
// survive intact (without the mapping, invalid UTF-8 is replaced and data is corrupted).
import { createClient, RESP_TYPES, type RedisClientOptions } from 'redis';
import type { WireValue } from '../core/types.ts';

function createBufferClient(options: RedisClientOptions) {
  return createClient(options).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}

/** A connected node-redis client whose bulk replies are Buffers. */
export type RedisConnection = ReturnType<typeof createBufferClient>;

/** A Redis reply field or argument as the runtime passes it around. */
export type RedisValue = WireValue;

export interface ConnectOptions {
  /** CLIENT SETNAME, visible in CLIENT LIST; helps find a stuck consumer. */
  name?: string;
  /** Called on connection errors; node-redis reconnects by itself. Default: ignore (reconnect). */
  onError?: (error: Error) => void;
  /**
   * node-redis's per-command timeout in ms (its default, 5000, when absent; 0 = none). It only bounds
   * how long a command waits to be written (the offline queue during a reconnect), never the reply,
   * yet it arms an AbortSignal timer per command: with many commands in flight that halved
   * throughput in bench/ (52k -> 115k commands/s at 64 in flight with 0). Batch jobs such as a
   * projection rebuild should pass 0; request paths may keep the default so a Redis outage fails
   * them after 5 s instead of queueing them until the reconnect.
   */
  commandTimeoutMs?: number;
  /**
   * Closes the socket (and fails the commands waiting on it) when nothing arrives for this many ms, so a
   * paused or blackholed Redis fails requests instead of hanging them; node-redis' `socket.socketTimeout`.
   * A PING every third of it keeps an idle connection from tripping it. It must exceed every blocking
   * read's BLOCK time and the slowest legitimate command. Absent or 0: no socket timeout.
   */
  socketTimeoutMs?: number;
  /** TLS options for `rediss://` URLs (for example a CA bundle). */
  tls?: { ca?: string | Buffer; rejectUnauthorized?: boolean };
}

/** Connects to `url` (`redis://` or `rediss://`, credentials in the URL or the environment). */
export async function connectRedis(url: string, options: ConnectOptions = {}): Promise<RedisConnection> {
  const tls = url.startsWith('rediss://');
  // Refused credentials will not fix themselves: before the first successful connection they end
  // connect() with Redis' WRONGPASS/NOAUTH error instead of retrying forever. After that a reconnect
  // keeps retrying whatever the cause, so a running consumer survives a Redis restart.
  let connectedOnce = false;
  const client = createBufferClient({
    url,
    ...(options.name ? { name: options.name } : {}),
    ...(options.commandTimeoutMs !== undefined ? { commandOptions: { timeout: options.commandTimeoutMs } } : {}),
    ...(options.socketTimeoutMs ? { pingInterval: Math.max(100, Math.floor(options.socketTimeoutMs / 3)) } : {}),
    socket: {
      ...(options.socketTimeoutMs ? { socketTimeout: options.socketTimeoutMs, connectTimeout: options.socketTimeoutMs } : {}),
      // Back off to 2 s between reconnects; never give up, a consumer must survive a Redis restart.
      reconnectStrategy: (retries: number, cause: Error) =>
        !connectedOnce && isRedisAuthError(cause) ? cause : Math.min(50 * 2 ** Math.min(retries, 6), 2000),
      ...(tls ? { tls: true as const, ...(options.tls ?? {}) } : {}),
    },
  });
  client.on('error', options.onError ?? (() => {}));
  client.once('ready', () => (connectedOnce = true));
  try {
    await client.connect();
  } catch (error) {
    // node-redis wraps the refusal (ReconnectStrategyError); hand back Redis' own reply.
    const cause = (error as { originalError?: unknown }).originalError;
    throw cause instanceof Error ? cause : error;
  }
  return client;
}

/** True for Redis' refusals of the credentials (WRONGPASS, NOAUTH): retrying cannot help. */
function isRedisAuthError(error: unknown): boolean {
  return error instanceof Error && /^(WRONGPASS|NOAUTH)\b/.test(error.message);
}

/** A second connection with the same options: blocking reads must not stall other commands. */
export async function duplicateConnection(redis: RedisConnection, name?: string): Promise<RedisConnection> {
  const copy = redis.duplicate(name ? { name } : {});
  copy.on('error', () => {});
  await copy.connect();
  return copy;
}

/** Closes a connection, waiting for replies already in flight. */
export async function closeConnection(redis: RedisConnection): Promise<void> {
  if (redis.isOpen) await redis.close();
}
