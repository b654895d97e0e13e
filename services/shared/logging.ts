// pino options shared by every service: one JSON object per line, each carrying the service name and,
// inside a span, its trace_id and span_id; pino-pretty instead when a person watches a terminal.
// Nothing here may print a token, a password, a secret query parameter or a credentialed Redis URL.
import { hostname } from 'node:os';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { FastifyServerOptions } from 'fastify';
import pinoPretty from 'pino-pretty';

export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.token',
  '*.serviceToken',
  '*.redisUrl',
  'redisUrl',
  'serviceToken',
];

const CENSOR = '[redacted]';
/** Query parameters whose value is a secret: names ending in one of these words (access_token, apiKey, ...). */
const secretParameter = /(token|passw(or)?d|pwd|secret|key|auth|authorization|signature|sig|session(_?id)?|credentials?)$/i;

/** A request URL fit for a log line or a span: values of secret-looking query parameters replaced. */
export function redactUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const query = url.slice(mark + 1).split('&').map((pair) => {
    const equals = pair.indexOf('=');
    const rawName = equals < 0 ? pair : pair.slice(0, equals);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      // An undecodable name is judged as written.
    }
    return equals >= 0 && secretParameter.test(name) ? `${rawName}=${CENSOR}` : pair;
  });
  return `${url.slice(0, mark)}?${query.join('&')}`;
}

/** The active span's ids, as the OpenTelemetry log data model names them; nothing outside a span. */
export function traceFields(): Record<string, string> {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    trace_flags: (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0'),
  };
}

export type LogFormat = 'json' | 'pretty';

/** `LOG_FORMAT` when set, else pretty on a terminal and JSON otherwise (a pipe, a file, a collector). */
export function logFormat(env: Record<string, string | undefined> = process.env, tty = Boolean(process.stdout.isTTY)): LogFormat {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty') return env.LOG_FORMAT;
  return tty ? 'pretty' : 'json';
}

interface RequestLike {
  method: string;
  url: string;
  host?: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

export function loggerOptions(
  service: string,
  level: string,
  stream?: { write(line: string): void },
  format: LogFormat = stream ? 'json' : logFormat(),
): FastifyServerOptions['logger'] {
  if (level === 'silent') return false;
  const destination = stream ?? (format === 'pretty' ? pinoPretty({ colorize: Boolean(process.stdout.isTTY), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }) : undefined);
  return {
    level,
    base: { service, pid: process.pid, hostname: hostname() },
    mixin: traceFields,
    redact: { paths: redactedPaths, censor: CENSOR },
    serializers: {
      req: (request: RequestLike) => ({
        method: request.method,
        url: redactUrl(request.url),
        host: request.host ?? request.hostname,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
    ...(destination ? { stream: destination } : {}),
  };
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
