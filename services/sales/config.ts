// Sales' configuration, read from the environment once at start-up (documented in docs/services.md).
// Secrets have no default.
import { hostname } from 'node:os';
import { defaultInboxWindow } from 'herald/runtime';
import { loadBaseServiceConfig, loadConsumerSettings, type BaseServiceConfig, type ConsumerSettings, type Env } from '../shared/env.ts';
import manifest from './manifest.json' with { type: 'json' };

export const salesRoles = ['api', 'consumer', 'relay'] as const;
export type SalesRole = (typeof salesRoles)[number];

export interface SalesConfig extends BaseServiceConfig<SalesRole>, ConsumerSettings {}

export function loadSalesConfig(env: Env = process.env, argv: readonly string[] = process.argv): SalesConfig {
  return {
    ...loadBaseServiceConfig(env, argv, { port: manifest.port, roles: salesRoles }),
    ...loadConsumerSettings(env, manifest.name, { hostname: hostname(), inboxWindow: defaultInboxWindow }),
  };
}
