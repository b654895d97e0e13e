// The published package as npm would publish it: publint and @arethetypeswrong/cli are clean on the
// packed tarball, every `exports` target is in it, and every package its shipped code imports is a
// dependency (or an optional peer). Slow-ish: it builds and packs (about 10 s).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packHerald, repoRoot, sh } from '../support/pack-herald.ts';

const work = mkdtempSync(join(tmpdir(), 'herald-publish-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);

interface Manifest {
  exports: Record<string, string | Record<string, string>>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  devDependencies: Record<string, string>;
  files: string[];
}

let tarball: string;
let unpacked: string;
let manifest: Manifest;
beforeAll(async () => {
  tarball = await packHerald(join(work, 'pack'));
  unpacked = join(work, 'unpacked');
  mkdirSync(unpacked);
  execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
  unpacked = join(unpacked, 'package');
  manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as Manifest;
}, 180_000);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('the packed herald package', () => {
  it('passes publint --strict (warnings count as errors)', async () => {
    const out = await sh(work, bin('publint'), ['run', tarball, '--strict']);
    expect(out).toContain('All good!');
  });

  // The package is ESM-only ("type": "module", no `require` condition), which CommonJS callers load
  // with import(). attw's `esm-only` profile checks every resolution mode an ESM consumer uses
  // (node16 from ESM, bundler) and leaves out node10 and node16-from-CJS, which cannot apply.
  it('passes @arethetypeswrong/cli with the esm-only profile', async () => {
    // attw exits non-zero on any problem its profile counts, which `sh` turns into a failure.
    const out = await sh(work, bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'json']);
    const { analysis } = JSON.parse(out) as { analysis: { entrypoints: Record<string, unknown>; problems: { entrypoint: string; resolutionKind?: string; kind: string }[] } };
    expect(Object.keys(analysis.entrypoints).sort()).toEqual(['./codegen', './gates', './package.json', './runtime', './runtime/core']);
    const counted = analysis.problems.filter((p) => p.resolutionKind !== 'node10' && p.resolutionKind !== 'node16-cjs');
    expect(counted).toEqual([]);
  });

  it('ships every file its exports, bin and the licence name, and no tests or sources', () => {
    const targets = Object.values(manifest.exports).flatMap((target) =>
      typeof target === 'string' ? [target] : Object.entries(target).filter(([condition]) => condition !== 'herald-source').map(([, path]) => path));
    expect(targets.length).toBeGreaterThan(6);
    for (const target of targets) expect(existsSync(join(unpacked, target)), target).toBe(true);
    expect(existsSync(join(unpacked, 'bin', 'herald.js'))).toBe(true);
    expect(readFileSync(join(unpacked, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} Herald contributors/);
    const shipped = filesUnder(unpacked).map((f) => relative(unpacked, f));
    expect(shipped.filter((f) => /\.test\.|^src\/|^services\/|^test\//.test(f))).toEqual([]);
  });

  it('declares every package its shipped code imports: a dependency, or an optional peer it names', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const imported = new Set<string>();
    for (const file of filesUnder(join(unpacked, 'dist')).filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(file, 'utf8');
      // Bare specifiers only: an npm name, scoped or not (template text like '${module}' is not one), in
      // a static import/export statement, a dynamic import(), or require()/require.resolve() -- not in
      // a comment that happens to say `from "string"`.
      const bare = String.raw`((?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(?:\/[\w./-]*)?|node:[\w/]+)`;
      const forms = new RegExp([
        String.raw`^(?:import|export)\b[^;'"]*?\bfrom\s*['"]${bare}['"]`, // import { x } from 'p'; export * from 'p'
        String.raw`^import\s*['"]${bare}['"]`, // import 'p' (side effects)
        String.raw`\bimport\(\s*['"]${bare}['"]\s*\)`, // import('p')
        String.raw`\brequire(?:\.resolve)?\(\s*['"]${bare}['"]`, // require('p'), require.resolve('p/...')
      ].join('|'), 'gm');
      for (const match of text.matchAll(forms)) {
        const specifier = match.slice(1).find((group) => group !== undefined);
        if (builtins.has(specifier!) || specifier!.startsWith('node:')) continue;
        const name = specifier!.startsWith('@') ? specifier!.split('/').slice(0, 2).join('/') : specifier!.split('/')[0]!;
        imported.add(name);
      }
    }
    const declared = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]);
    expect([...imported].filter((name) => !declared.has(name) && name !== 'herald').sort()).toEqual([]);
    expect(imported).toContain('@dagrejs/dagre'); // the docs portal's graph layout: a real dependency
    // Nothing is a dependency that shipped code never imports (services' fastify, cli-progress).
    expect(Object.keys(manifest.dependencies).filter((name) => !imported.has(name)).sort()).toEqual([]);
  });

  it('keeps the heavy tools optional peers, tested at the version it pins for development', () => {
    for (const [name, range] of Object.entries(manifest.peerDependencies)) {
      expect(manifest.peerDependenciesMeta[name]?.optional, name).toBe(true);
      expect(range, name).toBe(`^${manifest.devDependencies[name]}`);
    }
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['@asyncapi/generator', '@asyncapi/html-template', '@pact-foundation/pact']);
  });
});
