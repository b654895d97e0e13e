// The part of an AsyncAPI contract the gates compare: channels, operations, messages (payload proto
// type, effective headers), dereferenced and with traits applied. Read-only; never validates or fixes.
// It reads asyncapi.yaml itself (not src/codegen/contract.ts) because a released baseline bundle has
// no proto tree beside it, and both sides of a diff must be read the same way.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { HeraldError } from '../runtime/core/errors.ts';

type Json = Record<string, unknown>;

export interface ViewMessage {
  /** Key of the message in its channel's `messages` map (what operations and the SDK use). */
  key: string;
  protoType?: string;
  contentType?: string;
  /** Effective headers JSON schema (message headers merged over its traits' headers). */
  headers?: Json;
}
export interface ViewChannel {
  id: string;
  address: string;
  /** `x-herald-partitions` (default 1): how many streams the channel is split into by subject. */
  partitions: number;
  messages: Map<string, ViewMessage>;
}
export interface ViewOperation { id: string; action: string; service?: string; channel?: string; messages: string[] }

export interface ContractView {
  /** Repository-relative path of the AsyncAPI file, for reports. */
  file: string;
  channels: Map<string, ViewChannel>;
  operations: ViewOperation[];
  /** Dereferenced document with traits applied and payloads reduced to their proto type: @asyncapi/diff's input. */
  normalized: Json;
  /** 1-based line of the deepest existing node on `segments` in the authored file, for annotations. */
  locate(segments: string[]): number | undefined;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function pointer(doc: Json, ref: string): unknown {
  let node: unknown = doc;
  for (const raw of ref.replace(/^#\//, '').split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

/** Resolves local `#/...` refs; external refs (the .proto payloads) are kept as written. */
function deref(doc: Json, node: unknown, depth = 0): unknown {
  if (depth > 64) return node;
  if (Array.isArray(node)) return node.map((n) => deref(doc, n, depth + 1));
  if (!isObject(node)) return node;
  const ref = node.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/')) return deref(doc, pointer(doc, ref), depth + 1);
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = deref(doc, v, depth + 1);
  return out;
}

function refName(ref: unknown): string | undefined {
  const r = isObject(ref) ? ref.$ref : ref;
  return typeof r === 'string' ? r.split('/').pop() : undefined;
}

/** AsyncAPI 3 traits: the message's own fields win; headers are merged property by property. */
function applyTraits(message: Json): Json {
  const { traits, ...own } = message;
  const out: Json = {};
  for (const trait of Array.isArray(traits) ? traits : []) if (isObject(trait)) Object.assign(out, trait);
  Object.assign(out, own);
  const traitHeaders = (Array.isArray(traits) ? traits : []).map((t) => (isObject(t) ? t.headers : undefined)).filter(isObject);
  if (traitHeaders.length > 0 && isObject(own.headers)) {
    const merged: Json = { type: 'object', properties: {}, required: [] };
    for (const h of [...traitHeaders, own.headers]) {
      Object.assign(merged.properties as Json, isObject(h.properties) ? h.properties : {});
      merged.required = [...new Set([...(merged.required as string[]), ...(Array.isArray(h.required) ? (h.required as string[]) : [])])];
    }
    out.headers = merged;
  }
  return out;
}

function normalizeMessage(message: Json): Json {
  const m = applyTraits(message);
  const payload = isObject(m.payload) ? m.payload : undefined;
  const protoType = typeof m['x-herald-proto'] === 'string' ? (m['x-herald-proto'] as string) : undefined;
  // The payload schema is a $ref to a whole .proto file; its identity is the proto type it carries.
  if (payload) m.payload = { schemaFormat: payload.schemaFormat, schema: protoType ?? payload.schema };
  return m;
}

/** Builds the view from AsyncAPI text. `file` is only used in reports. */
export function contractViewFromText(text: string, file: string): ContractView {
  const lineCounter = new LineCounter();
  const yamlDoc = parseDocument(text, { lineCounter });
  if (yamlDoc.errors.length > 0) throw new HeraldError('HERALD_ERR_CONTRACT', `${file}: ${yamlDoc.errors[0]!.message}`);
  const doc = yamlDoc.toJS() as Json;
  if (!isObject(doc) || typeof doc.asyncapi !== 'string') throw new HeraldError('HERALD_ERR_CONTRACT', `${file} is not an AsyncAPI document`);

  const channels = new Map<string, ViewChannel>();
  const normalizedChannels: Json = {};
  for (const [id, raw] of Object.entries(isObject(doc.channels) ? doc.channels : {})) {
    const channel = deref(doc, raw) as Json;
    const messages = new Map<string, ViewMessage>();
    const normalizedMessages: Json = {};
    for (const [key, m] of Object.entries(isObject(channel.messages) ? channel.messages : {})) {
      const msg = normalizeMessage(isObject(m) ? m : {});
      normalizedMessages[key] = msg;
      messages.set(key, {
        key,
        ...(isObject(msg.payload) && typeof msg.payload.schema === 'string' ? { protoType: msg.payload.schema } : {}),
        ...(typeof msg.contentType === 'string' ? { contentType: msg.contentType } : {}),
        ...(isObject(msg.headers) ? { headers: msg.headers } : {}),
      });
    }
    const partitions = typeof channel['x-herald-partitions'] === 'number' ? (channel['x-herald-partitions'] as number) : 1;
    channels.set(id, { id, address: typeof channel.address === 'string' ? channel.address : id, partitions, messages });
    normalizedChannels[id] = { ...channel, messages: normalizedMessages };
  }

  const operations: ViewOperation[] = [];
  const normalizedOperations: Json = {};
  for (const [id, raw] of Object.entries(isObject(doc.operations) ? doc.operations : {})) {
    if (!isObject(raw)) continue;
    const channel = refName(raw.channel);
    const messages = (Array.isArray(raw.messages) ? raw.messages : []).map(refName).filter((n): n is string => !!n);
    const service = typeof raw['x-herald-service'] === 'string' ? (raw['x-herald-service'] as string) : undefined;
    operations.push({ id, action: String(raw.action), ...(service ? { service } : {}), ...(channel ? { channel } : {}), messages });
    normalizedOperations[id] = { ...(deref(doc, { ...raw, channel: undefined, messages: undefined }) as Json), channel, messages };
  }

  const { components: _components, ...rest } = doc;
  const normalized: Json = { ...(deref(doc, rest) as Json), channels: normalizedChannels, operations: normalizedOperations };

  const locate = (segments: string[]): number | undefined => {
    for (let n = segments.length; n > 0; n--) {
      const node = yamlDoc.getIn(segments.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return { file, channels, operations, normalized, locate };
}

/** Reads `<root>/<asyncapiPath>`; the single place to switch to loadContract() if both sides allow it. */
export async function loadContractView(root: string, asyncapiPath = 'asyncapi.yaml'): Promise<ContractView> {
  const text = await readFile(path.join(root, asyncapiPath), 'utf8').catch((error: unknown) => {
    throw new HeraldError('HERALD_ERR_CONTRACT', `cannot read ${asyncapiPath} in ${root}: ${(error as Error).message}`);
  });
  return contractViewFromText(text, asyncapiPath);
}

/** Services whose `receive` operations take `message` (any message when omitted) from `channelId`. */
export function consumersOf(view: ContractView, channelId: string, message?: string): string[] {
  const names = view.operations
    .filter((o) => o.action === 'receive' && o.channel === channelId)
    .filter((o) => message === undefined || o.messages.length === 0 || o.messages.includes(message))
    .map((o) => o.service ?? o.id);
  return [...new Set(names)].sort();
}
