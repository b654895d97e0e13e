// Gate 3: structural diff of the AsyncAPI document against a baseline. Channels, messages, headers
// and payload types are classified by Herald's rules (naming the consumers a break hurts); payload
// contents are classified from buf's findings; everything else is left to @asyncapi/diff's standard.
// It never reads proto files itself and never softens a break @asyncapi/diff calls breaking.
import { diff } from '@asyncapi/diff';
import type { ContractView, ViewMessage } from './contract-view.ts';
import { consumersOf } from './contract-view.ts';
import type { Diagnostic, DiagnosticPath, Severity } from './diagnostics.ts';
import { changeId } from './diagnostics.ts';
import type { Gate } from './gate.ts';
import type { Comparison } from './impact.ts';
import { describeReaders } from './impact.ts';
import { mergeReaders, removedFieldsStillRead } from './removed-fields.ts';

export const asyncapiGate: Gate = {
  name: 'asyncapi',
  summary: "Herald's structural diff of asyncapi.yaml (channels, operations, messages, headers, payloads) plus @asyncapi/diff",
  needsBaseline: true,
  async run({ compare }) {
    return asyncapiDiagnostics(compare!.cmp, await compare!.breaking());
  },
};

type Json = Record<string, unknown>;

/** Paths Herald's own rules below already judge, so @asyncapi/diff's verdict on them is not repeated. */
const coveredByHerald = [
  /^\/channels\/[^/]+$/,
  /^\/channels\/[^/]+\/(address|x-herald-partitions)$/,
  /^\/channels\/[^/]+\/messages(\/[^/]+)?$/,
  /^\/channels\/[^/]+\/messages\/[^/]+\/(headers|payload|contentType|x-herald-[^/]+|examples|title|summary|description|name)(\/|$)/,
  // Operations added or removed, and their message lists: the send/receive rules below. An operation's
  // action, channel or bindings changing stays with @asyncapi/diff's verdict.
  /^\/operations(\/[^/]+)?$/,
  /^\/operations\/[^/]+\/(messages|title|summary|description|x-herald-[^/]+)(\/|$)/,
  /^\/(info|components)(\/|$)/,
];

function headerSchema(m: ViewMessage | undefined): { properties: Json; required: Set<string> } {
  const h = m?.headers ?? {};
  const properties = (typeof h.properties === 'object' && h.properties ? h.properties : {}) as Json;
  const required = new Set(Array.isArray(h.required) ? (h.required as string[]) : []);
  return { properties, required };
}

