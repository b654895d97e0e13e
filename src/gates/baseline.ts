// Finds and materialises the baselines a change is compared against: a git ref (default `main`,
// falling back to origin/main, then the latest release tag), every release tag (transitive), or a
// released bundle. Each git baseline is extracted into a temp dir so buf and the AsyncAPI diff see
// the very same files. It never fetches from a remote and never touches the working tree.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { HeraldError } from '../runtime/core/errors.ts';

export interface Baseline {
  /** What the report calls it, for example `main (e8cb6ca)` or `v1.2.0`. */
  name: string;
  /** Names an allow-list id may use for it (`main`, `v1.0.0`, `bundle-v1`); `origin/main` is called `main`. */
  refs: string[];
  /** Value for `buf breaking --against`: an extracted tree or a buf image. */
  bufAgainst: string;
  /** Directory holding the baseline's AsyncAPI document and (for git baselines) its proto tree. */
  dir: string;
  asyncapiPath?: string;
}

export interface BaselinePlan {
  baselines: Baseline[];
  notes: string[];
  cleanup(): Promise<void>;
}

export interface BaselineOptions {
  /** A git ref or the path of a released bundle; default `main` (with fallbacks). */
  against?: string;
  /** true: add every vX.Y.Z tag; false: never; undefined: add them when no explicit --against is given. */
  transitive?: boolean;
}

const releaseTag = /^v(\d+)\.(\d+)\.(\d+)$/;

function git(cwd: string, args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('git', ['-C', cwd, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, out, err) =>
      resolve({ ok: !error, out: String(out).trim(), err: String(err).trim() }),
    );
  });
}

async function commitOf(root: string, ref: string): Promise<string | undefined> {
  const r = await git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  return r.ok && r.out ? r.out : undefined;
}

/** Release tags, oldest first by semantic version. */
export async function releaseTags(root: string): Promise<string[]> {
  const r = await git(root, ['tag', '--list', 'v*']);
  if (!r.ok) return [];
  const key = (t: string) => (t.match(releaseTag) ?? []).slice(1).map(Number);
  return r.out.split('\n').filter((t) => releaseTag.test(t)).sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
  });
}

/** `main` -> `origin/main` -> latest release tag; says which one it took. */
async function resolveRef(root: string, ref: string, notes: string[]): Promise<{ ref: string; commit: string } | undefined> {
  const candidates = [ref, `origin/${ref}`, `refs/remotes/origin/${ref}`];
  for (const candidate of candidates) {
    const commit = await commitOf(root, candidate);
    if (commit) {
      if (candidate !== ref) notes.push(`No local "${ref}" branch (shallow clone?); compared against ${candidate} instead.`);
      return { ref: candidate, commit };
    }
  }
  const tags = await releaseTags(root);
  const latest = tags.at(-1);
  if (latest) {
    const commit = (await commitOf(root, latest))!;
    notes.push(`Neither "${ref}" nor "origin/${ref}" exists here; compared against the latest release tag ${latest} instead.`);
    return { ref: latest, commit };
  }
  return undefined;
}

function contractPaths(buf: unknown): string[] {
  const modules = (buf as { modules?: { path?: string }[] } | null)?.modules ?? [];
  const dirs = modules.map((m) => m.path).filter((p): p is string => typeof p === 'string');
  return ['asyncapi.yaml', 'buf.yaml', 'buf.lock', 'contract-allowlist.yaml', ...(dirs.length > 0 ? dirs : ['proto'])];
}

/** Extracts the contract files of `commit` (under the repository prefix of `root`) into a temp dir. */
async function extract(root: string, commit: string, into: string): Promise<boolean> {
  const prefix = (await git(root, ['rev-parse', '--show-prefix'])).out;
  const treeish = prefix ? `${commit}:${prefix.replace(/\/$/, '')}` : commit;
  const listing = await git(root, ['ls-tree', '--name-only', treeish]);
  if (!listing.ok) return false;
  const present = new Set(listing.out.split('\n'));
  if (!present.has('buf.yaml') && !present.has('asyncapi.yaml')) return false;
  let bufConfig: unknown = null;
  if (present.has('buf.yaml')) bufConfig = parseYaml((await git(root, ['show', `${commit}:${prefix}buf.yaml`])).out);
  const wanted = contractPaths(bufConfig).filter((p) => present.has(p.split('/')[0]!));
  const tar = path.join(into, '.baseline.tar');
  const archive = await git(root, ['archive', '--format=tar', '-o', tar, treeish, '--', ...wanted]);
  if (!archive.ok) throw new HeraldError('HERALD_ERR_TOOL', `git archive ${commit} failed: ${archive.err}`);
  await new Promise<void>((resolve, reject) =>
    execFile('tar', ['-xf', tar, '-C', into], (error, _o, err) => (error ? reject(new HeraldError('HERALD_ERR_TOOL', `tar: ${String(err)}`)) : resolve())),
  );
  await rm(tar);
  return true;
}

function looksLikeBundle(abs: string): boolean {
  if (statSync(abs).isFile()) return /\.(binpb|bin)$/.test(abs);
  return readdirSync(abs).some((f) => f === 'buf.yaml' || f.endsWith('.binpb'));
}

