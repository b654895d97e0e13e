// Traces a changed proto type to the AsyncAPI messages that carry it and the services that receive
// them, on both sides of a comparison. Pure lookups over already-loaded views; no I/O.
import type { ContractView } from './contract-view.ts';
import { consumersOf } from './contract-view.ts';
import type { ProtoGraph } from './proto-graph.ts';

/** Both sides of one comparison: the working tree and one baseline. Any part may be missing. */
export interface Comparison {
  baselineName: string;
  current?: ContractView;
  baseline?: ContractView;
  currentGraph?: ProtoGraph;
  baselineGraph?: ProtoGraph;
}

export interface Impact {
  /** `channel/message` keys, for example `catalogMovie/MovieCreated`. */
  carriers: { channel: string; message: string }[];
  messages: string[];
  consumers: string[];
}

/** Which AsyncAPI messages carry `protoType` (directly or nested) and who receives them. */
export function impactOf(cmp: Comparison, protoType: string): Impact {
  const carriers = new Map<string, { channel: string; message: string }>();
  const consumers = new Set<string>();
  for (const [view, graph] of [[cmp.baseline, cmp.baselineGraph ?? cmp.currentGraph], [cmp.current, cmp.currentGraph ?? cmp.baselineGraph]] as const) {
    if (!view) continue;
    for (const channel of view.channels.values()) {
      for (const message of channel.messages.values()) {
        if (!message.protoType) continue;
        const uses = graph ? graph.uses(message.protoType, protoType) : message.protoType === protoType;
        if (!uses) continue;
        carriers.set(`${channel.id}/${message.key}`, { channel: channel.id, message: message.key });
        for (const c of consumersOf(view, channel.id, message.key)) consumers.add(c);
      }
    }
  }
  const list = [...carriers.values()].sort((a, b) => `${a.channel}/${a.message}`.localeCompare(`${b.channel}/${b.message}`));
  return { carriers: list, messages: [...new Set(list.map((c) => c.message))], consumers: [...consumers].sort() };
}
