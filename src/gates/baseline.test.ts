// Where `herald check` finds its baseline: a shallow clone without `main`, no baseline at all,
// every release tag (transitive), and a released bundle outside git. Real git, real buf.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allowList, edits } from '../../test/fixtures/gates/edits.ts';
import { contractFilesAt, createContractRepo } from '../../test/support/contract-repo.ts';
import { main } from '../cli/main.ts';
import { isBlocking } from './diagnostics.ts';
import { renderReport } from './report.ts';
import { runCheck } from './run-check.ts';

const temps: string[] = [];
const cleanups: (() => void)[] = [];
afterAll(() => {
  cleanups.forEach((c) => c());
  temps.forEach((t) => rmSync(t, { recursive: true, force: true }));
});
const tempDir = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'herald-baseline-test-'));
  temps.push(d);
  return d;
};
const codes = (report: Awaited<ReturnType<typeof runCheck>>) => report.gates.flatMap((g) => g.diagnostics).filter(isBlocking).map((d) => d.code);

describe('baselines', () => {
  it('falls back to origin/main in a shallow clone that has no local main, and says so', async () => {
    const upstream = createContractRepo();
    cleanups.push(upstream.cleanup);
    const clone = path.join(tempDir(), 'clone');
    execFileSync('git', ['clone', '--quiet', '--depth', '1', `file://${upstream.root}`, clone]);
    execFileSync('git', ['-C', clone, 'checkout', '--quiet', '-b', 'feature']);
    execFileSync('git', ['-C', clone, 'branch', '-D', 'main'], { stdio: 'ignore' });
    edits.fieldDeleted(contractFilesAt(clone));
    const report = await runCheck({ root: clone, gates: ['lint', 'breaking', 'asyncapi'] });
    expect(report.baselines[0]).toMatch(/^origin\/main \(/);
    expect(report.gates.find((g) => g.gate === 'breaking')!.notes.join()).toMatch(/No local "main" branch .*origin\/main/);
    expect(codes(report)).toContain('FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED');
  });

  it('passes lint-only and says so when no baseline exists at all', async () => {
    const repo = createContractRepo({ branch: 'trunk' });
    cleanups.push(repo.cleanup);
    repo.edit(edits.fieldDeleted);
    const report = await runCheck({ root: repo.root, gates: ['lint', 'breaking', 'asyncapi'] });
    expect(report.ok).toBe(true);
    expect(report.baselines).toEqual([]);
    const breaking = report.gates.find((g) => g.gate === 'breaking')!;
    expect(breaking.status).toBe('skipped');
    expect(breaking.notes.join()).toMatch(/No baseline exists: no "main" branch, no origin\/main, no vX.Y.Z tag/);
    expect(report.gates.find((g) => g.gate === 'lint')!.status).toBe('passed');
  });

  it('checks every release tag by default, catching a break that main already carries', async () => {
    const repo = createContractRepo();
    cleanups.push(repo.cleanup);
    repo.git('tag', 'v1.0.0');
    repo.edit(edits.fieldTypeChanged);
    repo.git('commit', '--quiet', '-am', 'Change title type (slipped through)');
    const transitive = await runCheck({ root: repo.root, gates: ['breaking'] });
    expect(transitive.baselines.map((b) => b.split(' ')[0])).toEqual(['main', 'v1.0.0']);
    expect(transitive.ok).toBe(false);
    expect(transitive.gates[0]!.diagnostics[0]!.against?.map((b) => b.name)).toEqual([expect.stringMatching(/^v1\.0\.0 /)]);
    const mainOnly = await runCheck({ root: repo.root, gates: ['breaking'], transitive: false });
    expect(mainOnly.ok).toBe(true);
  });

  it('needs one allow-list entry per baseline a break is seen against, and names the missing one', async () => {
    const repo = createContractRepo();
    cleanups.push(repo.cleanup);
    repo.git('tag', 'v1.0.0');
    repo.edit(edits.docChange);
    repo.git('commit', '--quiet', '-am', 'Document the channel better');
    repo.edit(edits.fieldTypeChanged);
    const id = 'FIELD_WIRE_JSON_COMPATIBLE_TYPE:herald.catalog.movie.v1.Movie.title#2:string->int32';
    repo.edit(allowList({ id: `${id}@main`, reason: 'Reviewed against main only.' }));
    const partly = await runCheck({ root: repo.root, gates: ['breaking', 'asyncapi'] });
    expect(partly.ok).toBe(false);
    expect(partly.notes.join()).toContain(`add an entry for each to allow it: ${id}@v1.0.0`);
    repo.edit(allowList({ id: `${id}@main`, reason: 'Reviewed against main.' }, { id: `${id}@v1.0.0`, reason: 'Reviewed against the release.' }));
    const both = await runCheck({ root: repo.root, gates: ['breaking', 'asyncapi'] });
    expect(both.ok, renderReport(both, 'text')).toBe(true);
    expect(both.notes).toEqual([]);
  });

  it('compares against a released bundle (buf image + asyncapi.yaml) outside any git repository', async () => {
    const release = createContractRepo();
    cleanups.push(release.cleanup);
    const bundle = path.join(tempDir(), 'bundle-v1');
    expect(await main(['check', '--cwd', release.root, '--write-bundle', bundle])).toBe(0);
    const copy = createContractRepo();
    cleanups.push(copy.cleanup);
    copy.edit(edits.fieldTypeChanged);
    copy.edit(edits.channelAddressChanged);
    const work = path.join(tempDir(), 'work');
    execFileSync('cp', ['-r', copy.root, work]);
    rmSync(path.join(work, '.git'), { recursive: true, force: true });
    const report = await runCheck({ root: work, against: bundle, gates: ['breaking', 'asyncapi'] });
    expect(report.baselines).toEqual([`bundle ${bundle}`]);
    expect(codes(report).sort()).toEqual(['CHANNEL_ADDRESS_CHANGED', 'FIELD_WIRE_JSON_COMPATIBLE_TYPE', 'PAYLOAD_INCOMPATIBLE', 'PAYLOAD_INCOMPATIBLE']);
  });
});
