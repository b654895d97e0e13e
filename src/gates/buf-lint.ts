// Gate 1: `buf lint` with the rules in buf.yaml (STANDARD). Reports buf's findings as diagnostics;
// it never changes the rules or the files.
import type { GateResult } from './diagnostics.ts';
import { gateResult } from './diagnostics.ts';
import { runBuf } from './buf-cli.ts';

export async function runLintGate(root: string): Promise<GateResult> {
  const run = await runBuf(['lint'], root);
  const diagnostics = run.findings.map((f) => ({
    gate: 'lint' as const,
    severity: 'error' as const,
    code: f.type,
    path: { file: f.path, ...(f.start_line ? { line: f.start_line } : {}) },
    message: f.message,
  }));
  return gateResult('lint', diagnostics, diagnostics.length === 0 ? ['buf lint: clean (rules from buf.yaml).'] : []);
}
