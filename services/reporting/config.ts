// Reporting's configuration, read from the environment once at start-up (documented in docs/services.md).
import { hostname } from 'node:os';
import { defaultInboxWindow } from 'herald/runtime';
import { loadBaseServiceConfig, loadConsumerSettings, type BaseServiceConfig, type ConsumerSettings, type Env } from '../shared/env.ts';
import manifest from './manifest.json' with { type: 'json' };

export const reportingRoles = ['api', 'consumer'] as const;
export type ReportingRole = (typeof reportingRoles)[number];

export interface ReportingConfig extends BaseServiceConfig<ReportingRole>, ConsumerSettings {}

export function loadReportingConfig(env: Env = process.env, argv: readonly string[] = process.argv): ReportingConfig {
  return {
    ...loadBaseServiceConfig(env, argv, { port: manifest.port, roles: reportingRoles }),
    ...loadConsumerSettings(env, manifest.name, { hostname: hostname(), inboxWindow: defaultInboxWindow }),
  };
}
