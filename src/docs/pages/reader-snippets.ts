// Reader snippets for the wire-format page (shell, Python, Go), written for the contract being documented:
// every stream, type, file, module and getter name comes from it. Text only; never runs anything.
import type { Contract, ContractChannel, ContractMessage } from '../../codegen/contract.ts';
import { isMessageType, packageOf } from '../../codegen/proto-model.ts';
import { partitionStreamKey } from '../../runtime/redis/stream-names.ts';

/** The names a snippet needs, all taken from one channel of the contract and its messages. */
export interface ReaderSample {
  stream: string;
  /** The messages of the channel; the first is the worked example. */
  messages: ContractMessage[];
}

/** The first channel that carries a message, and its messages; undefined for a contract without any. */
export function readerSample(contract: Contract): ReaderSample | undefined {
  const channel: ContractChannel | undefined = contract.channels.find((c) => c.messages.length > 0);
  if (!channel) return undefined;
  const messages = channel.messages.map((name) => contract.messages.find((m) => m.name === name)).filter((m): m is ContractMessage => !!m);
  // A partitioned channel is read partition by partition: the sketches read partition 0.
  return messages.length ? { stream: partitionStreamKey(channel.address, 0, channel.partitions ?? 1), messages } : undefined;
}

/** The message's proto package, from the reflection (a nested message's package is not its parent's name). */
function protoPackage(contract: Contract, message: ContractMessage): string {
  const type = contract.protoRoot.lookup(message.protoType);
  return isMessageType(type) ? packageOf(type) : message.protoType.split('.').slice(0, -1).join('.');
}

/** The message's name inside its package (`Outer.Inner` for a nested one), as generated code names it. */
function localName(contract: Contract, message: ContractMessage): string {
  const pkg = protoPackage(contract, message);
  return pkg ? message.protoType.slice(pkg.length + 1) : message.protoType;
}

export function shellSnippet(sample: ReaderSample): string {
  const { stream } = sample;
  const { protoType: type, protoFile: file } = sample.messages[0]!;
  return `# 1. Pick an entry (the id is the first line of each entry)
redis-cli XRANGE ${stream} - + COUNT 1

# 2. Print only its data field as raw bytes (a small Lua script picks the field),
#    drop redis-cli's trailing newline, and decode with protoc
redis-cli --raw EVAL "local f = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])[1][2]
  for i = 1, #f, 2 do if f[i] == 'data' then return f[i + 1] end end" 1 ${stream} <entry-id> \\
  | head -c -1 > event.bin
protoc --decode=${type} -I proto -I /usr/include ${file} < event.bin

# or, with buf (in node_modules/.bin), as JSON
npx buf convert proto --type ${type} --from event.bin#format=binpb --to -#format=json`;
}

/** `herald/catalog/movie/v1/events.proto` → module `herald.catalog.movie.v1.events_pb2`, as protoc --python_out names it. */
function pythonModule(file: string): { from: string; name: string } {
  const parts = file.replace(/\.proto$/, '_pb2').split('/');
  return { from: parts.slice(0, -1).join('.'), name: parts.at(-1)! };
}

export function pythonSnippet(contract: Contract, sample: ReaderSample): string {
  const modules = new Map<string, { from: string; name: string; alias: string }>();
  for (const message of sample.messages) {
    if (modules.has(message.protoFile)) continue;
    const module = pythonModule(message.protoFile);
    const clash = [...modules.values()].some((m) => m.alias === module.name);
    modules.set(message.protoFile, { ...module, alias: clash ? `${module.from.replace(/\./g, '_')}_${module.name}` : module.name });
  }
  const imports = [...modules.values()].map((m) => {
    const from = m.from ? `from ${m.from} import ${m.name}` : `import ${m.name}`;
    return m.alias === m.name ? from : `${from} as ${m.alias}`;
  });
  const decoders = sample.messages.map((m) => `    "${m.protoType}": ${modules.get(m.protoFile)!.alias}.${localName(contract, m)},`);
  const { stream } = sample;
  return `# pip install redis protobuf; protoc -I proto --python_out=gen $(find proto -name '*.proto')
import os
import redis
${imports.join('\n')}

DECODERS = {
${decoders.join('\n')}
}
r = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379"))
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
}

/** protoc-gen-go's names: `movie_id` → `MovieId`; package `shop.order.v1` → `orderv1` (buf's convention). */
function goCamel(name: string): string {
  const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return camel.charAt(0).toUpperCase() + camel.slice(1);
}

export function goSnippet(contract: Contract, sample: ReaderSample): string {
  const message = sample.messages[0]!;
  const pkg = protoPackage(contract, message);
  const segments = pkg ? pkg.split('.') : ['events'];
  const alias = segments.slice(-2).join('').replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  const dir = message.protoFile.split('/').slice(0, -1).join('/');
  const importPath = `example.com/gen${dir ? `/${dir}` : ''}`;
  const goType = localName(contract, message).split('.').join('_');
  const first = message.fields[0];
  const shown = first ? `ev.Get${goCamel(first.name)}()` : '&ev';
  const { stream } = sample;
  return `// protoc -I proto --go_out=. --go_opt=module=example.com/gen --go_opt=M${message.protoFile}=${importPath} ${message.protoFile}
// (each .proto file it imports needs its own M option, or an option go_package)
import ${alias} "${importPath}"

res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
    Group: "my-reader", Consumer: "reader-1", Streams: []string{"${stream}", ">"}, Count: 100, Block: 5 * time.Second,
}).Result()
for _, s := range res {
    for _, m := range s.Messages {
        if m.Values["type"] != "${message.protoType}" { continue }       // route on type, never on data
        var ev ${alias}.${goType}
        if err := proto.Unmarshal([]byte(m.Values["data"].(string)), &ev); err != nil { /* dead-letter it */ }
        fmt.Println(m.ID, m.Values["dataschema"], ${shown})
        rdb.XAck(ctx, "${stream}", "my-reader", m.ID)
    }
}`;
}
