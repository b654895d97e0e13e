// Traces a changed proto type (and field) to the AsyncAPI messages that carry it, the services that
// receive them, and, through the pact files, which of those services read the changed field.
// Pure lookups over already-loaded views; no I/O.
import type { ContractView } from './contract-view.ts';
import { consumersOf } from './contract-view.ts';
import type { FieldReader } from './diagnostics.ts';
import type { PactReads } from './pact-reads.ts';
import type { ProtoGraph } from './proto-graph.ts';

/** Both sides of one comparison: the working tree and one baseline. Any part may be missing. */
export interface Comparison {
  baselineName: string;
  current?: ContractView;
  baseline?: ContractView;
  currentGraph?: ProtoGraph;
  baselineGraph?: ProtoGraph;
  /** What each consumer reads, from the working tree's pact files. */
  reads?: PactReads;
}

export interface Impact {
  /** `channel/message` keys, for example `catalogMovie/MovieCreated`, with the message's top-level proto type. */
  carriers: { channel: string; message: string; protoType: string }[];
  messages: string[];
  consumers: string[];
}

/** Which AsyncAPI messages carry `protoType` (directly or nested) and who receives them. */
export function impactOf(cmp: Comparison, protoType: string): Impact {
  const carriers = new Map<string, { channel: string; message: string; protoType: string }>();
  const consumers = new Set<string>();
  for (const [view, graph] of [[cmp.baseline, cmp.baselineGraph ?? cmp.currentGraph], [cmp.current, cmp.currentGraph ?? cmp.baselineGraph]] as const) {
    if (!view) continue;
    for (const channel of view.channels.values()) {
      for (const message of channel.messages.values()) {
        if (!message.protoType) continue;
        const uses = graph ? graph.uses(message.protoType, protoType) : message.protoType === protoType;
        if (!uses) continue;
        carriers.set(`${channel.id}/${message.key}`, { channel: channel.id, message: message.key, protoType: message.protoType });
        for (const c of consumersOf(view, channel.id, message.key)) consumers.add(c);
      }
    }
  }
  const list = [...carriers.values()].sort((a, b) => `${a.channel}/${a.message}`.localeCompare(`${b.channel}/${b.message}`));
  return { carriers: list, messages: [...new Set(list.map((c) => c.message))], consumers: [...consumers].sort() };
}

/**
 * Who reads field `jsonName` of `protoType` (or, without a field, any field of that type, as for an enum
 * value), joined through the pact files: for each consumer of each carrier, the JSON paths its pacts read
 * at or under the field. A consumer with no pact for the message is listed with no `pact` (unknown reader).
 */
export function fieldReaders(cmp: Comparison, impact: Impact, protoType: string, jsonName?: string): FieldReader[] {
  const graph = (t: string) => (cmp.currentGraph?.types.has(t) ? cmp.currentGraph : cmp.baselineGraph);
  const out = new Map<string, FieldReader>();
  for (const carrier of impact.carriers) {
    const prefixes = graph(carrier.protoType)?.pathsTo(carrier.protoType, protoType) ?? [];
    const fieldPaths = prefixes.map((p) => (jsonName ? (p ? `${p}.${jsonName}` : jsonName) : p)).filter((p) => p !== '');
    const receivers = [cmp.current, cmp.baseline].flatMap((v) => (v ? consumersOf(v, carrier.channel, carrier.message) : []));
    for (const consumer of new Set(receivers)) {
      const reads = cmp.reads?.get(consumer)?.get(carrier.protoType);
      const seen = out.get(consumer) ?? { consumer, reads: [] };
      if (!reads) {
        out.set(consumer, seen);
        continue;
      }
      seen.pact = reads.file;
      const hits = fieldPaths.flatMap((fp) => {
        const re = new RegExp(`^${fp.split('.').map((s) => (s === '*' ? '[^.]+' : s.replace(/[$^\\.*+?()[\]{}|]/g, '\\$&'))).join('\\.')}(\\.|$)`);
        return [...reads.paths].filter((r) => re.test(r));
      });
      // Only the top-most path read is worth naming: `movie.price` covers `movie.price.amountMinor`.
      const top = [...new Set(hits)].filter((h, _i, all) => !all.some((o) => o !== h && h.startsWith(`${o}.`)));
      seen.reads = [...new Set([...seen.reads, ...top])].sort();
      out.set(consumer, seen);
    }
  }
  return [...out.values()].sort((a, b) => a.consumer.localeCompare(b.consumer));
}

/** "breaks sales, which reads movie.title; reporting does not read it" in one sentence. */
export function describeReaders(readers: FieldReader[]): string {
  if (readers.length === 0) return 'No service receives it.';
  const reading = readers.filter((r) => r.reads.length > 0);
  const unknown = readers.filter((r) => !r.pact);
  const notReading = readers.filter((r) => r.pact && r.reads.length === 0);
  const parts: string[] = [];
  if (reading.length > 0) parts.push(`It breaks ${reading.map((r) => `${r.consumer}, which reads ${r.reads.join(', ')} (${r.pact})`).join('; ')}.`);
  if (unknown.length > 0) parts.push(`${unknown.map((r) => r.consumer).join(', ')} ${unknown.length === 1 ? 'has' : 'have'} no pact for it, so may read it.`);
  if (notReading.length > 0 && reading.length === 0 && unknown.length === 0) parts.push(`No known reader: the pacts of ${notReading.map((r) => r.consumer).join(', ')} do not read it.`);
  else if (notReading.length > 0) parts.push(`${notReading.map((r) => r.consumer).join(', ')} do${notReading.length === 1 ? 'es' : ''} not read it.`);
  return parts.join(' ');
}
