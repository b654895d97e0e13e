// Test hook (node --import): makes every Redis module unresolvable, so importing anything that loads
// node-redis fails with HERALD_TEST_NO_REDIS. Used by core-imports.test.ts.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === 'redis' || specifier.startsWith('redis/') || specifier.startsWith('@redis/')) {
      throw Object.assign(new Error(`HERALD_TEST_NO_REDIS: ${specifier} imported from ${context.parentURL}`), { code: 'HERALD_TEST_NO_REDIS' });
    }
    return nextResolve(specifier, context);
  },
});