/** A released bundle: a directory with a buf image (`*.binpb`) and the AsyncAPI document. */
async function bundleBaseline(location: string): Promise<Baseline> {
  const abs = path.resolve(location);
  const refs = [path.basename(abs).replace(/\.(binpb|bin)$/, '')];
  if (statSync(abs).isFile()) return { name: `bundle ${location}`, refs, bufAgainst: abs, dir: path.dirname(abs) };
  const files = await readdir(abs);
  const image = files.find((f) => f.endsWith('.binpb') || f.endsWith('.bin'));
  // A tree (buf.yaml + proto/) may carry a prebuilt image beside it: buf reads the image, the graph the tree.
  if (files.includes('buf.yaml')) return { name: `tree ${location}`, refs, bufAgainst: image ? path.join(abs, image) : abs, dir: abs, asyncapiPath: 'asyncapi.yaml' };
  if (!image) throw new HeraldError('HERALD_ERR_CONFIG', `${location} is neither a git ref nor a bundle: it holds no buf image (*.binpb)`);
  const asyncapi = ['asyncapi.yaml', 'asyncapi.bundle.yaml'].find((f) => files.includes(f));
  return { name: `bundle ${location}`, refs, bufAgainst: path.join(abs, image), dir: abs, ...(asyncapi ? { asyncapiPath: asyncapi } : {}) };
}

export async function resolveBaselines(root: string, options: BaselineOptions = {}): Promise<BaselinePlan> {
  const notes: string[] = [];
  const temps: string[] = [];
  const cleanup = async () => {
    await Promise.all(temps.map((t) => rm(t, { recursive: true, force: true })));
  };
  if (options.against && existsSync(path.resolve(root, options.against))) {
    // A path that holds a bundle is one, whatever refs exist; any other existing path is one unless it names a commit.
    const abs = path.resolve(root, options.against);
    if (looksLikeBundle(abs) || !(await commitOf(root, options.against))) return { baselines: [await bundleBaseline(abs)], notes, cleanup };
  }
  const inGit = (await git(root, ['rev-parse', '--is-inside-work-tree'])).out === 'true';
  if (!inGit) {
    notes.push('Not a git repository and no bundle given: there is no baseline, so only lint ran. Pass --against <bundle dir>.');
    return { baselines: [], notes, cleanup };
  }
  const refs: { label: string; ref: string; commit: string }[] = [];
  const primary = options.against ?? 'main';
  const resolved = await resolveRef(root, primary, notes);
  if (resolved) refs.push({ label: resolved.ref, ...resolved });
  else if (options.against) throw new HeraldError('HERALD_ERR_CONFIG', `baseline "${options.against}" is neither a git ref nor a path to a bundle`);
  const tags = await releaseTags(root);
  if (options.transitive === true || (options.transitive === undefined && options.against === undefined)) {
    for (const tag of tags) refs.push({ label: tag, ref: tag, commit: (await commitOf(root, tag))! });
    if (options.transitive === true && tags.length === 0) notes.push('--transitive: no vX.Y.Z release tags exist yet.');
  }
  // One extraction per commit; a tag on the same commit as main is named together with it.
  const byCommit = new Map<string, string[]>();
  for (const r of refs) byCommit.set(r.commit, [...(byCommit.get(r.commit) ?? []), r.label]);
  const baselines: Baseline[] = [];
  for (const [commit, labels] of byCommit) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'herald-baseline-'));
    temps.push(dir);
    const name = `${[...new Set(labels)].join(' = ')} (${commit.slice(0, 7)})`;
    const refsOf = [...new Set(labels.map((l) => l.replace(/^(refs\/remotes\/)?origin\//, '')))];
    if (await extract(root, commit, dir)) baselines.push({ name, refs: refsOf, bufAgainst: dir, dir, asyncapiPath: 'asyncapi.yaml' });
    else notes.push(`Baseline ${name} has no contract (no buf.yaml or asyncapi.yaml); skipped.`);
  }
  if (baselines.length === 0) {
    notes.push(
      resolved || refs.length > 0
        ? 'No baseline holds a contract yet (first contract commit?): nothing to compare, so only lint ran.'
        : `No baseline exists: no "${primary}" branch, no origin/${primary}, no vX.Y.Z tag (first commit?). Only lint ran.`,
    );
  }
  return { baselines, notes, cleanup };
}

export function hasProtoTree(baseline: Baseline): boolean {
  return existsSync(path.join(baseline.dir, 'buf.yaml'));
}

/** Reads the buf module directories from `<root>/buf.yaml` (v2 `modules[].path`), default `proto`. */
export function moduleDirs(root: string): string[] {
  try {
    const config = parseYaml(readFileSync(path.join(root, 'buf.yaml'), 'utf8')) as { modules?: { path?: string }[] } | null;
    const dirs = (config?.modules ?? []).map((m) => m.path).filter((p): p is string => typeof p === 'string');
    return dirs.length > 0 ? dirs : ['proto'];
  } catch {
    return ['proto'];
  }
}
