// Runs the selected gates against every baseline and assembles one CheckReport. It decides the
// verdict (any blocking finding fails) but never prints; rendering is report.ts's job.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { applyAllowList, loadAllowList } from './allow-list.ts';
import { asyncapiDiagnostics } from './asyncapi-diff.ts';
import type { Baseline } from './baseline.ts';
import { hasProtoTree, moduleDirs, resolveBaselines } from './baseline.ts';
import { breakingDiagnostics, runBufBreaking } from './buf-breaking.ts';
import { runLintGate } from './buf-lint.ts';
import type { ContractView } from './contract-view.ts';
import { loadContractView } from './contract-view.ts';
import type { CheckReport, Diagnostic, GateName, GateResult } from './diagnostics.ts';
import { diagnosticId, gateNames, gateResult } from './diagnostics.ts';
import type { Comparison } from './impact.ts';
import type { PactGateOptions } from './pact.ts';
import { runPactGate } from './pact.ts';
import { loadProtoGraph } from './proto-graph.ts';

export interface CheckOptions {
  root: string;
  /** Git ref or bundle path; default `main` with fallbacks (see baseline.ts). */
  against?: string;
  transitive?: boolean;
  gates?: GateName[];
  pact?: PactGateOptions;
  /** For tests: the date allow-list expiry is judged on. */
  today?: string;
}

/** The same finding seen against several baselines is reported once, naming each baseline. */
function mergeAcrossBaselines(into: Map<string, Diagnostic>, found: Diagnostic[], baseline: string): void {
  for (const d of found) {
    const key = `${d.gate}|${d.severity}|${diagnosticId(d)}|${d.message}`;
    const seen = into.get(key);
    if (seen) seen.baselines = [...(seen.baselines ?? []), baseline];
    else into.set(key, { ...d, baselines: [baseline] });
  }
}

async function viewOf(dir: string, file: string | undefined): Promise<ContractView | undefined> {
  return file && existsSync(path.join(dir, file)) ? loadContractView(dir, file) : undefined;
}

async function compare(root: string, gates: Set<GateName>, baseline: Baseline, current: ContractView | undefined) {
  const moduleDir = moduleDirs(root)[0]!;
  const cmp: Comparison = {
    baselineName: baseline.name,
    ...(current ? { current } : {}),
  };
  const baselineView = await viewOf(baseline.dir, baseline.asyncapiPath);
  if (baselineView) cmp.baseline = baselineView;
  const currentGraph = loadProtoGraph(root, moduleDir);
  if (currentGraph) cmp.currentGraph = currentGraph;
  const baselineGraph = hasProtoTree(baseline) ? loadProtoGraph(baseline.dir, moduleDirs(baseline.dir)[0]) : undefined;
  if (baselineGraph) cmp.baselineGraph = baselineGraph;
  const breaking = existsSync(path.join(root, 'buf.yaml')) ? breakingDiagnostics(await runBufBreaking(root, baseline.bufAgainst), cmp) : [];
  const asyncapi = gates.has('asyncapi') ? asyncapiDiagnostics(cmp, breaking) : { diagnostics: [], notes: [] };
  return { breaking, asyncapi };
}

export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  const root = path.resolve(options.root);
  const gates = new Set(options.gates ?? gateNames);
  const results: GateResult[] = [];
  const notes: string[] = [];
  let baselineNames: string[] = [];

  if (gates.has('lint')) {
    const hasContract = existsSync(path.join(root, 'buf.yaml')) || existsSync(path.join(root, 'asyncapi.yaml'));
    results.push(hasContract ? await runLintGate(root) : { gate: 'lint', status: 'skipped', diagnostics: [], notes: ['No buf.yaml or asyncapi.yaml here.'] });
  }
  if (gates.has('breaking') || gates.has('asyncapi')) {
    const plan = await resolveBaselines(root, {
      ...(options.against !== undefined ? { against: options.against } : {}),
      ...(options.transitive !== undefined ? { transitive: options.transitive } : {}),
    });
    try {
      baselineNames = plan.baselines.map((b) => b.name);
      const current = await viewOf(root, 'asyncapi.yaml');
      const breaking = new Map<string, Diagnostic>();
      const asyncapi = new Map<string, Diagnostic>();
      const asyncapiNotes: string[] = [];
      for (const baseline of plan.baselines) {
        const found = await compare(root, gates, baseline, current);
        mergeAcrossBaselines(breaking, found.breaking, baseline.name);
        mergeAcrossBaselines(asyncapi, found.asyncapi.diagnostics, baseline.name);
        asyncapiNotes.push(...found.asyncapi.notes);
      }
      const skipped = plan.baselines.length === 0;
      const gateFor = (gate: GateName, found: Map<string, Diagnostic>, extra: string[]): GateResult =>
        skipped ? { gate, status: 'skipped', diagnostics: [], notes: plan.notes } : gateResult(gate, [...found.values()], [...plan.notes, ...extra]);
      if (gates.has('breaking')) results.push(gateFor('breaking', breaking, [`buf breaking against ${baselineNames.join(', ')} (rules from buf.yaml).`]));
      if (gates.has('asyncapi')) results.push(gateFor('asyncapi', asyncapi, asyncapiNotes));
    } finally {
      await plan.cleanup();
    }
  }
  if (gates.has('pact')) results.push(await runPactGate(root, options.pact ?? {}));

  notes.push(...applyAllowList(results.flatMap((r) => r.diagnostics), loadAllowList(root), options.today));
  const gatesOut = results.map((r) => (r.status === 'skipped' ? r : gateResult(r.gate, r.diagnostics, r.notes)));
  return { ok: gatesOut.every((g) => g.status !== 'failed'), baselines: baselineNames, gates: gatesOut, notes };
}
