// Renders the AsyncAPI reference page with the official generator and html-template (in a child
// process) and caches it by the document's fingerprint. It never hand-renders AsyncAPI.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingPeersError } from '../optional-peers.ts';
import { HeraldError } from '../runtime/core/errors.ts';

export interface ReferenceOptions {
  /** Project root; the generator and template are resolved from its node_modules. */
  readonly root: string;
  /** The self-contained AsyncAPI document (contract.bundledDocument). */
  readonly document: Record<string, unknown>;
  /** Where index.html goes (site/reference). */
  readonly outDir: string;
  /** Cache folder; default node_modules/.cache/herald-docs under root. */
  readonly cacheDir?: string;
}

export interface ReferenceResult {
  readonly file: string;
  readonly cached: boolean;
  readonly ms: number;
}

/**
 * html-template parameters: one self-contained page (styles and scripts inline, nothing fetched),
 * with message examples shown open so the envelope headers of each example are visible at once.
 */
export const referenceParams: Readonly<Record<string, string>> = {
  singleFile: 'true',
  outFilename: 'index.html',
  config: JSON.stringify({ show: { sidebar: true, messageExamples: true }, expand: { messageExamples: true } }),
};

/** Resolves a package from the project first, then from Herald's own install (a downstream repo). */
function packageDir(root: string, name: string): { dir: string; version: string } | undefined {
  for (const base of [join(root, 'package.json'), fileURLToPath(import.meta.url)]) {
    try {
      const packageJson = createRequire(base).resolve(`${name}/package.json`);
      return { dir: dirname(packageJson), version: (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version };
    } catch {
      // not installed there; try the next place
    }
  }
  return undefined;
}

/** The worker sits next to this module, as .ts in the source tree and .js once built. */
function workerPath(): string {
  const here = fileURLToPath(import.meta.url);
  return join(dirname(here), `reference-worker${here.endsWith('.ts') ? '.ts' : '.js'}`);
}

export async function buildReferencePage(options: ReferenceOptions): Promise<ReferenceResult> {
  const started = Date.now();
  const template = packageDir(options.root, '@asyncapi/html-template');
  const generator = packageDir(options.root, '@asyncapi/generator');
  // Both are optional peers of herald: a downstream repo that wants the reference page installs them.
  if (!template || !generator) {
    const missing = [...(generator ? [] : ['@asyncapi/generator' as const]), ...(template ? [] : ['@asyncapi/html-template' as const])];
    throw missingPeersError(missing, 'The AsyncAPI reference page of `herald docs`');
  }
  const documentText = JSON.stringify(options.document, null, 2);
  const key = createHash('sha256')
    .update(`${generator.version}\n${template.version}\n${JSON.stringify(referenceParams)}\n${documentText}`)
    .digest('hex')
    .slice(0, 24);
  const cacheDir = options.cacheDir ?? join(options.root, 'node_modules', '.cache', 'herald-docs');
  const cached = join(cacheDir, `reference-${key}.html`);
  mkdirSync(options.outDir, { recursive: true });
  const target = join(options.outDir, 'index.html');
  if (existsSync(cached)) {
    copyFileSync(cached, target);
    return { file: target, cached: true, ms: Date.now() - started };
  }
  const work = mkdtempSync(join(tmpdir(), 'herald-reference-'));
  try {
    const documentPath = join(work, 'asyncapi.json');
    writeFileSync(documentPath, documentText);
    const outDir = join(work, 'out');
    await runWorker([documentPath, outDir, template.dir, JSON.stringify(referenceParams)], options.root);
    const page = join(outDir, 'index.html');
    if (!existsSync(page)) throw new HeraldError('HERALD_ERR_TOOL', '@asyncapi/generator finished without writing index.html');
    mkdirSync(cacheDir, { recursive: true });
    copyFileSync(page, cached);
    pruneCache(cacheDir, cached);
    copyFileSync(page, target);
    return { file: target, cached: false, ms: Date.now() - started };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Each rendering is ~3 MB: keep the few most recent (branches switch back and forth), drop the rest. */
function pruneCache(cacheDir: string, keep: string): void {
  const entries = readdirSync(cacheDir)
    .filter((name) => /^reference-[0-9a-f]+\.html$/.test(name))
    .map((name) => join(cacheDir, name))
    .filter((file) => file !== keep)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const stale of entries.slice(4)) rmSync(stale, { force: true });
}

function runWorker(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [workerPath(), ...args], {
      cwd,
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new HeraldError('HERALD_ERR_TOOL', `@asyncapi/generator failed (exit ${code}): ${lastLines(output)}`, { output }));
    });
  });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-8).join(' | ').slice(0, 1200);
}
