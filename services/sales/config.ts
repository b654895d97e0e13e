// Sales' configuration, read from the environment once at start-up (documented in docs/services.md).
// Secrets have no default.
import { hostname } from 'node:os';
import { defaultInboxWindow } from 'herald/runtime';
import { envInt, envString, loadBaseServiceConfig, type BaseServiceConfig, type Env } from '../shared/env.ts';

export const salesRoles = ['api', 'consumer', 'relay'] as const;
export type SalesRole = (typeof salesRoles)[number];

export interface SalesConfig extends BaseServiceConfig<SalesRole> {
  /** Consumer name in the `sales` group: stable per instance so a restart resumes its own pending entries. */
  consumerName: string;
  /** An entry pending this long on a dead consumer is reclaimed by a live one. */
  consumerMinIdleMs: number;
  consumerBatch: number;
  /** Fault injection for tests only: each handled event takes this much longer, so a SIGKILL finds entries in flight. */
  consumerDelayMs: number;
  /** Event ids the projection's inbox keeps (INBOX_WINDOW); older redeliveries are caught by each row's version and last event id. */
  inboxWindow: number;
}

export function loadSalesConfig(env: Env = process.env, argv: readonly string[] = process.argv): SalesConfig {
  return {
    ...loadBaseServiceConfig(env, argv, { port: 3002, roles: salesRoles }),
    consumerName: envString(env, 'CONSUMER_NAME', `sales-${hostname()}`),
    consumerMinIdleMs: envInt(env, 'CONSUMER_MIN_IDLE_MS', 30_000, 100, 3_600_000),
    consumerBatch: envInt(env, 'CONSUMER_BATCH', 200, 1, 10_000),
    consumerDelayMs: envInt(env, 'CONSUMER_DELAY_MS', 0, 0, 60_000),
    inboxWindow: envInt(env, 'INBOX_WINDOW', defaultInboxWindow, 100, 100_000_000),
  };
}
