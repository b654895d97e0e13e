// The landing page and the graph page: the way in to the portal and the map of who talks to whom.
// They summarise the contract; details stay on the linked pages.
import type { Contract } from '../../codegen/contract.ts';
import { flowLegend, renderFlowGraphSvg } from '../flow-graph.ts';
import { dotted, html, inlineMarkdown } from '../html.ts';
import { channelPath, messagePath, portalTitle, servicePath, type PortalPage } from '../layout.ts';

export function landingPage(contract: Contract): PortalPage {
  const { title, version } = portalTitle(contract);
  const info = (contract.document['info'] ?? {}) as { description?: string };
  const servers = Object.entries((contract.document['servers'] ?? {}) as Record<string, { host?: string; protocol?: string }>);
  const body = html`
<p class="eyebrow">Contract portal${version ? ` · version ${version}` : ''}</p>
<h1>${title}</h1>
<div class="lead">${inlineMarkdown(info.description)}</div>
<div class="stats">
  <div class="stat"><b>${contract.messages.length}</b><span>messages</span></div>
  <div class="stat"><b>${contract.channels.length}</b><span>channels (Redis streams)</span></div>
  <div class="stat"><b>${contract.services.length}</b><span>services</span></div>
  <div class="stat"><b>${servers.length}</b><span>server(s): ${servers.map(([name, s]) => `${name} (${s.protocol ?? '?'}://${s.host ?? ''})`).join(', ')}</span></div>
</div>
<h2>Explore</h2>
<div class="cards four">
  <a class="card accent" style="--accent:#6366f1" href="graph.html"><span class="kicker">Map</span><h3>Event flow graph</h3><p>Which service sends which message on which stream, and who consumes it.</p></a>
  <a class="card accent" style="--accent:#0ea5e9" href="reference/index.html"><span class="kicker">AsyncAPI</span><h3>Reference</h3><p>Servers, channels, operations and messages with payload schemas, envelope headers and examples.</p></a>
  <a class="card accent" style="--accent:#10b981" href="wire-format.html"><span class="kicker">Any language</span><h3>Wire format</h3><p>The CloudEvents fields of a stream entry and how to decode them.</p></a>
  <a class="card accent" style="--accent:#f59e0b" href="changelog.html"><span class="kicker">Compatibility</span><h3>Changelog</h3><p>What changed per release and per message, and whether it was compatible.</p></a>
</div>
<h2>Event flow at a glance</h2>
<a class="graph graph-preview" href="graph.html" aria-label="Open the event flow graph">${renderFlowGraphSvg(contract, '', { links: false, direction: 'LR' })}</a>
<h2>Messages</h2>
<div class="cards">${contract.messages.map(
    (m) => html`<a class="card" href="${messagePath(m.name)}" data-testid="message-card"><h3>${m.name}</h3><p>${m.summary ?? m.title ?? ''}</p><div class="meta"><span class="badge badge-info">${dotted(m.protoType)}</span></div></a>`,
  )}</div>
<h2>Channels</h2>
<div class="cards">${contract.channels.map(
    (c) => html`<a class="card" href="${channelPath(c.id)}" data-testid="channel-card"><h3><code>${c.address}</code></h3><p>${c.title ?? c.description ?? ''}</p><div class="meta">${c.messages.map((m) => html`<span class="badge">${m}</span>`)}</div></a>`,
  )}</div>
<h2>Services</h2>
<div class="cards">${contract.services.map(
    (s) => html`<a class="card" href="${servicePath(s.name)}"><h3>${s.name}</h3><p>sends to ${s.sends.length} · receives from ${s.receives.length} channel(s)</p></a>`,
  )}</div>`;
  return { path: 'index.html', title: 'Overview', active: 'index.html', body };
}

export function graphPage(contract: Contract): PortalPage {
  const body = html`
<p class="eyebrow">Event flow</p>
<h1>Producers, channels, messages, consumers</h1>
<p class="lead">Drawn from the operations in <code>asyncapi.yaml</code>: a service that <em>sends</em> points to its channel; a channel points to the messages it carries; a message points to each service that <em>receives</em> it. Click a node to open its page.</p>
<div class="graph" data-testid="flow-graph">${renderFlowGraphSvg(contract, '')}</div>
${flowLegend()}`;
  return { path: 'graph.html', title: 'Event flow graph', active: 'graph.html', body };
}
