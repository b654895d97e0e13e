// Catalog's configuration, read from the environment once at start-up (documented in docs/services.md).
// It never holds defaults that would be wrong in production silently: secrets have no default at all.
import { envInt, envOptional, envRoles, envString, type Env } from '../shared/env.ts';

export const catalogRoles = ['api', 'relay'] as const;
export type CatalogRole = (typeof catalogRoles)[number];

export interface CatalogConfig {
  host: string;
  port: number;
  redisUrl: string;
  /** When set, POST/PATCH routes need `Authorization: Bearer <token>`. */
  serviceToken?: string;
  /** Outbox entries the relay publishes per round trip. */
  outboxBatch: number;
  /** A snapshot of the movie is stored every this many events (0 = never). */
  snapshotEvery: number;
  logLevel: string;
  /** What this process runs: the HTTP API, the outbox relay, or both. */
  roles: CatalogRole[];
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** Fault injection for tests: pause between publish and outbox delete. */
  relayAckDelayMs: number;
}

export function loadCatalogConfig(env: Env = process.env, argv: readonly string[] = process.argv): CatalogConfig {
  const token = envOptional(env, 'SERVICE_TOKEN');
  return {
    host: envString(env, 'HOST', '127.0.0.1'),
    port: envInt(env, 'PORT', 3001, 0, 65535),
    redisUrl: envString(env, 'REDIS_URL', 'redis://127.0.0.1:6379'),
    ...(token ? { serviceToken: token } : {}),
    outboxBatch: envInt(env, 'OUTBOX_BATCH', 100, 1, 10_000),
    snapshotEvery: envInt(env, 'SNAPSHOT_EVERY', 20, 0, 1_000_000),
    logLevel: envString(env, 'LOG_LEVEL', 'info'),
    roles: envRoles(env, argv, catalogRoles),
    bodyLimit: envInt(env, 'BODY_LIMIT', 64 * 1024, 1024, 10 * 1024 * 1024),
    relayAckDelayMs: envInt(env, 'RELAY_ACK_DELAY_MS', 0, 0, 60_000),
  };
}
