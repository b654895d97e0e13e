// Public entry of `herald/gates`: what a downstream repository needs to write its Pact message
// providers (`MessageProviders`, `ProviderMessage`) and to run the gates from its own scripts.
// Re-exports only; no logic lives here.
export type { MessageProviders, ProviderMessage, PublishedMessage, PactGateOptions } from './pact.ts';
export { runCheck, type CheckOptions } from './run-check.ts';
export { renderReport, reportFormats, type ReportFormat } from './report.ts';
export type { CheckReport, Diagnostic, DiagnosticPath, GateName, GateResult, GateStatus, Severity } from './diagnostics.ts';
