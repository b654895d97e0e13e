// The producer/consumer graph: services -> channels -> messages -> consuming services, laid out
// with dagre and drawn as inline SVG whose nodes link to their pages. Never hand-places nodes.
import dagre from '@dagrejs/dagre';
import type { Contract } from '../codegen/contract.ts';
import { escapeHtml, raw, type SafeHtml } from './html.ts';
import { channelPath, messagePath, servicePath } from './layout.ts';

export type FlowNodeKind = 'service' | 'channel' | 'message';

export interface FlowNode {
  readonly key: string;
  readonly kind: FlowNodeKind;
  readonly label: string;
  readonly sublabel: string;
  readonly href: string;
}

export interface FlowEdge {
  readonly from: string;
  readonly to: string;
  readonly relation: 'sends' | 'carries' | 'receives';
}

/** The graph as data, from the contract's operations; the SVG and the tests both read it. */
export function flowGraph(contract: Contract): { nodes: FlowNode[]; edges: FlowEdge[] } {
  const nodes: FlowNode[] = [];
  const edges = new Map<string, FlowEdge>();
  const addEdge = (edge: FlowEdge) => edges.set(`${edge.from}->${edge.to}`, edge);
  for (const service of contract.services) {
    nodes.push({ key: `service:${service.name}`, kind: 'service', label: service.name, sublabel: 'service', href: servicePath(service.name) });
  }
  for (const channel of contract.channels) {
    nodes.push({ key: `channel:${channel.id}`, kind: 'channel', label: channel.address, sublabel: 'channel · stream', href: channelPath(channel.id) });
    for (const message of channel.messages) addEdge({ from: `channel:${channel.id}`, to: `message:${message}`, relation: 'carries' });
  }
  for (const message of contract.messages) {
    nodes.push({ key: `message:${message.name}`, kind: 'message', label: message.name, sublabel: 'message', href: messagePath(message.name) });
  }
  for (const operation of contract.operations) {
    if (operation.action === 'send') {
      addEdge({ from: `service:${operation.service}`, to: `channel:${operation.channel}`, relation: 'sends' });
    } else {
      for (const message of operation.messages) addEdge({ from: `message:${message}`, to: `service:${operation.service}`, relation: 'receives' });
    }
  }
  const known = new Set(nodes.map((n) => n.key));
  return { nodes, edges: [...edges.values()].filter((e) => known.has(e.from) && known.has(e.to)) };
}

const palette: Record<FlowNodeKind, { fill: string; stroke: string; ink: string }> = {
  service: { fill: '#eef0ff', stroke: '#6366f1', ink: '#312e81' },
  channel: { fill: '#fff7e6', stroke: '#f59e0b', ink: '#78350f' },
  message: { fill: '#ecfdf5', stroke: '#10b981', ink: '#064e3b' },
};

export function flowLegend(): SafeHtml {
  const item = (kind: FlowNodeKind, text: string) =>
    `<span><i style="background:${palette[kind].fill};border:1.5px solid ${palette[kind].stroke}"></i>${text}</span>`;
  return raw(`<div class="legend">${item('service', 'Service (producer or consumer)')}${item('channel', 'Channel (Redis stream)')}${item('message', 'Message (protobuf payload)')}<span>Arrows: service → channel it sends to → messages it carries → services that receive them</span></div>`);
}

function pathThrough(points: { x: number; y: number }[]): string {
  const [first, ...rest] = points;
  if (!first) return '';
  let d = `M${first.x.toFixed(1)},${first.y.toFixed(1)}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i]!;
    const next = rest[i + 1]!;
    d += ` Q${p.x.toFixed(1)},${p.y.toFixed(1)} ${((p.x + next.x) / 2).toFixed(1)},${((p.y + next.y) / 2).toFixed(1)}`;
  }
  const last = rest[rest.length - 1];
  if (last) d += ` L${last.x.toFixed(1)},${last.y.toFixed(1)}`;
  return d;
}

/** Inline SVG of the flow graph; `root` is the relative prefix from the embedding page to the site root. */
export function renderFlowGraphSvg(contract: Contract, root: string, options: { links?: boolean; direction?: 'TB' | 'LR' } = {}): SafeHtml {
  const links = options.links ?? true;
  const { nodes, edges } = flowGraph(contract);
  const g = new dagre.graphlib.Graph();
  // Top to bottom fits the content column at full size; left to right suits a wide, short preview.
  const direction = options.direction ?? 'TB';
  g.setGraph({ rankdir: direction, nodesep: direction === 'TB' ? 28 : 18, ranksep: direction === 'TB' ? 46 : 56, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) {
    // Width from the label length: system sans at 13px is ~7.4px per character.
    g.setNode(node.key, { width: Math.max(120, Math.max(node.label.length, node.sublabel.length) * 7.4 + 32), height: 50 });
  }
  for (const edge of edges) g.setEdge(edge.from, edge.to);
  dagre.layout(g);
  const size = g.graph() as { width?: number; height?: number };
  const width = Math.ceil(size.width ?? 0);
  const height = Math.ceil(size.height ?? 0);

  const edgeSvg = edges.map((edge) => {
    const points = (g.edge(edge.from, edge.to) as { points?: { x: number; y: number }[] }).points ?? [];
    return `<path class="edge" data-relation="${edge.relation}" d="${pathThrough(points)}" marker-end="url(#${links ? 'arrow' : 'arrow-preview'})"/>`;
  });
  const nodeSvg = nodes.map((node) => {
    const box = g.node(node.key) as { x: number; y: number; width: number; height: number };
    const colors = palette[node.kind];
    const x = box.x - box.width / 2;
    const y = box.y - box.height / 2;
    // Inside a preview that is itself a link, nodes are plain groups: links cannot nest.
    const open = links ? `<a class="node" href="${escapeHtml(root + node.href)}" data-node="${escapeHtml(node.key)}" data-kind="${node.kind}">` : `<g class="node" data-kind="${node.kind}">`;
    return open +
      `<title>${escapeHtml(`${node.sublabel}: ${node.label}`)}</title>` +
      `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${box.width.toFixed(1)}" height="${box.height}" rx="10" fill="${colors.fill}" stroke="${colors.stroke}"/>` +
      `<text class="kind" x="${box.x.toFixed(1)}" y="${(box.y - 6).toFixed(1)}" text-anchor="middle" fill="${colors.stroke}">${escapeHtml(node.sublabel)}</text>` +
      `<text x="${box.x.toFixed(1)}" y="${(box.y + 12).toFixed(1)}" text-anchor="middle" fill="${colors.ink}" font-weight="600">${escapeHtml(node.label)}</text>${links ? '</a>' : '</g>'}`;
  });
  return raw(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="group" aria-label="Producer and consumer graph">` +
      `<defs><marker id="${links ? 'arrow' : 'arrow-preview'}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#94a3b8"/></marker></defs>` +
      `<g class="edges">${edgeSvg.join('')}</g><g class="nodes">${nodeSvg.join('')}</g></svg>`,
  );
}
