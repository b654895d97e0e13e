// The portal's changelog: for each release tag (then main, the checked-out branch, and uncommitted
// changes) what changed per message and whether it was compatible. The verdicts come from the gates' own diff (buf breaking +
// the AsyncAPI diff of src/gates/); this module only picks the versions and groups findings.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadContract, type Contract } from '../codegen/contract.ts';
import { asyncapiDiagnostics } from '../gates/asyncapi-diff.ts';
import { releaseTags } from '../gates/baseline.ts';
import { breakingDiagnostics, runBufBreaking } from '../gates/buf-breaking.ts';
import { loadContractView } from '../gates/contract-view.ts';
import type { Diagnostic } from '../gates/diagnostics.ts';
import type { Comparison } from '../gates/impact.ts';
import { loadProtoGraph } from '../gates/proto-graph.ts';

export interface ChangeFinding {
  readonly severity: Diagnostic['severity'];
  readonly code: string;
  readonly text: string;
}

export interface MessageChange {
  readonly message: string;
  readonly change: 'added' | 'removed' | 'changed' | 'unchanged';
  /** From the gates: false when any error-severity finding concerns this message. */
  readonly compatible: boolean;
  readonly fingerprint: { readonly before?: string; readonly after?: string };
  /** Descriptive only (the verdict is the gates'): field names present on one side and not the other. */
  readonly fieldsAdded: string[];
  readonly fieldsRemoved: string[];
  readonly findings: ChangeFinding[];
}

export interface ChangelogSection {
  readonly id: string;
  /** `v1.2.0`, `main`, `feature/x at 1a2b3c4` (the checked-out branch), `Uncommitted changes`. */
  readonly title: string;
  /** What it is compared with, or undefined for the first version. */
  readonly since?: string;
  readonly date?: string;
  readonly verdict: 'initial' | 'compatible' | 'breaking' | 'unchanged';
  readonly messages: MessageChange[];
  /** Findings not tied to one message (servers, channels). */
  readonly otherFindings: ChangeFinding[];
  readonly commits: { hash: string; subject: string }[];
  readonly notes: string[];
}

export interface Changelog {
  readonly sections: ChangelogSection[];
  readonly notes: string[];
}

interface Version {
  readonly label: string;
  /** A commit, or undefined for the working tree. */
  readonly commit?: string;
  /** The checked-out commit, shown (like the working tree) only when its contract differs. */
  readonly checkedOut?: boolean;
  readonly date?: string;
}

const contractPaths = ['asyncapi.yaml', 'buf.yaml', 'buf.lock', 'proto'];
const uncommitted = 'Uncommitted changes';

function git(root: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile('git', ['-C', root, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, out) => resolve({ ok: !error, out: String(out).trim() }));
  });
}

async function commitOf(root: string, ref: string): Promise<string | undefined> {
  const r = await git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  return r.ok && r.out ? r.out : undefined;
}

/**
 * Release tags oldest first, then main where it moved past the last tag, then the checked-out commit
 * (a branch's committed work) when it is none of those, then the working tree (uncommitted changes).
 */
