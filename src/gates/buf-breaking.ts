// Gate 2: `buf breaking` against one baseline, with the category in buf.yaml (WIRE_JSON). Each
// finding is named by proto type and field, and traced to the AsyncAPI messages and consumers it
// breaks. It never decides what is breaking: buf does.
import type { BufFinding } from './buf-cli.ts';
import { runBuf } from './buf-cli.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { Gate } from './gate.ts';
import type { Comparison } from './impact.ts';
import { describeReaders, fieldReaders, impactOf } from './impact.ts';

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
    pick(m, /on message "([^"]+)"/) ?? pick(m, /on enum "([^"]+)"/) ?? pick(m, /present message "([^"]+)"/) ?? pick(m, /present enum "([^"]+)"/) ?? pick(m, /message "([^"]+)"/) ?? pick(m, /enum "([^"]+)"/);
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

/** A change's detail from buf's words: `changed type from "string" to "int32"` -> `string->int32`. */
function detailOf(message: string): string | undefined {
  const m = /from "([^"]+)" to "([^"]+)"/.exec(message) ?? /moved from (outside|inside) to (inside|outside)/.exec(message);
  return m ? `${m[1]}->${m[2]}`.replace(/ with implicit presence/g, '').replace(/\s+/g, '_') : undefined;
}

/** `[5,7)` -> `5-6`: reserved ranges as people write them. */
function reservedRange(message: string): string | undefined {
  // buf writes `[5,7)` (end exclusive) or `[8,9]` (end inclusive) depending on the rule.
  const m = /reserved range "\[(\d+),\s*(\d+)([\])])"/.exec(message);
  if (!m) return undefined;
  const [from, to] = [Number(m[1]), Number(m[2]) - (m[3] === ')' ? 1 : 0)];
  return from === to ? `${from}` : `${from}-${to}`;
}

/** Turns buf's findings against one baseline into diagnostics naming type, field, messages, consumers and readers. */
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
    const info = fullType ? (cmp.baselineGraph?.types.get(fullType) ?? cmp.currentGraph?.types.get(fullType)) : undefined;
    const isEnum = info?.kind === 'enum' || /^ENUM_/.test(f.type);
    // The field's name from the graph when buf only gives its number (reserved ranges, enum values).
    const baseField = p.fieldNumber ? info?.fields.find((x) => String(x.number) === p.fieldNumber) : undefined;
    const enumValue = isEnum && p.fieldNumber ? info?.values?.find((v) => String(v.number) === p.fieldNumber) : undefined;
    const fieldName = p.fieldName ?? baseField?.name ?? enumValue?.name;
    const range = reservedRange(f.message);
    const packageChange = f.type === 'FILE_SAME_PACKAGE' ? detailOf(f.message) : undefined;
    // A package rename moves every type of the file: trace each of them.
    const types = fullType ? [fullType] : packageChange ? [...(cmp.baselineGraph?.types.values() ?? [])].filter((t) => t.file === f.path).map((t) => t.fullName) : [];
    const impacts = types.map((t) => impactOf(cmp, t));
    const messages = [...new Set(impacts.flatMap((i) => i.messages))];
    const consumers = [...new Set(impacts.flatMap((i) => i.consumers))].sort();
    const jsonName = isEnum ? undefined : (baseField ?? cmp.currentGraph?.types.get(fullType ?? '')?.fields.find((x) => x.name === fieldName))?.jsonName;
    // Readers come from the pact files; without them (the docs changelog) nothing is said about readers.
    const readers = cmp.reads && fullType && (fieldName || isEnum) && !range ? fieldReaders(cmp, impacts[0]!, info?.mapEntry ? info.mapEntry.owner : fullType, info?.mapEntry ? info.mapEntry.jsonName : jsonName) : [];
    const element = fullType
      ? `${fullType}${range ? `.reserved[${range}]` : fieldName ? `.${fieldName}` : ''}${p.fieldNumber && !range ? `${isEnum ? '=' : '#'}${p.fieldNumber}` : ''}`
      : f.path;
    const detail = detailOf(f.message);
    const d: Diagnostic = {
      gate: 'breaking',
      severity: 'error',
      code: f.type,
      path: {
        file: f.path,
        ...(f.start_line ? { line: f.start_line } : {}),
        ...(fullType ? { type: fullType } : {}),
        ...(range ? { field: `reserved ${range}` } : fieldName ? { field: fieldName } : p.fieldNumber ? { field: `#${p.fieldNumber}` } : {}),
      },
      subject: `${element}${detail ? `:${detail}` : ''}`,
      message: readers.length > 0 ? `${message} ${describeReaders(readers)}` : message,
      ...(messages.length > 0 ? { messages } : {}),
      ...(consumers.length > 0 ? { consumers } : {}),
      ...(readers.length > 0 ? { readers } : {}),
    };
    return d;
  });
}

export const breakingGate: Gate = {
  name: 'breaking',
  summary: '`buf breaking` against each baseline (category from buf.yaml, WIRE_JSON)',
  needsBaseline: true,
  async run({ compare }) {
    return { diagnostics: await compare!.breaking(), notes: [`buf breaking against ${compare!.baseline.name} (rules from buf.yaml).`] };
  },
};

/** Runs `buf breaking` in `root` against the baseline's tree or image. */
export async function runBufBreaking(root: string, against: string): Promise<BufFinding[]> {
  return (await runBuf(['breaking', '--against', against], root)).findings;
}
