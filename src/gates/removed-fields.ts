// The pact-reader rule: a field deleted the wire-safe way (number and name reserved) passes buf, yet a
// consumer whose pact reads it loses it. Part of the asyncapi gate's verdict; pure, no I/O.
import type { Diagnostic } from './diagnostics.ts';
import type { Comparison } from './impact.ts';
import { describeReaders, fieldReaders, impactOf } from './impact.ts';

export function mergeReaders(readers: NonNullable<Diagnostic['readers']>): NonNullable<Diagnostic['readers']> {
  const by = new Map<string, NonNullable<Diagnostic['readers']>[number]>();
  for (const r of readers) {
    const seen = by.get(r.consumer);
    by.set(r.consumer, seen ? { ...seen, ...(r.pact ? { pact: r.pact } : {}), reads: [...new Set([...seen.reads, ...r.reads])].sort() } : { ...r });
  }
  return [...by.values()];
}

/**
 * Fields deleted in a wire-safe way (number and name reserved): buf passes them, but a consumer whose
 * pact reads the field loses it. Blocked when a pact reads it; a warning when a receiver has no pact.
 */
export function removedFieldsStillRead(cmp: Comparison, breaking: Diagnostic[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (!cmp.baselineGraph || !cmp.currentGraph || !cmp.current) return out;
  for (const before of cmp.baselineGraph.types.values()) {
    if (before.kind !== 'message' || before.mapEntry) continue;
    const after = cmp.currentGraph.types.get(before.fullName);
    if (!after) continue;
    for (const field of before.fields) {
      if (after.fields.some((f) => f.number === field.number)) continue;
      if (breaking.some((d) => d.path.type === before.fullName && (d.path.field === field.name || d.path.field === `#${field.number}`))) continue;
      const impact = impactOf(cmp, before.fullName);
      if (impact.carriers.length === 0) continue;
      const readers = fieldReaders(cmp, impact, before.fullName, field.jsonName);
      const reading = readers.some((r) => r.reads.length > 0);
      const unknown = readers.some((r) => !r.pact);
      const file = after.file || before.file;
      out.push({
        gate: 'asyncapi',
        severity: reading ? 'error' : unknown ? 'warning' : 'info',
        code: 'FIELD_REMOVED_WHILE_READ',
        path: { file, ...(after.line ? { line: after.line } : {}), type: before.fullName, field: field.name },
        subject: `${before.fullName}.${field.name}#${field.number}`,
        message: `Field "${field.name}" (${field.number}) of ${before.fullName} was deleted and reserved: wire-safe, but it no longer travels in ${impact.messages.join(', ')}. ${describeReaders(readers)}`,
        ...(impact.messages.length > 0 ? { messages: impact.messages } : {}),
        consumers: readers.filter((r) => r.reads.length > 0 || !r.pact).map((r) => r.consumer),
        readers,
      });
    }
  }
  return out;
}