export function asyncapiDiagnostics(cmp: Comparison, breaking: Diagnostic[]): { diagnostics: Diagnostic[]; notes: string[] } {
  const out: Diagnostic[] = [];
  const notes: string[] = [];
  const { baseline, current } = cmp;
  if (!baseline || !current) {
    notes.push(`AsyncAPI diff skipped for ${cmp.baselineName}: ${baseline ? 'the working tree' : 'the baseline'} has no AsyncAPI document.`);
    return { diagnostics: out, notes };
  }
  const at = (view: ContractView, segments: string[]): Pick<DiagnosticPath, 'file' | 'line'> => {
    const line = view.locate(segments);
    return { file: current.file, ...(line && view === current ? { line } : {}) };
  };
  const add = (severity: Severity, code: string, path: DiagnosticPath, message: string, consumers: string[] = [], extra: Partial<Diagnostic> = {}) =>
    out.push({ gate: 'asyncapi', severity, code, path, message, ...(consumers.length > 0 ? { consumers } : {}), ...extra });
  const receivers = (channel: string, message?: string) => consumersOf(baseline, channel, message);
  const who = (c: string[]) => (c.length > 0 ? ` It breaks ${c.join(', ')}, which receive${c.length === 1 ? 's' : ''} it.` : '');

  for (const before of baseline.channels.values()) {
    const after = current.channels.get(before.id);
    const consumers = receivers(before.id);
    if (!after) {
      const sameAddress = [...current.channels.values()].find((c) => c.address === before.address && !baseline.channels.has(c.id));
      if (sameAddress) {
        add('warning', 'CHANNEL_ID_RENAMED', { ...at(current, ['channels', sameAddress.id]), channel: before.id },
          `Channel "${before.id}" is now called "${sameAddress.id}" (same stream ${before.address}): the wire is unchanged, but generated SDK names change.`, consumers);
      } else {
        add(consumers.length > 0 ? 'error' : 'warning', 'CHANNEL_REMOVED', { ...at(current, ['channels']), channel: before.id },
          `Channel "${before.id}" (stream ${before.address}) was removed.${who(consumers)}`, consumers, { subject: `${before.id}:${before.address}` });
      }
      continue;
    }
    if (after.address !== before.address) {
      add('error', 'CHANNEL_ADDRESS_CHANGED', { ...at(current, ['channels', after.id, 'address']), channel: after.id },
        `Channel "${after.id}" moved from stream ${before.address} to ${after.address}: consumer groups on the old stream stop receiving events.${who(consumers)}`, consumers,
        { subject: `${after.id}:${before.address}->${after.address}` });
    }
    if (after.partitions !== before.partitions) {
      add('error', 'CHANNEL_PARTITIONS_CHANGED', { ...at(current, ['channels', after.id, 'x-herald-partitions']), channel: after.id },
        `Channel "${after.id}" changed from ${before.partitions} to ${after.partitions} partition(s): each subject's events move to other streams, so per-subject order breaks and consumer groups on the old streams stop receiving.${who(consumers)} Publish a new channel instead.`, consumers,
        { subject: `${after.id}:partitions:${before.partitions}->${after.partitions}` });
    }
    for (const m of before.messages.values()) {
      const now = after.messages.get(m.key);
      const msgConsumers = receivers(before.id, m.key);
      const where = (segments: string[]): DiagnosticPath => ({ ...at(current, ['channels', after.id, 'messages', m.key, ...segments]), channel: after.id, message: m.key });
      if (!now) {
        // No declared receiver left (a receive-side removal already judged it): name who still reads the channel.
        const channelReaders = consumersOf(current, after.id);
        add(msgConsumers.length > 0 ? 'error' : 'warning', 'MESSAGE_REMOVED_FROM_CHANNEL', where([]),
          `Message "${m.key}" was removed from channel "${after.id}".${msgConsumers.length > 0 ? who(msgConsumers)
            : channelReaders.length > 0 ? ` No service declares receiving it any more; ${channelReaders.join(', ')} still read${channelReaders.length === 1 ? 's' : ''} the channel and must not rely on it.` : ' No service receives it.'}`, msgConsumers);
        continue;
      }
      if (m.protoType && now.protoType && m.protoType !== now.protoType) {
        add('error', 'PAYLOAD_TYPE_CHANGED', where(['payload']),
          `Message "${m.key}" on "${after.id}" now carries ${now.protoType} instead of ${m.protoType}; publish the new type as a new message or channel instead.${who(msgConsumers)}`, msgConsumers);
      }
      if (m.contentType && now.contentType && m.contentType !== now.contentType) {
        add('error', 'CONTENT_TYPE_CHANGED', where(['contentType']), `Message "${m.key}" changed content type from ${m.contentType} to ${now.contentType}.${who(msgConsumers)}`, msgConsumers);
      }
      const [hb, ha] = [headerSchema(m), headerSchema(now)];
      for (const name of Object.keys(ha.properties).sort()) {
        const field = `headers.${name}`;
        if (!(name in hb.properties)) {
          if (ha.required.has(name)) add('error', 'HEADER_REQUIRED_ADDED', { ...where(['headers']), field },
            `Required header "${name}" was added to "${m.key}": events already on the stream, and producers not yet sending it, lack it.${who(msgConsumers)}`, msgConsumers);
          else add('info', 'HEADER_OPTIONAL_ADDED', { ...where(['headers']), field }, `Optional header "${name}" was added to "${m.key}".`);
          continue;
        }
        if (ha.required.has(name) && !hb.required.has(name)) add('error', 'HEADER_REQUIRED_ADDED', { ...where(['headers']), field },
          `Header "${name}" of "${m.key}" became required: older events do not carry it.${who(msgConsumers)}`, msgConsumers);
        const [tb, ta] = [(hb.properties[name] as Json | undefined) ?? {}, (ha.properties[name] as Json | undefined) ?? {}];
        for (const key of ['type', 'const', 'format', 'enum'] as const) {
          if (JSON.stringify(tb[key]) !== JSON.stringify(ta[key])) add('error', 'HEADER_SCHEMA_CHANGED', { ...where(['headers']), field },
            `Header "${name}" of "${m.key}" changed its ${key} from ${JSON.stringify(tb[key])} to ${JSON.stringify(ta[key])}.${who(msgConsumers)}`, msgConsumers);
        }
      }
      for (const name of Object.keys(hb.properties).sort()) {
        if (name in ha.properties) continue;
        const required = hb.required.has(name);
        add(required ? 'error' : 'warning', 'HEADER_REMOVED', { ...where(['headers']), field: `headers.${name}` },
          `${required ? 'Required' : 'Optional'} header "${name}" was removed from "${m.key}".${required ? who(msgConsumers) : ''}`, required ? msgConsumers : []);
      }
      // Payload contents: buf judged the proto change; Herald names the message and its consumers.
      const hits = breaking.filter((d) => d.severity === 'error' && d.messages?.includes(m.key));
      if (hits.length > 0) {
        const what = hits.map((d) => `${d.path.type ?? d.path.file ?? '?'}${d.path.field ? `.${d.path.field}` : ''} (${d.code})`);
        const readers = hits.flatMap((d) => d.readers ?? []).filter((r) => consumersOf(baseline, after.id, m.key).includes(r.consumer));
        add('error', 'PAYLOAD_INCOMPATIBLE', where(['payload']),
          `Payload of "${m.key}" (${now.protoType ?? m.protoType}) changed incompatibly: ${[...new Set(what)].join('; ')}.${readers.length > 0 ? ` ${describeReaders(mergeReaders(readers))}` : who(msgConsumers)}`, msgConsumers,
          { subject: `${after.id}.${m.key}`, causes: [...new Set(hits.map(changeId))], ...(readers.length > 0 ? { readers: mergeReaders(readers) } : {}) });
      }
    }
    for (const m of after.messages.values()) {
      if (!before.messages.has(m.key)) add('info', 'MESSAGE_ADDED', { ...at(current, ['channels', after.id, 'messages', m.key]), channel: after.id, message: m.key }, `Message "${m.key}" was added to channel "${after.id}".`);
    }
  }
  for (const c of current.channels.values()) {
    if (!baseline.channels.has(c.id) && ![...baseline.channels.values()].some((b) => b.address === c.address && !current.channels.has(b.id))) {
      // A new major beside the old one (catalog.movie.v2 next to catalog.movie.v1) is an intentional break done the reviewable way.
      const major = /^(.*)\.v(\d+)$/.exec(c.address);
      const older = major ? [...current.channels.values()].find((o) => o.id !== c.id && new RegExp(`^${major[1]!.replace(/[.]/g, '\\.')}\\.v(\\d+)$`).test(o.address)) : undefined;
      if (older) {
        add('info', 'MAJOR_VERSION_ADDED', { ...at(current, ['channels', c.id]), channel: c.id },
          `Channel "${c.id}" (stream ${c.address}) is a new major version beside "${older.id}" (${older.address}); ${older.id} stays until its consumers (${consumersOf(current, older.id).join(', ') || 'none'}) have moved.`,
          [], { intentional: 'versioned' });
      } else add('info', 'CHANNEL_ADDED', { ...at(current, ['channels', c.id]), channel: c.id }, `Channel "${c.id}" (stream ${c.address}) was added.`);
    }
  }
  for (const op of baseline.operations) {
    const now = current.operations.find((o) => o.id === op.id);
    const channelStays = !!op.channel && current.channels.has(op.channel);
    if (op.action === 'send' && channelStays) {
      if (!now) {
        add('warning', 'SEND_OPERATION_REMOVED', { ...at(current, ['operations']), channel: op.channel! },
          `Operation "${op.id}" (${op.service ?? '?'} sends to "${op.channel}") was removed, but the channel stays: its consumers may wait for events that no longer come.`, receivers(op.channel!), { subject: op.id });
        continue;
      }
      for (const message of op.messages.filter((x) => !now.messages.includes(x) && now.messages.length > 0)) {
        add('warning', 'SEND_MESSAGE_REMOVED', { ...at(current, ['operations', op.id, 'messages']), channel: op.channel!, message },
          `${op.service ?? op.id} no longer declares sending "${message}" on "${op.channel}": its consumers may wait for events that no longer come.`, receivers(op.channel!, message), { subject: `${op.id}.${message}` });
      }
    }
    // Receive side: the service stops handling events that are still published to it. Its consumer would
    // dead-letter them as unknown-type (or its group would hold back retention): blocked unless allow-listed.
    if (op.action === 'receive' && channelStays) {
      const sent = (msg: string) => current.operations.some((o) => o.action === 'send' && o.channel === op.channel && (o.messages.length === 0 || o.messages.includes(msg)));
      const service = op.service ?? op.id;
      if (!now) {
        add('error', 'RECEIVE_OPERATION_REMOVED', { ...at(current, ['operations']), channel: op.channel! },
          `Operation "${op.id}" (${service} receives from "${op.channel}") was removed while the channel stays: ${service}'s consumer group stops reading, so retention can no longer trim past it. Delete the group when ${service} is gone, and allow-list this entry.`,
          [service], { subject: op.id });
        continue;
      }
      const removed = (op.messages.length > 0 ? op.messages : [...(baseline.channels.get(op.channel!)?.messages.keys() ?? [])])
        .filter((x) => now.messages.length > 0 && !now.messages.includes(x) && current.channels.get(op.channel!)?.messages.has(x));
      for (const message of removed) {
        add('error', 'RECEIVE_MESSAGE_REMOVED', { ...at(current, ['operations', op.id, 'messages']), channel: op.channel!, message },
          `${service} no longer handles "${message}" (operation "${op.id}"), yet ${sent(message) ? 'it is still sent' : 'it is still carried'} on "${op.channel}": ${service}'s consumer would dead-letter every such event as unknown-type.`,
          [service], { subject: `${op.id}.${message}` });
      }
    }
  }
  out.push(...removedFieldsStillRead(cmp, breaking));

  // Everything outside Herald's rules (servers, bindings, defaultContentType, ...): @asyncapi/diff's standard.
  const result = diff(baseline.normalized, current.normalized);
  const changes = (result.getOutput() as { changes: { action: string; path: string; type: string }[] }).changes;
  for (const change of changes) {
    if (change.type !== 'breaking' || coveredByHerald.some((re) => re.test(change.path))) continue;
    const segments = change.path.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    add('error', 'ASYNCAPI_BREAKING', { ...at(current, segments), field: change.path },
      `@asyncapi/diff classifies this ${change.action} at ${change.path} as breaking.`);
  }
  const count = (t: string) => changes.filter((c) => c.type === t).length;
  notes.push(`@asyncapi/diff against ${cmp.baselineName}: ${changes.length} change(s): ${count('breaking')} breaking, ${count('non-breaking')} non-breaking, ${count('unclassified')} unclassified (payloads and headers classified by Herald).`);
  return { diagnostics: out, notes };
}
