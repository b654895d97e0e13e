// Connects a service to Redis at start-up with a deadline: node-redis retries forever, which would
// leave a misconfigured service silently not listening. It never logs the URL with its password.
import { connectRedis, connectRedisCluster, HeraldError, type RedisConnection } from 'herald/runtime';
import { safeRedisUrl } from './logging.ts';

/** True for Redis' refusals of the credentials; connectRedis does not retry them before start-up. */
function isAuthRefusal(error: unknown): boolean {
  return error instanceof Error && /^(WRONGPASS|NOAUTH)\b/.test(error.message);
}

/** The user a Redis URL logs in as (`default` when the URL names none). */
export function redisUserOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).username) || 'default';
  } catch {
    return 'default';
  }
}

/** One line that says who was refused and why, without the password. */
export function authRefusalMessage(url: string, error: Error): string {
  const user = redisUserOf(url);
  const cause = error.message.startsWith('NOAUTH')
    ? 'Redis needs a password and REDIS_URL gives none (NOAUTH)'
    : 'wrong password, unknown user or user disabled (WRONGPASS)';
  return `Redis at ${safeRedisUrl(url)} refused user "${user}": ${cause}; check REDIS_URL`;
}

/**
 * 2 s: twice the consumer's 1 s BLOCK (a blocking read must never trip it) and far above any command the
 * services send (sub-millisecond scripts), yet short enough that a paused Redis fails a request quickly.
 */
export const DEFAULT_REDIS_TIMEOUT_MS = 2000;

export async function connectServiceRedis(
  url: string,
  options: {
    name: string;
    timeoutMs?: number;
    /**
     * Longest a command may wait, for a reply (socket timeout) or for a reconnect (offline queue), before
     * it fails and the request answers 503; REDIS_TIMEOUT_MS. Default DEFAULT_REDIS_TIMEOUT_MS.
     */
    commandTimeoutMs?: number;
    log: { warn(obj: object, msg: string): void };
    /** Node URLs of a Redis Cluster (REDIS_CLUSTER_URLS): connect to it instead of `url`. */
    clusterUrls?: string[];
  },
): Promise<RedisConnection> {
  if (options.clusterUrls && options.clusterUrls.length > 0) return connectServiceCluster(options.clusterUrls, options);
  const timeoutMs = options.timeoutMs ?? 15_000;
  let lastError = '';
  let warned = 0;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HeraldError('HERALD_ERR_CONFIG',
      `cannot reach Redis at ${safeRedisUrl(url)} within ${timeoutMs / 1000} s${lastError ? `: ${lastError}` : ''}; check REDIS_URL`, { field: 'REDIS_URL' })), timeoutMs);
  });
  try {
    return await Promise.race([
      connectRedis(url, {
        name: options.name,
        commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS,
        socketTimeoutMs: options.commandTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS,
        onError: (error) => {
          lastError = error.message;
          // A refusal ends start-up with its own line (below); it is not a reconnect.
          if (isAuthRefusal(error)) return;
          // Reconnects are frequent while Redis is down; one line per 10 failures is enough.
          if (warned++ % 10 === 0) options.log.warn({ err: error.message, redis: safeRedisUrl(url) }, 'redis connection error; reconnecting');
        },
      }),
      deadline,
    ]);
  } catch (error) {
    if (isAuthRefusal(error)) throw new HeraldError('HERALD_ERR_CONFIG', authRefusalMessage(url, error as Error), { field: 'REDIS_URL', user: redisUserOf(url) });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Connects to a Redis Cluster (REDIS_CLUSTER_URLS) with the same start-up deadline; the credentials of the
 * first URL log in on every node. REDIS_TIMEOUT_MS bounds its commands as on one node: every node
 * connection gets the socket timeout (a paused or blackholed master fails the commands sent to it with
 * SocketTimeoutError, and commands to the other masters go on) and the command timeout (the wait in a
 * node's offline queue while it reconnects).
 */
async function connectServiceCluster(urls: string[], options: { name: string; timeoutMs?: number; commandTimeoutMs?: number; log: { warn(obj: object, msg: string): void } }): Promise<RedisConnection> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const first = new URL(urls[0]!);
  const credentials = {
    ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
    ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
  };
  let lastError = '';
  let warned = 0;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HeraldError('HERALD_ERR_CONFIG',
      `cannot reach the Redis Cluster at ${urls.map(safeRedisUrl).join(', ')} within ${timeoutMs / 1000} s${lastError ? `: ${lastError}` : ''}; check REDIS_CLUSTER_URLS`, { field: 'REDIS_CLUSTER_URLS' })), timeoutMs);
  });
  try {
    return await Promise.race([
      connectRedisCluster(urls, {
        name: options.name,
        ...credentials,
        commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS,
        socketTimeoutMs: options.commandTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS,
        onError: (error) => {
          lastError = error.message;
          if (warned++ % 10 === 0) options.log.warn({ err: error.message }, 'redis cluster connection error; reconnecting');
        },
      }),
      deadline,
    ]);
  } catch (error) {
    if (isAuthRefusal(error)) throw new HeraldError('HERALD_ERR_CONFIG', authRefusalMessage(urls[0]!, error as Error).replace('check REDIS_URL', 'check REDIS_CLUSTER_URLS'), { field: 'REDIS_CLUSTER_URLS', user: redisUserOf(urls[0]!) });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A command-line tool's connection (rebuild, drift check): the Redis Cluster of REDIS_CLUSTER_URLS when set
 * (the first URL's credentials on every node), else `url`.
 */
export async function connectToolRedis(url: string, env: Record<string, string | undefined>, options: { name: string; commandTimeoutMs?: number }): Promise<RedisConnection> {
  const urls = (env.REDIS_CLUSTER_URLS ?? '').split(',').map((u) => u.trim()).filter((u) => u.length > 0);
  if (urls.length === 0) return connectRedis(url, { name: options.name, ...(options.commandTimeoutMs !== undefined ? { commandTimeoutMs: options.commandTimeoutMs } : {}) });
  const first = new URL(urls[0]!);
  return connectRedisCluster(urls, {
    name: options.name,
    ...(options.commandTimeoutMs !== undefined ? { commandTimeoutMs: options.commandTimeoutMs } : {}),
    ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
    ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
  });
}
