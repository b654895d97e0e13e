// The wire-format page: the fields of one Redis stream entry (CloudEvents 1.0, binary mode) and how
// to read them from any language with only the .proto files, in the names of the contract it documents.
// It documents; it never talks to Redis.
import type { Contract } from '../../codegen/contract.ts';
import { crc32 } from 'node:zlib';
import { partitionOf } from '../../runtime/core/partition.ts';
import { partitionStreamKey } from '../../runtime/redis/stream-names.ts';
import { html } from '../html.ts';
import { channelPath, messagePath, type PortalPage } from '../layout.ts';
import { goSnippet, pythonSnippet, readerSample, shellSnippet, type ReaderSample } from './reader-snippets.ts';

interface WireField {
  readonly name: string;
  readonly required: boolean;
  readonly example: string;
  readonly meaning: string;
}

/** The entry fields, with example values taken from the contract's own first channel and message. */
function wireFields(contract: Contract, sample: ReaderSample | undefined): WireField[] {
  const message = sample?.messages[0];
  const example = (message?.examples[0] as { headers?: Record<string, unknown> } | undefined)?.headers ?? {};
  const written = (name: string): string | undefined => (typeof example[name] === 'string' ? (example[name] as string) : undefined);
  const channel = contract.channels.find((c) => c.address === sample?.stream);
  const sender = contract.operations.find((o) => o.action === 'send' && o.channel === channel?.id)?.service;
  return [
    { name: 'specversion', required: true, example: '1.0', meaning: 'CloudEvents version. Always 1.0.' },
    { name: 'id', required: true, example: written('id') ?? '0192f0c4-8a1e-7c3b-9d2e-4f5a6b7c8d9e', meaning: 'Event id, a UUIDv7 (time-ordered). Consumers use it as the idempotency key.' },
    { name: 'source', required: true, example: written('source') ?? (sender ? `herald/${sender}` : '<producer>'), meaning: 'The producing service (herald/<service> by default).' },
    { name: 'type', required: true, example: message?.protoType ?? '<package>.<Message>', meaning: 'Full protobuf message name of data. Route on it without decoding data.' },
    { name: 'subject', required: false, example: written('subject') ?? '<aggregate id>', meaning: 'Aggregate id: the entity the event is about. Order holds per subject.' },
    { name: 'time', required: true, example: written('time') ?? '2026-11-25T10:00:00.000Z', meaning: 'When the event happened, RFC 3339 in UTC.' },
    { name: 'datacontenttype', required: true, example: 'application/protobuf', meaning: 'Always application/protobuf: data is protobuf binary.' },
    { name: 'dataschema', required: true, example: message?.dataschema ?? 'herald:<package>.<Message>#sha256-<16 hex>', meaning: 'herald:<type>#sha256-<16 hex>: the message and a fingerprint of its schema. An unknown fingerprint means a schema this reader was not built with.' },
    { name: 'sequence', required: false, example: written('sequence') ?? '1', meaning: 'Aggregate version after this event, as a decimal string. Consumers apply events in sequence order per subject.' },
    { name: 'traceparent', required: false, example: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', meaning: 'W3C Trace Context of the span that produced the event (its OpenTelemetry PRODUCER span); consumers continue that trace.' },
    { name: 'tracestate', required: false, example: 'congo=t61rcWkgMzE', meaning: 'W3C Trace Context vendor state that travels with traceparent.' },
    { name: 'correlationid', required: false, example: '0192f0c4-0000-7000-8000-000000000001', meaning: 'Id shared by every event of one business flow.' },
    { name: 'causationid', required: false, example: '0192f0c4-0000-7000-8000-000000000002', meaning: 'Id of the event or request that directly caused this one.' },
    { name: 'data', required: true, example: '<protobuf bytes>', meaning: 'The payload: the message encoded as protobuf binary (not base64, not JSON).' },
  ];
}

/** The partition hash, worked through for the contract's first partitioned channel (or an 8-way example). */
function partitionSection(contract: Contract, sample: ReaderSample | undefined) {
  const channel = contract.channels.find((c) => c.partitions);
  const partitions = channel?.partitions ?? 8;
  const address = channel?.address ?? sample?.stream ?? 'orders.v1';
  const subject = 'subject-42';
  const crc = crc32(Buffer.from(subject, 'utf8'));
  const partition = partitionOf(subject, partitions);
  return html`<h2 id="partitions">Partitioned channels</h2>
<p>A channel with <code>x-herald-partitions: N</code> is N streams. An event goes to partition <code>crc32(utf8(subject)) mod N</code>, where crc32 is CRC-32/ISO-HDLC (the zlib, PNG and Ethernet CRC) read as an unsigned 32-bit integer; an event without a subject goes to partition 0. Partition <code>p</code> of address <code>a</code> is the stream <code>{a#p}</code> (its dead letters <code>{a#p}.dlq</code>): the hash tag keeps a partition's keys in one Redis Cluster slot. A channel with one partition is the plain stream <code>a</code>.</p>
<p>${channel ? html`This contract partitions <a href="${channelPath(channel.id)}"><code>${channel.address}</code></a> into ${partitions}.` : html`No channel of this contract is partitioned; the example uses ${partitions} partitions.`} Worked example: <code>crc32("${subject}") = ${crc}</code>, and <code>${crc} mod ${partitions} = ${partition}</code>, so every event with subject <code>${subject}</code> goes to <code>${partitionStreamKey(address, partition, partitions)}</code>. In Python: <code>zlib.crc32(subject.encode("utf-8")) % ${partitions}</code>; in Go: <code>crc32.ChecksumIEEE([]byte(subject)) % ${partitions}</code>.</p>`;
}

export function wireFormatPage(contract: Contract): PortalPage {
  const sample = readerSample(contract);
  const fields = wireFields(contract, sample);
  const snippets = sample
    ? html`<h2>Decode from a shell: redis-cli + protoc</h2>
<pre class="code" data-testid="snippet-shell"><code>${shellSnippet(sample)}</code></pre>
<p class="note"><code>/usr/include</code> holds <code>google/protobuf/*.proto</code> where the <code>protobuf-compiler</code> package installed them; point <code>-I</code> wherever your protoc keeps the well-known types.</p>
<h2>Python sketch</h2>
<pre class="code" data-testid="snippet-python"><code>${pythonSnippet(contract, sample)}</code></pre>
<h2>Go sketch</h2>
<pre class="code" data-testid="snippet-go"><code>${goSnippet(contract, sample)}</code></pre>`
    : html`<p class="note">This contract declares no channel with a message yet, so there is nothing to read.</p>`;
  const body = html`
<p class="eyebrow">Wire format</p>
<h1>One event, one stream entry</h1>
<p class="lead">Every event is one entry of a Redis stream (the channel's address). The entry is a flat list of field/value pairs: the <a href="https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/http-protocol-binding.md#31-binary-content-mode">CloudEvents 1.0 attributes in binary content mode</a>, one field each, and <code>data</code> with the protobuf bytes of the payload. A reader in any language needs only a Redis client, a protobuf library and the <code>.proto</code> files.</p>
<h2>Stream entry fields</h2>
<table data-testid="wire-fields"><thead><tr><th>Field</th><th></th><th>Example</th><th>Meaning</th></tr></thead><tbody>${fields.map(
    (f) => html`<tr><td><code>${f.name}</code></td><td>${f.required ? html`<span class="badge">required</span>` : html`<span class="badge badge-info">optional</span>`}</td><td><code>${f.example}</code></td><td>${f.meaning}</td></tr>`,
  )}</tbody></table>
<h2>Types and schemas on the wire</h2>
<p>A consumer routes on <code>type</code> and compares <code>dataschema</code> with the one it was built with, both without decoding <code>data</code>. These are the values today:</p>
<table><thead><tr><th>type</th><th>dataschema</th><th>Stream</th></tr></thead><tbody>${contract.messages.map((m) => {
    const channel = contract.channels.find((c) => c.messages.includes(m.name));
    return html`<tr><td><a href="${messagePath(m.name)}"><code>${m.protoType}</code></a></td><td><code>${m.dataschema}</code></td><td>${channel ? html`<a href="${channelPath(channel.id)}"><code>${channel.address}</code></a>` : ''}</td></tr>`;
  })}</tbody></table>
<h2>Rules for readers</h2>
<ul>
  <li>Read with a consumer group (<code>XREADGROUP … BLOCK</code>), handle, then <code>XACK</code>. Entries are never deleted before every group has read them.</li>
  <li>Decode <code>data</code> as the protobuf message named by <code>type</code>. Unknown fields are skipped by every protobuf library, so compatible changes never break an old reader.</li>
  <li>An unknown <code>type</code> or undecodable <code>data</code> is not retried: Herald's own consumers move it to <code>&lt;stream&gt;.dlq</code>.</li>
  <li>Deduplicate on <code>id</code>; order per aggregate by <code>subject</code> + <code>sequence</code>.</li>
</ul>
${partitionSection(contract, sample)}
${snippets}`;
  return { path: 'wire-format.html', title: 'Wire format', active: 'wire-format.html', body };
}
