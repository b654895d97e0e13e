// Sales' configuration, read from the environment once at start-up (documented in docs/services.md).
// Secrets have no default.
import { hostname } from 'node:os';
import { envInt, envOptional, envRoles, envString, type Env } from '../shared/env.ts';

export const salesRoles = ['api', 'consumer', 'relay'] as const;
export type SalesRole = (typeof salesRoles)[number];

export interface SalesConfig {
  host: string;
  port: number;
  redisUrl: string;
  serviceToken?: string;
  outboxBatch: number;
  logLevel: string;
  roles: SalesRole[];
  bodyLimit: number;
  /** Consumer name in the `sales` group: stable per instance so a restart resumes its own pending entries. */
  consumerName: string;
  /** An entry pending this long on a dead consumer is reclaimed by a live one. */
  consumerMinIdleMs: number;
  consumerBatch: number;
  relayAckDelayMs: number;
  /** Fault injection for tests only: each handled event takes this much longer, so a SIGKILL finds entries in flight. */
  consumerDelayMs: number;
}

export function loadSalesConfig(env: Env = process.env, argv: readonly string[] = process.argv): SalesConfig {
  const token = envOptional(env, 'SERVICE_TOKEN');
  return {
    host: envString(env, 'HOST', '127.0.0.1'),
    port: envInt(env, 'PORT', 3002, 0, 65535),
    redisUrl: envString(env, 'REDIS_URL', 'redis://127.0.0.1:6379'),
    ...(token ? { serviceToken: token } : {}),
    outboxBatch: envInt(env, 'OUTBOX_BATCH', 100, 1, 10_000),
    logLevel: envString(env, 'LOG_LEVEL', 'info'),
    roles: envRoles(env, argv, salesRoles),
    bodyLimit: envInt(env, 'BODY_LIMIT', 64 * 1024, 1024, 10 * 1024 * 1024),
    consumerName: envString(env, 'CONSUMER_NAME', `sales-${hostname()}`),
    consumerMinIdleMs: envInt(env, 'CONSUMER_MIN_IDLE_MS', 30_000, 100, 3_600_000),
    consumerBatch: envInt(env, 'CONSUMER_BATCH', 200, 1, 10_000),
    relayAckDelayMs: envInt(env, 'RELAY_ACK_DELAY_MS', 0, 0, 60_000),
    consumerDelayMs: envInt(env, 'CONSUMER_DELAY_MS', 0, 0, 60_000),
  };
}
