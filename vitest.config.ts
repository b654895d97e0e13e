import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['herald-source'] },
  ssr: { resolve: { conditions: ['herald-source'] } },
  test: {
    include: ['src/**/*.test.ts', 'services/**/*.test.ts', 'contract-tests/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts', 'ops/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/faults/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
    pool: 'forks',
  },
});
