// Catalog's configuration, read from the environment once at start-up (documented in docs/services.md).
// It never holds defaults that would be wrong in production silently: secrets have no default at all.
import { envInt, loadBaseServiceConfig, type BaseServiceConfig, type Env } from '../shared/env.ts';
import manifest from './manifest.json' with { type: 'json' };

export const catalogRoles = ['api', 'relay'] as const;
export type CatalogRole = (typeof catalogRoles)[number];

export interface CatalogConfig extends BaseServiceConfig<CatalogRole> {
  /** A snapshot of the movie is stored every this many events (0 = never). */
  snapshotEvery: number;
  /** Movie states kept in memory for commands (0 = none: every command loads from Redis). */
  stateCacheSize: number;
}

export function loadCatalogConfig(env: Env = process.env, argv: readonly string[] = process.argv): CatalogConfig {
  return {
    ...loadBaseServiceConfig(env, argv, { port: manifest.port, roles: catalogRoles }),
    snapshotEvery: envInt(env, 'SNAPSHOT_EVERY', 20, 0, 1_000_000),
    stateCacheSize: envInt(env, 'STATE_CACHE_SIZE', 100_000, 0, 10_000_000),
  };
}