async function versionsOf(root: string, notes: string[]): Promise<Version[]> {
  if ((await git(root, ['rev-parse', '--is-inside-work-tree'])).out !== 'true') {
    notes.push('Not a git repository: the changelog shows only the current contract.');
    return [{ label: 'Current contract' }];
  }
  const versions: Version[] = [];
  for (const tag of await releaseTags(root)) {
    const commit = await commitOf(root, tag);
    if (commit) versions.push({ label: tag, commit, date: (await git(root, ['log', '-1', '--format=%cs', commit])).out });
  }
  const main = (await commitOf(root, 'main')) ?? (await commitOf(root, 'origin/main'));
  if (main && main !== versions.at(-1)?.commit) versions.push({ label: 'main', commit: main, date: (await git(root, ['log', '-1', '--format=%cs', main])).out });
  if (!main) notes.push('No main branch here (shallow clone?): the checked-out commit is compared with the latest release tag.');
  const head = await commitOf(root, 'HEAD');
  if (head && !versions.some((v) => v.commit === head)) {
    const branch = await git(root, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
    const short = (await git(root, ['rev-parse', '--short', head])).out;
    const label = branch.ok && branch.out ? `${branch.out} at ${short}` : `Commit ${short} (detached)`;
    versions.push({ label, commit: head, checkedOut: true, date: (await git(root, ['log', '-1', '--format=%cs', head])).out });
  }
  versions.push({ label: uncommitted });
  return versions;
}

async function materialise(root: string, version: Version, temps: string[]): Promise<string | undefined> {
  if (!version.commit) return root;
  const dir = await mkdtemp(join(tmpdir(), 'herald-changelog-'));
  temps.push(dir);
  const present = new Set((await git(root, ['ls-tree', '--name-only', version.commit])).out.split('\n'));
  const wanted = contractPaths.filter((p) => present.has(p));
  if (!wanted.includes('asyncapi.yaml')) return undefined;
  const tar = join(dir, '.contract.tar');
  if (!(await git(root, ['archive', '--format=tar', '-o', tar, version.commit, '--', ...wanted])).ok) return undefined;
  await new Promise<void>((resolve, reject) => execFile('tar', ['-xf', tar, '-C', dir], (error) => (error ? reject(error) : resolve())));
  await rm(tar);
  return dir;
}

/** The gates' diff of `after` against `before`: buf breaking findings + the AsyncAPI structural diff. */
async function gateFindings(beforeDir: string, afterDir: string, baselineName: string): Promise<Diagnostic[]> {
  const cmp: Comparison = { baselineName, current: await loadContractView(afterDir), baseline: await loadContractView(beforeDir) };
  const currentGraph = loadProtoGraph(afterDir);
  const baselineGraph = loadProtoGraph(beforeDir);
  if (currentGraph) cmp.currentGraph = currentGraph;
  if (baselineGraph) cmp.baselineGraph = baselineGraph;
  const breaking = breakingDiagnostics(await runBufBreaking(afterDir, beforeDir), cmp);
  return [...breaking, ...asyncapiDiagnostics(cmp, breaking).diagnostics];
}

function findingsFor(diagnostics: Diagnostic[], message: string, protoType: string | undefined): Diagnostic[] {
  return diagnostics.filter((d) => d.path.message === message || (protoType !== undefined && d.path.type === protoType) || d.messages?.includes(message));
}

function toFinding(d: Diagnostic): ChangeFinding {
  return { severity: d.severity, code: d.code, text: d.message };
}

function compareContracts(before: Contract | undefined, after: Contract, diagnostics: Diagnostic[]): { messages: MessageChange[]; other: ChangeFinding[] } {
  const names = [...new Set([...(before?.messages ?? []).map((m) => m.name), ...after.messages.map((m) => m.name)])].sort();
  const used = new Set<Diagnostic>();
  const messages = names.map((name): MessageChange => {
    const was = before?.messages.find((m) => m.name === name);
    const now = after.messages.find((m) => m.name === name);
    const own = findingsFor(diagnostics, name, now?.protoType ?? was?.protoType);
    own.forEach((d) => used.add(d));
    const change = !was ? 'added' : !now ? 'removed' : was.fingerprint !== now.fingerprint || own.length > 0 ? 'changed' : 'unchanged';
    const fieldSet = (m: typeof was) => new Set((m?.fields ?? []).map((f) => `${f.name} = ${f.number}`));
    const [wasFields, nowFields] = [fieldSet(was), fieldSet(now)];
    return {
      message: name,
      change,
      compatible: !own.some((d) => d.severity === 'error'),
      fingerprint: { ...(was ? { before: was.fingerprint } : {}), ...(now ? { after: now.fingerprint } : {}) },
      fieldsAdded: was && now ? [...nowFields].filter((f) => !wasFields.has(f)) : [],
      fieldsRemoved: was && now ? [...wasFields].filter((f) => !nowFields.has(f)) : [],
      findings: own.map(toFinding),
    };
  });
  return { messages, other: diagnostics.filter((d) => !used.has(d)).map(toFinding) };
}

export async function buildChangelog(root: string, current: Contract): Promise<Changelog> {
  const notes: string[] = [];
  const versions = await versionsOf(root, notes);
  const temps: string[] = [];
  const sections: ChangelogSection[] = [];
  try {
    let previous: { version: Version; dir: string; contract: Contract } | undefined;
    for (const version of versions) {
      const dir = await materialise(root, version, temps);
      const contract = dir === root ? current : dir ? await loadContract(dir).catch(() => undefined) : undefined;
      if (!dir || !contract) {
        notes.push(`${version.label} has no readable contract; skipped.`);
        continue;
      }
      const sectionNotes: string[] = [];
      let diagnostics: Diagnostic[] = [];
      if (previous) {
        try {
          diagnostics = await gateFindings(previous.dir, dir, previous.version.label);
        } catch (error) {
          sectionNotes.push(`The gates could not compare with ${previous.version.label}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      const { messages, other } = compareContracts(previous?.contract, contract, diagnostics);
      const commits = version.commit && previous?.version.commit
        ? (await git(root, ['log', '--format=%h%x09%s', `${previous.version.commit}..${version.commit}`, '--', ...contractPaths])).out
            .split('\n').filter(Boolean).map((line) => ({ hash: line.split('\t')[0]!, subject: line.split('\t').slice(1).join('\t') }))
        : [];
      const changed = messages.some((m) => m.change !== 'unchanged') || other.length > 0;
      const breaking = messages.some((m) => !m.compatible) || other.some((f) => f.severity === 'error');
      // The checked-out branch and the working tree only earn a section when they differ from the version before.
      const onlyIfChanged = !version.commit || version.checkedOut === true;
      if (!(onlyIfChanged && previous && !changed)) {
        sections.push({
          id: version.label.toLowerCase().replace(/[^a-z0-9.]+/g, '-'),
          title: version.label,
          ...(previous ? { since: previous.version.label } : {}),
          ...(version.date ? { date: version.date } : {}),
          verdict: !previous ? 'initial' : breaking ? 'breaking' : changed ? 'compatible' : 'unchanged',
          messages: previous ? messages : messages.map((m) => ({ ...m, change: 'added' as const })),
          otherFindings: other,
          commits,
          notes: sectionNotes,
        });
      }
      previous = { version, dir, contract };
    }
  } finally {
    await Promise.all(temps.map((t) => rm(t, { recursive: true, force: true })));
  }
  return { sections: sections.reverse(), notes };
}
