// The one shape every gate reports in, so `herald check` can print, allow-list and annotate them alike.
// A gate never throws for a finding; it returns diagnostics. It throws only when it cannot run at all.

export type GateName = 'lint' | 'breaking' | 'asyncapi' | 'pact';
export const gateNames: readonly GateName[] = ['lint', 'breaking', 'asyncapi', 'pact'];

export type Severity = 'error' | 'warning' | 'info';

/** Where a finding lives: the file (and line, for annotations) and the contract element it concerns. */
export interface DiagnosticPath {
  /** Repository-relative file, for example `proto/herald/catalog/movie/v1/movie.proto`. */
  file?: string;
  line?: number;
  /** AsyncAPI message name or full proto message name, for example `MovieCreated`. */
  message?: string;
  /** Proto field, header or channel element, for example `title` or `headers.tenant`. */
  field?: string;
  /** AsyncAPI channel id, where the finding concerns one. */
  channel?: string;
}

export interface Diagnostic {
  gate: GateName;
  severity: Severity;
  /** Stable rule code: buf's rule id (`FIELD_SAME_TYPE`) or Herald's (`CHANNEL_ADDRESS_CHANGED`). */
  code: string;
  path: DiagnosticPath;
  /** One sentence a person understands without reading the rule's source. */
  message: string;
  /** Services (x-herald-service) whose `receive` operations this change breaks. */
  consumers?: string[];
  /** AsyncAPI messages whose payload uses the changed proto type. */
  messages?: string[];
  /** Baselines (git refs or bundles) this finding was seen against; set by the runner. */
  baselines?: string[];
  /** Set when a checked-in allow-list entry accepts this finding: it passes but stays in the report. */
  allowed?: { reason: string; until?: string; match: string };
}

export type GateStatus = 'passed' | 'failed' | 'skipped';

export interface GateResult {
  gate: GateName;
  status: GateStatus;
  diagnostics: Diagnostic[];
  /** Things a person should know that are not findings: which baseline, why a gate was skipped. */
  notes: string[];
}

export interface CheckReport {
  ok: boolean;
  /** Human names of the baselines compared against, or empty when none exists. */
  baselines: string[];
  gates: GateResult[];
  /** Allow-list problems (expired or unused entries). */
  notes: string[];
}

/**
 * The identifier an allow-list entry matches: `<code>:<subject>`. It is printed with every finding
 * so a person can copy it; the subject prefers the most specific element (message.field, channel).
 */
export function diagnosticId(d: Diagnostic): string {
  const p = d.path;
  const element = [p.channel, p.message, p.field].filter(Boolean).join('.');
  return `${d.code}:${element || p.file || '-'}`;
}

/** A finding blocks the merge when it is an error that no allow-list entry accepts. */
export function isBlocking(d: Diagnostic): boolean {
  return d.severity === 'error' && !d.allowed;
}

export function gateResult(gate: GateName, diagnostics: Diagnostic[], notes: string[] = []): GateResult {
  return { gate, status: diagnostics.some(isBlocking) ? 'failed' : 'passed', diagnostics, notes };
}
