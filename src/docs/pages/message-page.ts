// One page per message: what it means, where it flows, its fields, fingerprint and .proto source.
// It shows the contract as written; it never invents fields or examples.
import type { Contract, ContractMessage, ProtoFieldInfo } from '../../codegen/contract.ts';
import { html, inlineMarkdown, type SafeHtml } from '../html.ts';
import { channelPath, messagePath, rootOf, servicePath, type PortalPage } from '../layout.ts';
import { highlightProto } from '../proto-highlight.ts';
import { channelsOf, consumersOf, producersOf } from './contract-lookup.ts';
import { nestedTypeTables, nestedTypes, typeAnchor } from './nested-types.ts';

function fieldType(field: ProtoFieldInfo): string {
  if (field.label === 'repeated') return `repeated ${field.type}`;
  if (field.label === 'optional') return `optional ${field.type}`;
  return field.type;
}

function typeCell(field: ProtoFieldInfo, expanded: Set<string>): SafeHtml {
  const prefix = field.label === 'repeated' ? 'repeated ' : field.label === 'optional' ? 'optional ' : '';
  if (expanded.has(field.type)) return html`<code>${prefix}<a href="#${typeAnchor(field.type)}">${field.type}</a></code>`;
  return html`<code>${fieldType(field)}</code>`;
}

function fieldTable(fields: ProtoFieldInfo[], expanded: Set<string>): SafeHtml {
  return html`<table class="fields">
<thead><tr><th>#</th><th>Field</th><th>Type</th><th>Description</th></tr></thead>
<tbody>${fields.map(
    (f) => html`<tr><td class="num">${f.number}</td><td><code>${f.name}</code>${f.jsonName !== f.name ? html`<div class="note">JSON: ${f.jsonName}</div>` : ''}</td><td>${typeCell(f, expanded)}${f.oneof ? html` <span class="badge badge-info">oneof ${f.oneof}</span>` : ''}</td><td>${f.comment ?? ''}</td></tr>`,
  )}</tbody></table>`;
}

function linkList(root: string, items: { href: string; label: string }[]): SafeHtml {
  if (items.length === 0) return html`<span class="note">none declared</span>`;
  return html`${items.map((item, i) => html`${i > 0 ? ', ' : ''}<a href="${root}${item.href}">${item.label}</a>`)}`;
}

/**
 * Example headers as a reader should see them: an example written with a placeholder or an outdated
 * fingerprint of this message's type shows the real `dataschema`, so the page never shows two.
 */
function shownHeaders(headers: unknown, message: ContractMessage): unknown {
  if (typeof headers !== 'object' || headers === null) return headers;
  const written = (headers as { dataschema?: unknown }).dataschema;
  if (typeof written !== 'string' || !written.startsWith(`herald:${message.protoType}#`)) return headers;
  return { ...headers, dataschema: message.dataschema };
}

/** An example whose dataschema names another type is a mistake in the contract; say so next to it. */
function exampleSchemaNote(headers: unknown, message: ContractMessage): SafeHtml {
  const written = (headers as { dataschema?: unknown } | undefined)?.dataschema;
  if (typeof written !== 'string' || written.startsWith(`herald:${message.protoType}#`)) return html``;
  return html`<p class="note">This example's <code>dataschema</code> does not name ${message.protoType}; events on the wire carry <code>${message.dataschema}</code>.</p>`;
}

export function messagePage(contract: Contract, message: ContractMessage): PortalPage {
  const path = messagePath(message.name);
  const root = rootOf(path);
  const channels = channelsOf(contract, message.name);
  const producers = producersOf(contract, message.name);
  const consumers = consumersOf(contract, message.name);
  const protoFile = contract.protoFiles.find((f) => f.path === message.protoFile);
  const expanded = new Set(nestedTypes(contract, message.protoType).map((t) => t.fullName.replace(/^\./, '')));
  const examples = message.examples as { name?: string; summary?: string; headers?: unknown; payload?: unknown }[];
  const body = html`
<p class="eyebrow">Message</p>
<h1 data-testid="message-title">${message.name}</h1>
<p class="lead">${message.summary ?? message.title ?? ''}</p>
${inlineMarkdown(message.description)}
<div class="panel">
<dl class="facts">
  <dt>Protobuf type</dt><dd><code>${message.protoType}</code></dd>
  <dt>Defined in</dt><dd><code>proto/${message.protoFile}</code></dd>
  <dt>Channel</dt><dd>${linkList(root, channels.map((c) => ({ href: channelPath(c.id), label: c.address })))}</dd>
  <dt>Producers</dt><dd>${linkList(root, producers.map((s) => ({ href: servicePath(s), label: s })))}</dd>
  <dt>Consumers</dt><dd>${linkList(root, consumers.map((s) => ({ href: servicePath(s), label: s })))}</dd>
  <dt>Fingerprint</dt><dd><code data-testid="fingerprint">${message.fingerprint}</code> <span class="note">sha256 of the bundled schema, first 16 hex</span></dd>
  <dt>dataschema</dt><dd><code>${message.dataschema}</code></dd>
  <dt>type</dt><dd><code>${message.protoType}</code> <span class="note">the CloudEvents <code>type</code> field; route on it</span></dd>
</dl>
</div>
<h2>Fields</h2>
${fieldTable(message.fields, expanded)}
${nestedTypeTables(contract, message.protoType)}
<h2>Protobuf source</h2>
<p class="note">From <code>proto/${message.protoFile}</code>. See <a href="${root}wire-format.html">Wire format</a> for how the bytes travel.</p>
${highlightProto(protoFile?.source ?? message.bundledProto)}
<details class="panel"><summary>Self-contained schema (what the AsyncAPI parser and the fingerprint see)</summary>${highlightProto(message.bundledProto)}</details>
${examples.length > 0 ? html`<h2>Examples</h2>${examples.map(
    (example) => html`<h3>${example.name ?? 'Example'}${example.summary ? html` <span class="note">· ${example.summary}</span>` : ''}</h3>
<pre class="code" data-testid="example"><code>${JSON.stringify({ headers: shownHeaders(example.headers, message), payload: example.payload }, null, 2)}</code></pre>${exampleSchemaNote(example.headers, message)}`,
  )}` : ''}
<p><a href="${root}reference/index.html#message-${message.name}">Open ${message.name} in the AsyncAPI reference →</a></p>`;
  return { path, title: message.name, active: path, body };
}
