// Gate 2: `buf breaking` against one baseline, with the category in buf.yaml (WIRE_JSON). Each
// finding is named by proto type and field, and traced to the AsyncAPI messages and consumers it
// breaks. It never decides what is breaking: buf does.
import type { BufFinding } from './buf-cli.ts';
import { runBuf } from './buf-cli.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { Comparison } from './impact.ts';
import { impactOf } from './impact.ts';

const pick = (text: string, re: RegExp): string | undefined => re.exec(text)?.[1];

interface ParsedFinding {
  finding: BufFinding;
  typeShortName?: string;
  fieldNumber?: string;
  fieldName?: string;
}

function parse(finding: BufFinding): ParsedFinding {
  const m = finding.message;
  const typeShortName =
    pick(m, /on message "([^"]+)"/) ?? pick(m, /on enum "([^"]+)"/) ?? pick(m, /present message "([^"]+)"/) ?? pick(m, /present enum "([^"]+)"/);
  const fieldNumber = pick(m, /field "(\d+)"/i) ?? pick(m, /enum value "(\d+)"/i);
  const fieldName = pick(m, /with name "([^"]+)"/) ?? pick(m, /reserving the name "([^"]+)"/) ?? pick(m, /changed name from "([^"]+)"/);
  return { finding, ...(typeShortName ? { typeShortName } : {}), ...(fieldNumber ? { fieldNumber } : {}), ...(fieldName ? { fieldName } : {}) };
}

/** buf reports a deletion twice (name and number not reserved); people need to read it once. */
function mergeDeletionPairs(parsed: ParsedFinding[]): ParsedFinding[] {
  const out: ParsedFinding[] = [];
  const byKey = new Map<string, ParsedFinding>();
  for (const p of parsed) {
    const deletion = /_NO_DELETE_UNLESS_(NAME|NUMBER)_RESERVED$/.exec(p.finding.type);
    if (!deletion || !p.typeShortName || !p.fieldNumber) {
      out.push(p);
      continue;
    }
    const key = `${p.finding.path}|${p.typeShortName}|${p.finding.type.replace(/_(NAME|NUMBER)_RESERVED$/, '')}|${p.fieldNumber}`;
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, p);
      out.push(p);
      continue;
    }
    // Keep the NUMBER rule's code (the wire-level hazard) and the name from whichever knows it.
    const number = deletion[1] === 'NUMBER' ? p : seen;
    const name = deletion[1] === 'NAME' ? p : seen;
    Object.assign(seen, {
      finding: { ...number.finding, message: number.finding.message.replace(/\.$/, ` (nor its name "${name.fieldName ?? '?'}").`) },
      fieldName: name.fieldName ?? number.fieldName,
    });
  }
  return out;
}

/** Turns buf's findings against one baseline into diagnostics naming type, field, messages, consumers. */
export function breakingDiagnostics(findings: BufFinding[], cmp: Comparison): Diagnostic[] {
  return mergeDeletionPairs(findings.map(parse)).map((p) => {
    const f = p.finding;
    const graph = cmp.currentGraph?.resolve(f.path, p.typeShortName ?? '') ? cmp.currentGraph : cmp.baselineGraph;
    const fullType = p.typeShortName ? (graph?.resolve(f.path, p.typeShortName) ?? p.typeShortName) : undefined;
    let message = f.message.replace(/ See https:\/\/\S+.*$/, '');
    // A "deleted" field whose name lives on under another number was renumbered: say so.
    if (/^FIELD_NO_DELETE/.test(f.type) && fullType && p.fieldName) {
      const now = cmp.currentGraph?.types.get(fullType)?.fields.find((x) => x.name === p.fieldName);
      if (now && String(now.number) !== p.fieldNumber) {
        message = `Field "${p.fieldName}" on message "${p.typeShortName}" was renumbered from ${p.fieldNumber} to ${now.number}: events already encoded with ${p.fieldNumber} would no longer decode into it.`;
      }
    }
    const impact = fullType ? impactOf(cmp, fullType) : undefined;
    const d: Diagnostic = {
      gate: 'breaking',
      severity: 'error',
      code: f.type,
      path: {
        file: f.path,
        ...(f.start_line ? { line: f.start_line } : {}),
        ...(fullType ? { message: fullType } : {}),
        ...(p.fieldName ? { field: p.fieldName } : p.fieldNumber ? { field: `#${p.fieldNumber}` } : {}),
      },
      message,
      ...(impact && impact.messages.length > 0 ? { messages: impact.messages } : {}),
      ...(impact && impact.consumers.length > 0 ? { consumers: impact.consumers } : {}),
    };
    return d;
  });
}

/** Runs `buf breaking` in `root` against the baseline's tree or image. */
export async function runBufBreaking(root: string, against: string): Promise<BufFinding[]> {
  return (await runBuf(['breaking', '--against', against], root)).findings;
}
