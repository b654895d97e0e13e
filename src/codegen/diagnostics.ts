// Contract diagnostics: problems found while loading or validating a contract, collected and reported
// together (as @asyncapi/parser does) instead of thrown one at a time. Never throws by itself.
import { HeraldError } from '../runtime/core/errors.ts';
import { compareStrings } from './ordering.ts';

export type DiagnosticSeverity = 'error' | 'warning' | 'info';

/**
 * The one diagnostic shape of Herald (STYLE.md: severity, path, code, message). Codegen locates a
 * finding with a string; the gates (src/gates/diagnostics.ts) extend it with a structured path.
 */
export interface BaseDiagnostic<P = string> {
  severity: DiagnosticSeverity;
  path: P;
  /** Stable rule code. */
  code: string;
  /** One sentence a person understands without reading the rule's source. */
  message: string;
}

export interface Diagnostic extends BaseDiagnostic<string> {
  /** Where: a JSON pointer into the AsyncAPI document (`/components/messages/X`) or `file.proto:Type.field`. */
  path: string;
  /** Stable, kebab-case: `proto-parse`, `unknown-proto-type`, `asyncapi-parser`, ... */
  code: string;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** One line per diagnostic, errors first, for a terminal or a CI log. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  const rank = { error: 0, warning: 1, info: 2 } as const;
  return [...diagnostics]
    .sort((a, b) => rank[a.severity] - rank[b.severity] || compareStrings(a.path, b.path))
    .map((d) => `${d.severity} ${d.code} ${d.path}: ${d.message}`)
    .join('\n');
}

/** The single error thrown when a contract cannot be used; it carries every diagnostic. */
export function contractError(summary: string, diagnostics: readonly Diagnostic[]): HeraldError {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  return new HeraldError('HERALD_ERR_CONTRACT', `${summary} (${errors.length} error(s)):\n${formatDiagnostics(errors)}`, {
    diagnostics,
  });
}
