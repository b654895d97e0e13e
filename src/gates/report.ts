// Renders a CheckReport for people (text), for tools (json) and for GitHub Actions (workflow-command
// annotations). Pure formatting: it never decides pass or fail.
import type { CheckReport, Diagnostic } from './diagnostics.ts';
import { diagnosticId, isBlocking } from './diagnostics.ts';

export type ReportFormat = 'text' | 'json' | 'github';
export const reportFormats: readonly ReportFormat[] = ['text', 'json', 'github'];

function where(d: Diagnostic): string {
  const p = d.path;
  const file = p.file ? `${p.file}${p.line ? `:${p.line}` : ''}` : '';
  const kind = d.gate === 'breaking' || d.gate === 'lint' ? 'type' : d.gate === 'pact' ? 'interaction' : 'message';
  const element = [p.channel && `channel ${p.channel}`, p.message && `${kind} ${p.message}`, p.field && `field ${p.field}`].filter(Boolean).join(', ');
  return [file, element].filter(Boolean).join('  ');
}

function label(d: Diagnostic): string {
  if (d.allowed) return 'ALLOWED';
  return d.severity === 'error' ? 'BREAKING' : d.severity === 'warning' ? 'warning' : 'info';
}

export function renderText(report: CheckReport, options: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  const compares = report.gates.some((g) => g.gate === 'breaking' || g.gate === 'asyncapi');
  lines.push(compares ? `herald check: baseline ${report.baselines.length > 0 ? report.baselines.join(', ') : '(none)'}` : 'herald check');
  for (const gate of report.gates) {
    const shown = gate.diagnostics.filter((d) => options.verbose || d.severity !== 'info' || d.allowed);
    const blocking = gate.diagnostics.filter(isBlocking).length;
    const allowed = gate.diagnostics.filter((d) => d.allowed).length;
    const summary = gate.status === 'skipped' ? 'skipped' : gate.status === 'failed' ? `FAILED (${blocking} breaking)` : allowed > 0 ? `passed with ${allowed} allowed break(s)` : 'passed';
    const infos = gate.diagnostics.filter((d) => d.severity === 'info').length;
    lines.push('', `[${gate.gate}] ${summary}${infos > 0 && !options.verbose ? ` (${infos} compatible change${infos === 1 ? '' : 's'}; --verbose lists them)` : ''}`);
    for (const note of gate.notes) lines.push(`  note: ${note}`);
    for (const d of shown) {
      lines.push(`  ${label(d)}  ${where(d)}`);
      lines.push(`    ${d.message}`);
      const extra = [
        d.messages?.length ? `messages: ${d.messages.join(', ')}` : '',
        d.consumers?.length ? `consumers affected: ${d.consumers.join(', ')}` : '',
        d.baselines?.length ? `vs ${d.baselines.join(', ')}` : '',
      ].filter(Boolean);
      if (extra.length > 0) lines.push(`    ${extra.join('  |  ')}`);
      if (d.allowed) lines.push(`    allowed by ${'contract-allowlist.yaml'}: ${d.allowed.reason}${d.allowed.until ? ` (until ${d.allowed.until})` : ''}`);
      if (d.severity !== 'info') lines.push(`    [id ${diagnosticId(d)}]`);
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
      if (d.severity === 'info' && !d.allowed) continue;
      const command = d.allowed ? 'notice' : d.severity === 'error' ? 'error' : 'warning';
      const props = [
        d.path.file ? `file=${escapeProperty(d.path.file)}` : '',
        d.path.line ? `line=${d.path.line}` : '',
        `title=${escapeProperty(`herald check (${gate.gate}) ${d.code}${d.allowed ? ' [allowed]' : ''}`)}`,
      ].filter(Boolean);
      const consumers = d.consumers?.length ? ` Consumers affected: ${d.consumers.join(', ')}.` : '';
      const allowed = d.allowed ? ` Allowed: ${d.allowed.reason}.` : '';
      lines.push(`::${command} ${props.join(',')}::${escapeData(`${d.message}${consumers}${allowed} [id ${diagnosticId(d)}]`)}`);
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
