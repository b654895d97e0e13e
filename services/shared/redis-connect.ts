// Connects a service to Redis at start-up with a deadline: node-redis retries forever, which would
// leave a misconfigured service silently not listening. It never logs the URL with its password.
import { connectRedis, HeraldError, type RedisConnection } from 'herald/runtime';
import { safeRedisUrl } from './logging.ts';

export async function connectServiceRedis(
  url: string,
  options: { name: string; timeoutMs?: number; log: { warn(obj: object, msg: string): void } },
): Promise<RedisConnection> {
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
        onError: (error) => {
          lastError = error.message;
          // Reconnects are frequent while Redis is down; one line per 10 failures is enough.
          if (warned++ % 10 === 0) options.log.warn({ err: error.message, redis: safeRedisUrl(url) }, 'redis connection error; reconnecting');
        },
      }),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
