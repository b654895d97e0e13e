// Packs the herald package as `npm publish` would, for the tests that use it as a downstream user
// does (publint/attw, the downstream project). The tarball comes from the real `npm pack` (its
// prepack script builds dist/), never from a hand-made file list.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const repoRoot = join(import.meta.dirname, '..', '..');
const exec = promisify(execFile);

/** Runs a command; on failure the error carries its output, so the test report shows why. */
export async function sh(cwd: string, file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout, stderr } = await exec(file, args, {
      cwd, maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false', ...env },
    });
    return `${stdout}${stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? ''}\n${e.message}`);
  }
}

/** What `npm pack` reads: the manifest, the build inputs and every path the package's `files` names. */
function packInputs(): string[] {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { files: string[] };
  const shipped = manifest.files.filter((f) => !f.startsWith('!') && !f.startsWith('dist')).map((f) => f.replace(/\/$/, '').split('/')[0]!);
  return [...new Set(['package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'tsconfig.build.json', 'src', ...shipped])];
}

/**
 * Packs from a copy of the package's sources into `destination`, so the build's dist/ never lands in
 * the checkout (where bin/herald.js would then prefer a stale dist/ over the sources). The copy sits
 * inside the checkout (`*.tmp`, ignored by tsc and git) so it resolves the checkout's node_modules as
 * the real build does; a symlinked node_modules makes tsc's declaration emit fail with TS2742.
 * Returns the tarball's path; the staging copy is removed.
 */
export async function packHerald(destination: string): Promise<string> {
  const stage = join(repoRoot, `.pack-stage-${process.pid}-${Date.now()}.tmp`);
  const cleanup = () => rmSync(stage, { recursive: true, force: true });
  cleanup();
  mkdirSync(stage);
  mkdirSync(destination, { recursive: true });
  try {
    for (const entry of packInputs()) {
      const from = join(repoRoot, entry);
      if (existsSync(from)) cpSync(from, join(stage, entry), { recursive: true, filter: (path) => !path.endsWith('.test.ts') });
    }
    await sh(stage, 'npm', ['pack', '--silent', '--pack-destination', destination]);
  } finally {
    cleanup();
  }
  const tarball = readdirSync(destination).find((f) => /^herald-.*\.tgz$/.test(f));
  if (!tarball) throw new Error(`npm pack wrote no herald-*.tgz into ${destination}`);
  return join(destination, tarball);
}
