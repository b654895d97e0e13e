// Pages for channels and services: what flows through a stream, and what a service sends and receives.
// They only link and summarise; message details live on the message pages.
import type { Contract, ContractChannel, ContractService } from '../../codegen/contract.ts';
import { partitionStreamKey } from '../../runtime/redis/stream-names.ts';
import { dotted, html, inlineMarkdown, type SafeHtml } from '../html.ts';
import { channelPath, messagePath, rootOf, servicePath, type PortalPage } from '../layout.ts';

function messageCards(contract: Contract, root: string, names: string[]): SafeHtml {
  return html`<div class="cards">${names.map((name) => {
    const message = contract.messages.find((m) => m.name === name);
    return html`<a class="card" href="${root}${messagePath(name)}"><h3>${name}</h3><p>${message?.summary ?? message?.title ?? ''}</p><div class="meta"><span class="badge badge-info">${dotted(message?.protoType ?? '')}</span></div></a>`;
  })}</div>`;
}

export function channelPage(contract: Contract, channel: ContractChannel): PortalPage {
  const path = channelPath(channel.id);
  const root = rootOf(path);
  const operations = contract.operations.filter((o) => o.channel === channel.id);
  const body = html`
<p class="eyebrow">Channel · Redis stream</p>
<h1 data-testid="channel-title">${channel.address}</h1>
<p class="lead">${channel.title ?? ''}</p>
${inlineMarkdown(channel.description)}
<div class="panel"><dl class="facts">${
    channel.partitions
      ? html`
  <dt>Partitions</dt><dd data-testid="channel-partitions">${channel.partitions}: an event goes to partition <code>crc32(subject) mod ${channel.partitions}</code> (<a href="${root}wire-format.html#partitions">how</a>)</dd>
  <dt>Stream keys</dt><dd><code>${partitionStreamKey(channel.address, 0, channel.partitions)}</code> … <code>${partitionStreamKey(channel.address, channel.partitions - 1, channel.partitions)}</code></dd>
  <dt>Dead-letter streams</dt><dd><code>${partitionStreamKey(channel.address, 0, channel.partitions)}.dlq</code> … (one per partition)</dd>
  <dt>AsyncAPI id</dt><dd><code>${channel.id}</code></dd>
  <dt>Read it</dt><dd><code>redis-cli XRANGE '${partitionStreamKey(channel.address, 0, channel.partitions)}' - + COUNT 10</code></dd>`
      : html`
  <dt>Stream key</dt><dd><code>${channel.address}</code></dd>
  <dt>Dead-letter stream</dt><dd><code>${channel.address}.dlq</code></dd>
  <dt>AsyncAPI id</dt><dd><code>${channel.id}</code></dd>
  <dt>Read it</dt><dd><code>redis-cli XRANGE ${channel.address} - + COUNT 10</code></dd>`
  }
</dl></div>
<h2>Operations</h2>
<table><thead><tr><th>Service</th><th>Action</th><th>Operation</th><th>Messages</th></tr></thead><tbody>${operations.map(
    (o) => html`<tr><td><a href="${root}${servicePath(o.service)}">${o.service}</a></td><td><span class="badge badge-${o.action}">${o.action}</span></td><td><code>${o.id}</code><div class="note">${o.title ?? ''}</div></td><td>${o.messages.map((m, i) => html`${i > 0 ? ', ' : ''}<a href="${root}${messagePath(m)}">${m}</a>`)}</td></tr>`,
  )}</tbody></table>
<h2>Messages</h2>
${messageCards(contract, root, channel.messages)}`;
  return { path, title: channel.address, active: path, body };
}

export function servicePage(contract: Contract, service: ContractService): PortalPage {
  const path = servicePath(service.name);
  const root = rootOf(path);
  const operations = contract.operations.filter((o) => o.service === service.name);
  const channelRow = (id: string) => {
    const channel = contract.channels.find((c) => c.id === id);
    return html`<a href="${root}${channelPath(id)}">${channel?.address ?? id}</a>`;
  };
  const body = html`
<p class="eyebrow">Service</p>
<h1 data-testid="service-title">${service.name}</h1>
<p class="lead">Sends to ${service.sends.length} channel(s), receives from ${service.receives.length}.</p>
<h2>Operations</h2>
<table><thead><tr><th>Action</th><th>Channel</th><th>Operation</th><th>Messages</th></tr></thead><tbody>${operations.map(
    (o) => html`<tr><td><span class="badge badge-${o.action}">${o.action}</span></td><td>${channelRow(o.channel)}</td><td><code>${o.id}</code><div class="note">${o.title ?? ''}</div>${inlineMarkdown(o.description)}</td><td>${o.messages.map((m, i) => html`${i > 0 ? ', ' : ''}<a href="${root}${messagePath(m)}">${m}</a>`)}</td></tr>`,
  )}</tbody></table>
<p class="note">See the <a href="${root}graph.html">event flow graph</a> for where this service sits.</p>`;
  return { path, title: service.name, active: path, body };
}
