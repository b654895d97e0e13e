// pino options shared by both services: structured JSON logs with every secret redacted.
// Nothing here may print a token, a password or a credentialed Redis URL.
import type { FastifyServerOptions } from 'fastify';

export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.token',
  '*.serviceToken',
  '*.redisUrl',
  'redisUrl',
  'serviceToken',
];

export function loggerOptions(level: string, stream?: { write(line: string): void }): FastifyServerOptions['logger'] {
  if (level === 'silent') return false;
  return { level, redact: { paths: redactedPaths, censor: '[redacted]' }, ...(stream ? { stream } : {}) };
}

/** A Redis URL fit for a log line: the password (and user) replaced. */
export function safeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = 'redacted';
    return parsed.toString();
  } catch {
    return '[unparseable REDIS_URL]';
  }
}
