// Reads service configuration from environment variables, failing with HERALD_ERR_CONFIG naming the
// variable. It never logs values: some are secrets.
import { parseArgs } from 'node:util';
import { HeraldError } from 'herald/runtime';

export type Env = Record<string, string | undefined>;

export function envString(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

export function envOptional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

export function envInt(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HeraldError('HERALD_ERR_CONFIG', `${name} must be an integer between ${min} and ${max}, got "${raw}"`, { field: name });
  }
  return value;
}

/** Roles a process runs, from `--roles=a,b` (or `--roles a,b`) or ROLES; every known role when neither is given. */
export function envRoles<R extends string>(env: Env, argv: readonly string[], known: readonly R[]): R[] {
  // argv may be process.argv (node and script first) or just the options; only --roles matters here.
  const { values } = parseArgs({ args: [...argv], options: { roles: { type: 'string' } }, strict: false, allowPositionals: true });
  const flag = typeof values.roles === 'string' ? values.roles : undefined;
  const raw = flag ?? env.ROLES;
  if (!raw) return [...known];
  const roles = raw.split(',').map((r) => r.trim()).filter(Boolean);
  for (const role of roles) {
    if (!known.includes(role as R)) {
      throw new HeraldError('HERALD_ERR_CONFIG', `unknown role "${role}"; known roles: ${known.join(', ')}`, { field: 'ROLES' });
    }
  }
  return roles as R[];
}

/** The settings every service reads the same way (documented once in docs/services.md). */
export interface BaseServiceConfig<R extends string> {
  host: string;
  port: number;
  redisUrl: string;
  /** When set, state-changing routes need `Authorization: Bearer <token>`. */
  serviceToken?: string;
  /** Outbox entries the relay publishes per round trip. */
  outboxBatch: number;
  logLevel: string;
  /** What this process runs (for example the HTTP API, the outbox relay, or all of them). */
  roles: R[];
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** Fault injection for tests: pause between publish and outbox delete. */
  relayAckDelayMs: number;
  /** A Redis command that gets no reply (or no connection) within this many ms fails; the request answers 503. */
  redisTimeoutMs: number;
}

export function loadBaseServiceConfig<R extends string>(
  env: Env,
  argv: readonly string[],
  defaults: { port: number; roles: readonly R[] },
): BaseServiceConfig<R> {
  const token = envOptional(env, 'SERVICE_TOKEN');
  return {
    host: envString(env, 'HOST', '127.0.0.1'),
    port: envInt(env, 'PORT', defaults.port, 0, 65535),
    redisUrl: envString(env, 'REDIS_URL', 'redis://127.0.0.1:6379'),
    ...(token ? { serviceToken: token } : {}),
    outboxBatch: envInt(env, 'OUTBOX_BATCH', 100, 1, 10_000),
    logLevel: envString(env, 'LOG_LEVEL', 'info'),
    roles: envRoles(env, argv, defaults.roles),
    bodyLimit: envInt(env, 'BODY_LIMIT', 64 * 1024, 1024, 10 * 1024 * 1024),
    relayAckDelayMs: envInt(env, 'RELAY_ACK_DELAY_MS', 0, 0, 60_000),
    redisTimeoutMs: envInt(env, 'REDIS_TIMEOUT_MS', 2000, 1500, 60_000),
  };
}

/** The settings of a service that consumes a channel (documented once in docs/services.md). */
export interface ConsumerSettings {
  /** Consumer name in the service's group: stable per instance so a restart resumes its own pending entries. */
  consumerName: string;
  /** An entry pending this long on a dead consumer is reclaimed by a live one. */
  consumerMinIdleMs: number;
  consumerBatch: number;
  /** Fault injection for tests only: each handled event takes this much longer, so a SIGKILL finds entries in flight. */
  consumerDelayMs: number;
  /** Event ids the inbox keeps (INBOX_WINDOW); older redeliveries are caught by each aggregate's own mark. */
  inboxWindow: number;
}

export function loadConsumerSettings(env: Env, service: string, defaults: { hostname: string; inboxWindow: number }): ConsumerSettings {
  return {
    consumerName: envString(env, 'CONSUMER_NAME', `${service}-${defaults.hostname}`),
    consumerMinIdleMs: envInt(env, 'CONSUMER_MIN_IDLE_MS', 30_000, 100, 3_600_000),
    consumerBatch: envInt(env, 'CONSUMER_BATCH', 200, 1, 10_000),
    consumerDelayMs: envInt(env, 'CONSUMER_DELAY_MS', 0, 0, 60_000),
    inboxWindow: envInt(env, 'INBOX_WINDOW', defaults.inboxWindow, 100, 100_000_000),
  };
}
