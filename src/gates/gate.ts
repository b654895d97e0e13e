// The shape every gate has: a name, whether it compares against a baseline, and run(ctx). The runner
// (run-check.ts) knows gates only through this interface and the registry; a gate never prints.
import type { Baseline } from './baseline.ts';
import type { Diagnostic, GateName } from './diagnostics.ts';
import type { Comparison } from './impact.ts';
import type { PactGateOptions } from './pact.ts';

export interface CheckOptions {
  root: string;
  /** Git ref or bundle path; default `main` with fallbacks (see baseline.ts). */
  against?: string;
  transitive?: boolean;
  /** Gate names to run (registry order is kept); default every registered gate. */
  gates?: GateName[];
  pact?: PactGateOptions;
  /** For tests: the date allow-list expiry is judged on. */
  today?: string;
}

/** One baseline and the working tree, loaded once and shared by every gate that compares. */
export interface BaselineComparison {
  baseline: Baseline;
  cmp: Comparison;
  /** buf breaking's findings against this baseline, as diagnostics; run once, shared by the gates that need them. */
  breaking(): Promise<Diagnostic[]>;
}

export interface GateContext {
  /** Absolute root of the contract repository (where asyncapi.yaml and buf.yaml live). */
  root: string;
  options: CheckOptions;
  /** Set for gates with `needsBaseline`: the runner calls run() once per baseline. */
  compare?: BaselineComparison;
}

export interface GateRun {
  diagnostics: Diagnostic[];
  notes: string[];
  /** The gate had nothing to judge (no contract, no pacts): reported as skipped with the notes. */
  skipped?: boolean;
}

export interface Gate {
  name: GateName;
  /** One line for `herald check --help` and the docs. */
  summary: string;
  /** True: run once per baseline, findings merged across baselines; skipped when there is none. */
  needsBaseline: boolean;
  run(ctx: GateContext): Promise<GateRun>;
}
