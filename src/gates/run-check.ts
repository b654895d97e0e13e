// Runs the selected gates (registry.ts) against every baseline and assembles one CheckReport. It
// decides the verdict (any blocking finding fails) but never prints; rendering is report.ts's job.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { applyAllowList, loadAllowList } from './allow-list.ts';
import type { Baseline } from './baseline.ts';
import { hasProtoTree, moduleDirs, resolveBaselines } from './baseline.ts';
import { breakingDiagnostics, runBufBreaking } from './buf-breaking.ts';
import type { BufFinding } from './buf-cli.ts';
import type { ContractView } from './contract-view.ts';
import { loadContractView } from './contract-view.ts';
import type { CheckReport, Diagnostic, GateResult } from './diagnostics.ts';
import { changeId, gateResult } from './diagnostics.ts';
import type { BaselineComparison, CheckOptions, Gate } from './gate.ts';
import type { Comparison } from './impact.ts';
import { loadPactReads } from './pact-reads.ts';
import { loadProtoGraph, type ProtoGraph } from './proto-graph.ts';
import { registry } from './registry.ts';

export type { CheckOptions } from './gate.ts';

/** The same finding seen against several baselines is reported once, naming each baseline. */
function mergeAcrossBaselines(into: Map<string, Diagnostic>, found: Diagnostic[], baseline: Baseline): void {
  const ref = { name: baseline.name, refs: baseline.refs };
  for (const d of found) {
    const key = `${d.gate}|${d.severity}|${changeId(d)}|${d.message}`;
    const seen = into.get(key);
    if (seen) seen.against = [...(seen.against ?? []), ref];
    else into.set(key, { ...d, against: [ref] });
  }
}

async function viewOf(dir: string, file: string | undefined): Promise<ContractView | undefined> {
  return file && existsSync(path.join(dir, file)) ? loadContractView(dir, file) : undefined;
}

/** For judging many trees against one baseline (the mutation self-test): parts computed once, reused. */
export interface ComparisonReuse {
  /** buf breaking's findings for this tree, when they were computed already (for example in one batched buf run). */
  findings?: BufFinding[];
  baselineView?: ContractView;
  baselineGraph?: ProtoGraph;
}

/** Loads both sides of one comparison once; buf breaking runs at most once, when a gate asks. */
export async function comparisonWith(root: string, baseline: Baseline, current: ContractView | undefined, reuse: ComparisonReuse = {}): Promise<BaselineComparison> {
  const cmp: Comparison = { baselineName: baseline.name, ...(current ? { current } : {}) };
  const baselineView = reuse.baselineView ?? (await viewOf(baseline.dir, baseline.asyncapiPath));
  if (baselineView) cmp.baseline = baselineView;
  const currentGraph = loadProtoGraph(root, moduleDirs(root)[0]!);
  if (currentGraph) cmp.currentGraph = currentGraph;
  const baselineGraph = reuse.baselineGraph ?? (hasProtoTree(baseline) ? loadProtoGraph(baseline.dir, moduleDirs(baseline.dir)[0]) : undefined);
  if (baselineGraph) cmp.baselineGraph = baselineGraph;
  cmp.reads = loadPactReads(root);
  let breaking: Promise<Diagnostic[]> | undefined;
  const findings = (): Promise<BufFinding[]> => (reuse.findings ? Promise.resolve(reuse.findings) : runBufBreaking(root, baseline.bufAgainst));
  return {
    baseline,
    cmp,
    breaking: () => (breaking ??= existsSync(path.join(root, 'buf.yaml')) ? findings().then((f) => breakingDiagnostics(f, cmp)) : Promise.resolve([])),
  };
}

/** Runs the baseline gates of `gates` on prepared comparisons, findings merged across baselines, as runCheck does. */
export async function runComparisonGates(root: string, options: CheckOptions, comparisons: BaselineComparison[]): Promise<GateResult[]> {
  const selected = registry.filter((g) => g.needsBaseline && (!options.gates || options.gates.includes(g.name)));
  return Promise.all(selected.map((g) => runGate(g, options, root, comparisons, [])));
}

async function runGate(gate: Gate, options: CheckOptions, root: string, comparisons: BaselineComparison[] | undefined, planNotes: string[]): Promise<GateResult> {
  if (!gate.needsBaseline) {
    const run = await gate.run({ root, options });
    return run.skipped ? { gate: gate.name, status: 'skipped', diagnostics: [], notes: run.notes } : gateResult(gate.name, run.diagnostics, run.notes);
  }
  if (!comparisons || comparisons.length === 0) return { gate: gate.name, status: 'skipped', diagnostics: [], notes: planNotes };
  const merged = new Map<string, Diagnostic>();
  const notes = [...planNotes];
  for (const compare of comparisons) {
    const run = await gate.run({ root, options, compare });
    mergeAcrossBaselines(merged, run.diagnostics, compare.baseline);
    notes.push(...run.notes);
  }
  return gateResult(gate.name, [...merged.values()], notes);
}

export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  const root = path.resolve(options.root);
  const selected = registry.filter((g) => !options.gates || options.gates.includes(g.name));
  const results: GateResult[] = [];
  let baselineNames: string[] = [];
  const plan = selected.some((g) => g.needsBaseline)
    ? await resolveBaselines(root, {
      ...(options.against !== undefined ? { against: options.against } : {}),
      ...(options.transitive !== undefined ? { transitive: options.transitive } : {}),
    })
    : undefined;
  try {
    let comparisons: BaselineComparison[] | undefined;
    if (plan) {
      baselineNames = plan.baselines.map((b) => b.name);
      const current = await viewOf(root, 'asyncapi.yaml');
      comparisons = await Promise.all(plan.baselines.map((b) => comparisonWith(root, b, current)));
    }
    for (const gate of selected) results.push(await runGate(gate, options, root, comparisons, plan?.notes ?? []));
  } finally {
    await plan?.cleanup();
  }
  const notes = applyAllowList(results.flatMap((r) => r.diagnostics), loadAllowList(root), options.today);
  const gatesOut = results.map((r) => (r.status === 'skipped' ? r : gateResult(r.gate, r.diagnostics, r.notes)));
  return { ok: gatesOut.every((g) => g.status !== 'failed'), baselines: baselineNames, gates: gatesOut, notes };
}
