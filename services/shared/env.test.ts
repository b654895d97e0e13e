import { describe, expect, it } from 'vitest';
import { envRoles, loadBaseServiceConfig } from './env.ts';

const known = ['api', 'consumer', 'relay'] as const;

describe('roles from the command line or ROLES', () => {
  it.each([
    { name: '--roles=a,b', argv: ['--roles=relay,api'], env: {}, expected: ['relay', 'api'] },
    { name: '--roles a', argv: ['--roles', 'consumer'], env: {}, expected: ['consumer'] },
    { name: 'process.argv as node passes it', argv: ['/usr/bin/node', 'services/sales/main.ts', '--roles=relay'], env: {}, expected: ['relay'] },
    { name: 'ROLES when no flag', argv: [], env: { ROLES: 'api, consumer' }, expected: ['api', 'consumer'] },
    { name: 'the flag over ROLES', argv: ['--roles=relay'], env: { ROLES: 'api' }, expected: ['relay'] },
    { name: 'every role by default', argv: ['--other=1'], env: {}, expected: ['api', 'consumer', 'relay'] },
  ])('reads $name', ({ argv, env, expected }) => {
    expect(envRoles(env, argv, known)).toEqual(expected);
  });

  it('refuses an unknown role naming ROLES and the known ones', () => {
    expect(() => envRoles({}, ['--roles=api,cook'], known)).toThrow(expect.objectContaining({ code: 'HERALD_ERR_CONFIG', message: 'unknown role "cook"; known roles: api, consumer, relay' }));
  });
});

describe('Redis Cluster settings', () => {
  const base = (env: Record<string, string>) => loadBaseServiceConfig(env, [], { port: 1, roles: known });

  it('connects to one node and waits for no replica by default', () => {
    const config = base({});
    expect(config.redisClusterUrls).toBeUndefined();
    expect(config.waitForReplicas).toBeUndefined();
  });

  it('reads REDIS_CLUSTER_URLS and then waits for one replica within 500 ms', () => {
    const config = base({ REDIS_CLUSTER_URLS: 'redis://127.0.0.1:7001, redis://127.0.0.1:7002,' });
    expect(config.redisClusterUrls).toEqual(['redis://127.0.0.1:7001', 'redis://127.0.0.1:7002']);
    expect(config.waitForReplicas).toEqual({ replicas: 1, timeoutMs: 500 });
  });

  it('lets REDIS_WAIT_REPLICAS turn WAIT off on a cluster or on for one node', () => {
    expect(base({ REDIS_CLUSTER_URLS: 'redis://127.0.0.1:7001', REDIS_WAIT_REPLICAS: '0' }).waitForReplicas).toBeUndefined();
    expect(base({ REDIS_WAIT_REPLICAS: '2', REDIS_WAIT_TIMEOUT_MS: '50' }).waitForReplicas).toEqual({ replicas: 2, timeoutMs: 50 });
  });
});
