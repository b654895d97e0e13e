import { describe, expect, it } from 'vitest';
import { envRoles } from './env.ts';

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
