// The core must load without any Redis module: codec-only users and generated codecs import it alone.
// Each import runs in a child node process whose resolver throws on `redis` and `@redis/*`.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const hook = fileURLToPath(new URL('./no-redis-hook.mjs', import.meta.url));

function importWithoutRedis(specifier: string): string {
  const script = `const m = await import(${JSON.stringify(specifier)}); console.log(Object.keys(m).length);`;
  try {
    return execFileSync(process.execPath, ['--conditions=herald-source', '--import', hook, '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    throw new Error(String((error as { stderr?: string }).stderr ?? error));
  }
}

test('herald/runtime/core loads with every Redis module unresolvable', () => {
  expect(Number(importWithoutRedis('herald/runtime/core'))).toBeGreaterThan(10);
});

test('a generated codec loads with every Redis module unresolvable', () => {
  expect(Number(importWithoutRedis('./generated/herald/catalog/movie/v1/events.ts'))).toBeGreaterThan(0);
});

test('the hook really blocks Redis: herald/runtime (the Redis transport) fails to load under it', () => {
  expect(() => importWithoutRedis('herald/runtime')).toThrow(/HERALD_TEST_NO_REDIS: redis/);
});
