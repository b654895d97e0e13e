// Each service's manifest against the service itself: the generic layers (herald dev, the ACL, the test
// harness, herald redis setup) read only the manifest, so it must say what the service really does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readServiceManifests } from '../src/cli/service-manifests.ts';
import { catalogRoles, loadCatalogConfig } from './catalog/config.ts';
import { loadReportingConfig, reportingRoles } from './reporting/config.ts';
import { loadSalesConfig, salesRoles } from './sales/config.ts';

const manifests = readServiceManifests(join(import.meta.dirname, '..'));
const services: Record<string, { roles: readonly string[]; port: number }> = {
  catalog: { roles: catalogRoles, port: loadCatalogConfig({}, []).port },
  sales: { roles: salesRoles, port: loadSalesConfig({}, []).port },
  reporting: { roles: reportingRoles, port: loadReportingConfig({}, []).port },
};

describe('service manifests', () => {
  it('exist for every service folder, and only for them', () => {
    expect(manifests.map((m) => m.name).sort()).toEqual(Object.keys(services).sort());
  });

  it.each(manifests.map((m) => ({ name: m.name, manifest: m })))('$name: roles and default port are the service’s own', ({ name, manifest }) => {
    expect(manifest.roles).toEqual([...services[name]!.roles]);
    expect(manifest.port).toBe(services[name]!.port);
  });

  it.each(manifests.map((m) => ({ name: m.name, manifest: m })))('$name: every key in its code and functions starts with its key prefix', ({ manifest }) => {
    const sources = ['functions.lua', 'event-store.ts', 'projection.ts', 'purchases.ts', 'ledger.ts']
      .map((file) => { try { return readFileSync(join(manifest.dir, file), 'utf8'); } catch { return ''; } }).join('\n');
    const keys = [...sources.matchAll(/[`'"]((?:catalog|sales|reporting):[a-z:${}<>]*)/g)].map((m) => m[1]!);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key.startsWith(`${manifest.keyPrefix}:`), key).toBe(true);
  });
});
