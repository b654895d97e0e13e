// Renders a CheckReport for people (text), for tools (json) and for GitHub Actions (workflow-command
// annotations). Pure formatting: it never decides pass or fail, and knows no gate by name.
import type { CheckReport, Diagnostic, GateResult } from './diagnostics.ts';
import { diagnosticIds, isBlocking } from './diagnostics.ts';
import { gateByName } from './registry.ts';

export type ReportFormat = 'text' | 'json' | 'github';
export const reportFormats: readonly ReportFormat[] = ['text', 'json', 'github'];

function where(d: Diagnostic): string {
  const p = d.path;
  const file = p.file ? `${p.file}${p.line ? `:${p.line}` : ''}` : '';
  const element = [
    p.channel && `channel ${p.channel}`,
    p.message && `message ${p.message}`,
    p.type && `type ${p.type}`,
    p.interaction && `interaction "${p.interaction}"`,
    p.field && `field ${p.field}`,
  ].filter(Boolean).join(', ');
  return [file, element].filter(Boolean).join('  ');
}

function label(d: Diagnostic): string {
  if (d.allowed) return 'ALLOWED';
  if (d.intentional) return 'VERSIONED';
  return d.severity === 'error' ? 'BREAKING' : d.severity === 'warning' ? 'warning' : 'info';
}

/** Intentional breaks (allowed or versioned) are always shown; other compatible changes only with --verbose. */
const shownByDefault = (d: Diagnostic) => d.severity !== 'info' || !!d.allowed || !!d.intentional;

function summaryOf(gate: GateResult): string {
  const blocking = gate.diagnostics.filter(isBlocking).length;
  const allowed = gate.diagnostics.filter((d) => d.allowed).length;
  const versioned = gate.diagnostics.filter((d) => d.intentional).length;
  if (gate.status === 'skipped') return 'skipped';
  if (gate.status === 'failed') return `FAILED (${blocking} breaking)`;
  const extras = [allowed > 0 ? `${allowed} allowed break(s)` : '', versioned > 0 ? `${versioned} versioned break(s)` : ''].filter(Boolean);
  return extras.length > 0 ? `passed with ${extras.join(' and ')}` : 'passed';
}

export function renderText(report: CheckReport, options: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  const compares = report.gates.some((g) => gateByName(g.gate)?.needsBaseline);
  lines.push(compares ? `herald check: baseline ${report.baselines.length > 0 ? report.baselines.join(', ') : '(none)'}` : 'herald check');
  for (const gate of report.gates) {
    const shown = gate.diagnostics.filter((d) => options.verbose || shownByDefault(d));
    const hidden = gate.diagnostics.length - shown.length;
    lines.push('', `[${gate.gate}] ${summaryOf(gate)}${hidden > 0 ? ` (${hidden} compatible change${hidden === 1 ? '' : 's'}; --verbose lists them)` : ''}`);
    for (const note of gate.notes) lines.push(`  note: ${note}`);
    for (const d of shown) {
      lines.push(`  ${label(d)}  ${where(d)}`);
      lines.push(`    ${d.message}`);
      const extra = [
        d.messages?.length ? `messages: ${d.messages.join(', ')}` : '',
        d.consumers?.length ? `consumers affected: ${d.consumers.join(', ')}` : '',
        d.against?.length ? `vs ${d.against.map((b) => b.name).join(', ')}` : '',
      ].filter(Boolean);
      if (extra.length > 0) lines.push(`    ${extra.join('  |  ')}`);
      if (d.allowed) lines.push(`    allowed by contract-allowlist.yaml: ${d.allowed.reason}${d.allowed.until ? ` (until ${d.allowed.until})` : ''}`);
      if (d.severity === 'info') continue;
      if (d.causes) lines.push(`    [follows from ${d.causes.join(', ')}; allow-listing that covers this]`);
      else lines.push(`    ${diagnosticIds(d).map((id) => `[id ${id}]`).join(' ')}`);
    }
  }
  for (const note of report.notes) lines.push('', `note: ${note}`);
  const all = report.gates.flatMap((g) => g.diagnostics);
  const blocking = all.filter(isBlocking).length;
  const allowedCount = all.filter((d) => d.allowed).length;
  lines.push('');
  lines.push(
    report.ok
      ? `herald check passed${allowedCount > 0 ? ` (${allowedCount} break(s) accepted by contract-allowlist.yaml, listed above)` : ''}.`
      : `herald check FAILED: ${blocking} breaking change(s). Make the change compatible, publish it as a new major package (v2) beside v1, or accept it in contract-allowlist.yaml with a reason.`,
  );
  return `${lines.join('\n')}\n`;
}

/** GitHub's workflow-command escaping: data escapes %, CR, LF; properties also : and ,. */
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function renderGithub(report: CheckReport): string {
  const lines: string[] = [];
  for (const gate of report.gates) {
    for (const d of gate.diagnostics) {
      if (!shownByDefault(d)) continue;
      const command = d.allowed || d.intentional ? 'notice' : d.severity === 'error' ? 'error' : 'warning';
      const props = [
        d.path.file ? `file=${escapeProperty(d.path.file)}` : '',
        d.path.line ? `line=${d.path.line}` : '',
        `title=${escapeProperty(`herald check (${gate.gate}) ${d.code}${d.allowed ? ' [allowed]' : d.intentional ? ' [versioned]' : ''}`)}`,
      ].filter(Boolean);
      const consumers = d.consumers?.length ? ` Consumers affected: ${d.consumers.join(', ')}.` : '';
      const allowed = d.allowed ? ` Allowed: ${d.allowed.reason}.` : '';
      const ids = d.causes ? ` [follows from ${d.causes.join(', ')}]` : ` ${diagnosticIds(d).map((id) => `[id ${id}]`).join(' ')}`;
      lines.push(`::${command} ${props.join(',')}::${escapeData(`${d.message}${consumers}${allowed}${ids}`)}`);
    }
  }
  for (const note of [...report.notes, ...report.gates.flatMap((g) => g.notes)]) lines.push(`::notice title=herald check::${escapeData(note)}`);
  lines.push(report.ok ? 'herald check passed.' : 'herald check FAILED: see the annotations above.');
  return `${lines.join('\n')}\n`;
}

export function renderReport(report: CheckReport, format: ReportFormat, options: { verbose?: boolean } = {}): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'github') return renderGithub(report);
  return renderText(report, options);
}
