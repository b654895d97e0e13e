// Gate 1: `buf lint` with the rules in buf.yaml (STANDARD), plus validation of the AsyncAPI document
// by the official parser. Reports findings as diagnostics; it never changes the rules or the files.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { validateAsyncapi } from './asyncapi-validate.ts';
import { runBuf } from './buf-cli.ts';
import type { Diagnostic, GateResult } from './diagnostics.ts';
import { gateResult } from './diagnostics.ts';

export async function runLintGate(root: string): Promise<GateResult> {
  const notes: string[] = [];
  const diagnostics: Diagnostic[] = [];
  if (existsSync(path.join(root, 'buf.yaml'))) {
    const run = await runBuf(['lint'], root);
    diagnostics.push(...run.findings.map((f) => ({
      gate: 'lint' as const,
      severity: 'error' as const,
      code: f.type,
      path: { file: f.path, ...(f.start_line ? { line: f.start_line } : {}) },
      message: f.message,
    })));
    notes.push(`buf lint: ${run.findings.length === 0 ? 'clean' : `${run.findings.length} finding(s)`} (rules from buf.yaml).`);
  }
  const asyncapi = await validateAsyncapi(root);
  diagnostics.push(...asyncapi);
  if (existsSync(path.join(root, 'asyncapi.yaml'))) notes.push(`asyncapi.yaml: ${asyncapi.length === 0 ? 'valid' : `${asyncapi.length} finding(s)`} (@asyncapi/parser + protobuf schema parser).`);
  return gateResult('lint', diagnostics, notes);
}
