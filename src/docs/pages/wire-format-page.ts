// The wire-format page: the fields of one Redis stream entry (CloudEvents 1.0, binary mode) and how
// to read them from any language with only the .proto files. It documents; it never talks to Redis.
import type { Contract } from '../../codegen/contract.ts';
import { html } from '../html.ts';
import { channelPath, messagePath, type PortalPage } from '../layout.ts';

interface WireField {
  readonly name: string;
  readonly required: boolean;
  readonly example: string;
  readonly meaning: string;
}

const fields: WireField[] = [
  { name: 'specversion', required: true, example: '1.0', meaning: 'CloudEvents version. Always 1.0.' },
  { name: 'id', required: true, example: '0192f0c4-8a1e-7c3b-9d2e-4f5a6b7c8d9e', meaning: 'Event id, a UUIDv7 (time-ordered). Consumers use it as the idempotency key.' },
  { name: 'source', required: true, example: 'herald/catalog', meaning: 'The producing service.' },
  { name: 'type', required: true, example: 'herald.catalog.movie.v1.MovieCreated', meaning: 'Full protobuf message name of data. Route on it without decoding data.' },
  { name: 'subject', required: false, example: '3f1c2a9e-6b7d-4e8f-9a0b-1c2d3e4f5a6b', meaning: 'Aggregate id (movie id, purchase id).' },
  { name: 'time', required: true, example: '2026-11-25T10:00:00.000Z', meaning: 'When the event happened, RFC 3339 in UTC.' },
  { name: 'datacontenttype', required: true, example: 'application/protobuf', meaning: 'Always application/protobuf: data is protobuf binary.' },
  { name: 'dataschema', required: true, example: 'herald:herald.catalog.movie.v1.MovieCreated#sha256-1a2b3c4d5e6f7a8b', meaning: 'herald:<type>#sha256-<16 hex>: the message and a fingerprint of its schema. An unknown fingerprint means a schema this reader was not built with.' },
  { name: 'sequence', required: false, example: '1', meaning: 'Aggregate version after this event, as a decimal string. Consumers apply events in sequence order per subject.' },
  { name: 'traceparent', required: false, example: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', meaning: 'W3C Trace Context of the span that produced the event (its OpenTelemetry PRODUCER span); consumers continue that trace.' },
  { name: 'tracestate', required: false, example: 'congo=t61rcWkgMzE', meaning: 'W3C Trace Context vendor state that travels with traceparent.' },
  { name: 'correlationid', required: false, example: '0192f0c4-0000-7000-8000-000000000001', meaning: 'Id shared by every event of one business flow.' },
  { name: 'causationid', required: false, example: '0192f0c4-0000-7000-8000-000000000002', meaning: 'Id of the event or request that directly caused this one.' },
  { name: 'data', required: true, example: '<protobuf bytes>', meaning: 'The payload: the message encoded as protobuf binary (not base64, not JSON).' },
];

export function wireFormatPage(contract: Contract): PortalPage {
  const sample = contract.messages[0];
  const sampleChannel = contract.channels.find((c) => sample && c.messages.includes(sample.name));
  const stream = sampleChannel?.address ?? 'catalog.movie.v1';
  const type = sample?.protoType ?? 'herald.catalog.movie.v1.MovieCreated';
  const file = sample?.protoFile ?? 'herald/catalog/movie/v1/events.proto';
  const redisProtoc = `# 1. Pick an entry (the id is the first line of each entry)
redis-cli XRANGE ${stream} - + COUNT 1

# 2. Print only its data field as raw bytes (a small Lua script picks the field),
#    drop redis-cli's trailing newline, and decode with protoc
redis-cli --raw EVAL "local f = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])[1][2]
  for i = 1, #f, 2 do if f[i] == 'data' then return f[i + 1] end end" 1 ${stream} <entry-id> \\
  | head -c -1 > event.bin
protoc --decode=${type} -I proto -I /usr/include ${file} < event.bin

# or, with buf (in node_modules/.bin), as JSON
npx buf convert proto --type ${type} --from event.bin#format=binpb --to -#format=json`;
  const python = `# pip install redis protobuf; protoc -I proto --python_out=gen $(find proto -name '*.proto')
import redis
from herald.catalog.movie.v1 import events_pb2

DECODERS = {"${type}": events_pb2.${type.split('.').pop()}}
r = redis.Redis()
r.xgroup_create("${stream}", "my-reader", id="0", mkstream=True)  # once; ignore BUSYGROUP
while True:
    for _stream, entries in r.xreadgroup("my-reader", "reader-1", {"${stream}": ">"}, count=100, block=5000) or []:
        for entry_id, f in entries:
            event_type = f[b"type"].decode()
            decoder = DECODERS.get(event_type)
            if decoder is None:          # unknown type: route elsewhere, do not guess
                continue
            event = decoder.FromString(f[b"data"])
            print(entry_id, event_type, f[b"dataschema"].decode(), event)
            r.xack("${stream}", "my-reader", entry_id)`;
  const go = `// protoc -I proto --go_out=. --go_opt=module=example.com/gen $(find proto -name '*.proto')
res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
    Group: "my-reader", Consumer: "reader-1", Streams: []string{"${stream}", ">"}, Count: 100, Block: 5 * time.Second,
}).Result()
for _, s := range res {
    for _, m := range s.Messages {
        if m.Values["type"] != "${type}" { continue }       // route on type, never on data
        var ev moviev1.${type.split('.').pop()}
        if err := proto.Unmarshal([]byte(m.Values["data"].(string)), &ev); err != nil { /* dead-letter it */ }
        fmt.Println(m.ID, m.Values["dataschema"], ev.GetMovieId())
        rdb.XAck(ctx, "${stream}", "my-reader", m.ID)
    }
}`;
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
<h2>Decode from a shell: redis-cli + protoc</h2>
<pre class="code"><code>${redisProtoc}</code></pre>
<p class="note"><code>/usr/include</code> holds <code>google/protobuf/*.proto</code> where the <code>protobuf-compiler</code> package installed them; point <code>-I</code> wherever your protoc keeps the well-known types.</p>
<h2>Python sketch</h2>
<pre class="code"><code>${python}</code></pre>
<h2>Go sketch</h2>
<pre class="code"><code>${go}</code></pre>`;
  return { path: 'wire-format.html', title: 'Wire format', active: 'wire-format.html', body };
}
