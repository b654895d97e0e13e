// The portal changelog on a real git history: release tags, a compatible change and a breaking one,
// judged by the gates' own diff (real buf, real AsyncAPI diff) in a throwaway repository.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContract } from '../codegen/contract.ts';
import { buildChangelog, type Changelog } from './changelog.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
let dir: string;
let changelog: Changelog;

function gitIn(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Herald Test', '-c', 'user.email=test@herald.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' }).trim();
}

function git(...args: string[]): string {
  return gitIn(dir, ...args);
}

function edit(path: string, from: string, to: string, at = dir): void {
  const file = join(at, path);
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`fixture edit: "${from}" not in ${path}`);
  writeFileSync(file, text.replace(from, to));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'herald-changelog-'));
  for (const path of ['asyncapi.yaml', 'buf.yaml', 'proto']) cpSync(join(repoRoot, path), join(dir, path), { recursive: true });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'First contract');
  git('tag', 'v1.0.0');
  // Compatible: a new optional field on Money, used by three messages.
  edit('proto/herald/common/v1/money.proto', '  int64 amount_minor = 2;\n', '  int64 amount_minor = 2;\n  // Display hint.\n  string symbol = 3;\n');
  git('commit', '-q', '-am', 'Add Money.symbol');
  git('tag', 'v1.1.0');
  // Breaking, uncommitted: a field of MovieRetired is deleted without reserving it.
  edit('proto/herald/catalog/movie/v1/events.proto', '  // Why it was retired, for people.\n  string reason = 3;\n', '');
  changelog = await buildChangelog(dir, await loadContract(dir));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('portal changelog', () => {
  it('has one section per release tag and one for uncommitted changes, newest first', () => {
    expect(changelog.sections.map((s) => [s.title, s.since, s.verdict])).toEqual([
      ['Uncommitted changes', 'v1.1.0', 'breaking'],
      ['v1.1.0', 'v1.0.0', 'compatible'],
      ['v1.0.0', undefined, 'initial'],
    ]);
  });

  it('marks a message whose payload type gained a field as changed and compatible', () => {
    const release = changelog.sections.find((s) => s.title === 'v1.1.0')!;
    const changed = release.messages.filter((m) => m.change === 'changed').map((m) => [m.message, m.compatible]);
    expect(changed).toEqual([['MovieCreated', true], ['MovieUpdated', true], ['PurchaseCompleted', true]]);
    expect(release.messages.find((m) => m.message === 'MovieRetired')!.change).toBe('unchanged');
    expect(release.commits.map((c) => c.subject)).toEqual(['Add Money.symbol']);
  });

  it('marks a deleted field as breaking with the gate finding that says so', () => {
    const working = changelog.sections[0]!;
    const retired = working.messages.find((m) => m.message === 'MovieRetired')!;
    expect(retired).toMatchObject({ change: 'changed', compatible: false, fieldsRemoved: ['reason = 3'] });
    expect(retired.findings.some((f) => f.severity === 'error' && f.code === 'FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED')).toBe(true);
    expect(working.messages.filter((m) => m.change !== 'unchanged').map((m) => m.message)).toEqual(['MovieRetired']);
  });
});

describe('portal changelog on a branch', () => {
  let repo: string;
  const git = (...args: string[]): string => gitIn(repo, ...args);
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'herald-changelog-branch-'));
    for (const path of ['asyncapi.yaml', 'buf.yaml', 'proto']) cpSync(join(repoRoot, path), join(repo, path), { recursive: true });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-q', '-m', 'First contract');
    git('tag', 'v1.0.0');
    edit('proto/herald/common/v1/money.proto', '  int64 amount_minor = 2;\n', '  int64 amount_minor = 2;\n  // Display hint.\n  string symbol = 3;\n', repo);
    git('commit', '-q', '-am', 'Add Money.symbol');
    git('checkout', '-q', '-b', 'feature/drop-reason');
    edit('proto/herald/catalog/movie/v1/events.proto', '  // Why it was retired, for people.\n  string reason = 3;\n', '', repo);
    git('commit', '-q', '-am', 'Drop MovieRetired.reason');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('labels committed work on a branch by branch and commit, never as uncommitted', async () => {
    const head = git('rev-parse', '--short', 'HEAD');
    const log = await buildChangelog(repo, await loadContract(repo));
    expect(log.sections.map((s) => [s.title, s.since, s.verdict])).toEqual([
      [`feature/drop-reason at ${head}`, 'main', 'breaking'],
      ['main', 'v1.0.0', 'compatible'],
      ['v1.0.0', undefined, 'initial'],
    ]);
    expect(log.sections[0]!.commits.map((c) => c.subject)).toEqual(['Drop MovieRetired.reason']);
  });

  it('adds an "Uncommitted changes" section only for changes not yet committed', async () => {
    edit('proto/herald/catalog/movie/v1/events.proto', '  uint32 version = 2;\n}', '  uint32 version = 2;\n  // Who retired it.\n  string retired_by = 4;\n}', repo);
    const log = await buildChangelog(repo, await loadContract(repo));
    const [first, second] = log.sections;
    expect([first!.title, first!.since, first!.verdict]).toEqual(['Uncommitted changes', second!.title, 'compatible']);
    expect(second!.title).toMatch(/^feature\/drop-reason at [0-9a-f]{7,}$/);
    expect(first!.messages.filter((m) => m.change !== 'unchanged').map((m) => m.message)).toEqual(['MovieRetired']);
  });
});
