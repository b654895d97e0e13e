// Gate 1: `buf lint` with the rules in buf.yaml (STANDARD), plus validation of the AsyncAPI document
// by the official parser. Reports findings as diagnostics; it never changes the rules or the files.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { validateAsyncapi } from './asyncapi-validate.ts';
import { runBuf } from './buf-cli.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { Gate, GateRun } from './gate.ts';

export const lintGate: Gate = {
  name: 'lint',
  summary: '`buf lint` (rules from buf.yaml) and the official AsyncAPI parser on asyncapi.yaml',
  needsBaseline: false,
  run: ({ root }) => runLint(root),
};

async function runLint(root: string): Promise<GateRun> {
  if (!existsSync(path.join(root, 'buf.yaml')) && !existsSync(path.join(root, 'asyncapi.yaml'))) {
    return { diagnostics: [], notes: ['No buf.yaml or asyncapi.yaml here.'], skipped: true };
  }
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
  return { diagnostics, notes };
}
