// The one shape every gate reports in, so `herald check` can print, allow-list and annotate them alike.
// It derives from codegen's BaseDiagnostic (severity, path, code, message) with a structured path.
// A gate never throws for a finding; it returns diagnostics. It throws only when it cannot run at all.
import type { BaseDiagnostic } from '../codegen/diagnostics.ts';

/** A gate's name as registered in registry.ts (`lint`, `breaking`, `asyncapi`, `pact`, ...). */
export type GateName = string;

export type Severity = 'error' | 'warning' | 'info';

/** Where a finding lives: the file (and line, for annotations) and the contract elements it concerns. */
export interface DiagnosticPath {
  /** Repository-relative file, for example `proto/herald/catalog/movie/v1/movie.proto`. */
  file?: string;
  line?: number;
  /** AsyncAPI channel id, where the finding concerns one. */
  channel?: string;
  /** AsyncAPI message key, for example `MovieCreated`. */
  message?: string;
  /** Full protobuf type name, for example `herald.catalog.movie.v1.Movie`. */
  type?: string;
  /** Proto field (or JSON path for Pact), header or channel element, for example `title` or `headers.tenant`. */
  field?: string;
  /** Pact interaction description, for example `a MovieCreated event`. */
  interaction?: string;
}

/** One baseline a finding was seen against: its display name and the refs an allow-list entry may name. */
export interface BaselineRef {
  /** For example `main (e8cb6ca)`. */
  name: string;
  /** For example `['main']` or `['main', 'v1.0.0']` when a tag sits on main's commit. */
  refs: string[];
}

/** Who reads the changed field, according to the pact files. */
export interface FieldReader {
  consumer: string;
  /** JSON paths the consumer's pacts read at or under the changed field, for example `movie.title`. */
  reads: string[];
  /** Pact file the reads were found in; absent when the consumer has no pact for the message. */
  pact?: string;
}

export interface Diagnostic extends BaseDiagnostic<DiagnosticPath> {
  gate: GateName;
  severity: Severity;
  /**
   * The change itself, fully qualified, for the allow-list id: `herald.catalog.movie.v1.Movie.title#2:string->int32`,
   * `catalogMovie.MovieRetired`, ... Defaults to the path's elements.
   */
  subject?: string;
  /** Services (x-herald-service) whose `receive` operations this change breaks. */
  consumers?: string[];
  /** AsyncAPI messages whose payload uses the changed proto type. */
  messages?: string[];
  /** Field-level impact from the pact files, when the finding concerns one field. */
  readers?: FieldReader[];
  /** Baselines this finding was seen against; set by the runner. */
  against?: BaselineRef[];
  /**
   * Change ids (without baseline) of the findings this one restates, for example the buf finding behind
   * an AsyncAPI PAYLOAD_INCOMPATIBLE. Such a finding is allowed exactly when its causes are.
   */
  causes?: string[];
  /** An intentional break that passes (a new major version beside the old): always shown. */
  intentional?: 'versioned';
  /** Set when a checked-in allow-list entry accepts this finding: it passes but stays in the report. */
  allowed?: { reason: string; until?: string; match: string[] };
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

/** The change without its baseline: `<CODE>:<subject>`. Two different changes never share one. */
export function changeId(d: Diagnostic): string {
  const p = d.path;
  const element = d.subject ?? ([p.channel, p.message, p.type, p.interaction, p.field].filter(Boolean).join('.') || p.file || '-');
  return `${d.code}:${element}`;
}

/**
 * The ids an allow-list entry matches, one per baseline the finding was seen against:
 * `<CODE>:<subject>@<baseline>`. Findings that do not compare (lint, pact) have one id without `@`.
 */
export function diagnosticIds(d: Diagnostic): string[] {
  const base = changeId(d);
  return d.against && d.against.length > 0 ? d.against.map((b) => `${base}@${b.refs[0]}`) : [base];
}

/** A finding blocks the merge when it is an error that no allow-list entry accepts. */
export function isBlocking(d: Diagnostic): boolean {
  return d.severity === 'error' && !d.allowed;
}

export function gateResult(gate: GateName, diagnostics: Diagnostic[], notes: string[] = []): GateResult {
  return { gate, status: diagnostics.some(isBlocking) ? 'failed' : 'passed', diagnostics, notes };
}
