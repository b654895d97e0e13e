// The contract model: asyncapi.yaml + the proto/ buf module, read once into sorted, plain data that the
// generator, the gates and the docs share. Problems become diagnostics; it throws only when the files
// cannot be read at all. Never writes anything.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Type } from 'protobufjs';
import { parse as parseYaml } from 'yaml';
import {
  deref, findMessages, headersOf, isObject, messageNameAt, objectAt, pointerOf, stringField,
  type FoundMessage, type JsonObject,
} from './asyncapi-walk.ts';
import { contractError, type Diagnostic } from './diagnostics.ts';
import { compareStrings, sortedBy } from './ordering.ts';
import { canonicalSchemaText, dataschemaOf, schemaFingerprint } from './fingerprint.ts';
import { bundleMessage } from './proto-bundle.ts';
import { loadProtoDirectory } from './proto-load.ts';
import { fieldLabel, fieldsOf, fieldTypeText, fileOf, isMessageType, jsonNameOf, realOneof } from './proto-model.ts';

export type { Diagnostic } from './diagnostics.ts';
export { validateContract } from './contract-validate.ts';

export interface ProtoFieldInfo {
  number: number;
  name: string;
  jsonName: string;
  /** As in .proto, message and enum types fully qualified: `string`, `herald.common.v1.Money`, `map<string, int32>`. */
  type: string;
  label: 'singular' | 'optional' | 'repeated' | 'map';
  oneof?: string;
  comment?: string;
}

export interface ContractMessage {
  /** AsyncAPI message name. */
  name: string;
  /** Full protobuf name. */
  protoType: string;
  /** Path under proto/, for example `herald/catalog/movie/v1/events.proto`. */
  protoFile: string;
  /** Self-contained single-root proto text the official parser accepts, in canonical form (fingerprint.ts). */
  bundledProto: string;
  /** First 16 hex digits of the sha256 of the UTF-8 bytes of `bundledProto`. */
  fingerprint: string;
  /** `herald:<protoType>#sha256-<fingerprint>`. */
  dataschema: string;
  title?: string;
  summary?: string;
  description?: string;
  fields: ProtoFieldInfo[];
  examples: unknown[];
  /** JSON schema of the envelope headers. */
  headers?: unknown;
}

export interface ContractChannel {
  id: string;
  address: string;
  title?: string;
  description?: string;
  /** Message names. */
  messages: string[];
  /** `x-herald-partitions`, when the channel has more than one partition. */
  partitions?: number;
}

export interface ContractOperation {
  id: string;
  action: 'send' | 'receive';
  /** `x-herald-service`. */
  service: string;
  /** Channel id. */
  channel: string;
  messages: string[];
  title?: string;
  description?: string;
}

export interface ContractService {
  name: string;
  /** Channel ids. */
  sends: string[];
  receives: string[];
}

export interface Contract {
  root: string;
  asyncapiPath: string;
  protoDir: string;
  /** The authored AsyncAPI document, `$ref`s as written. */
  document: Record<string, unknown>;
  /** Payload schemas replaced by bundled proto text; no external `$ref`. */
  bundledDocument: Record<string, unknown>;
  channels: ContractChannel[];
  operations: ContractOperation[];
  messages: ContractMessage[];
  services: ContractService[];
  protoFiles: { path: string; source: string }[];
  /** First 16 hex of the sha256 of the bundled document: changes whenever any part of the contract does. */
  fingerprint: string;
  /** Everything found wrong while loading; `validateContract` adds the official parser's findings. */
  diagnostics: Diagnostic[];
  /** The protobufjs reflection root, for the code emitters. */
  protoRoot: import('protobufjs').Root;
}

export const protobufSchemaFormat = /^application\/vnd\.google\.protobuf;\s*version=3$/;

export async function loadContract(root: string, options: { asyncapiPath?: string; protoDir?: string } = {}): Promise<Contract> {
  const asyncapiPath = resolve(root, options.asyncapiPath ?? 'asyncapi.yaml');
  const protoDir = resolve(root, options.protoDir ?? 'proto');
  const diagnostics: Diagnostic[] = [];
  let document: unknown;
  try {
    document = parseYaml(readFileSync(asyncapiPath, 'utf8'));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw contractError(`cannot read ${asyncapiPath}`, [{ severity: 'error', path: asyncapiPath, code: 'asyncapi-read', message }]);
  }
  if (!isObject(document)) throw contractError(`${asyncapiPath} is not an AsyncAPI document`, [{ severity: 'error', path: '#', code: 'asyncapi-read', message: 'not an object' }]);
  const protos = loadProtoDirectory(protoDir);
  diagnostics.push(...protos.diagnostics);

  const bundledDocument = structuredClone(document);
  const found = findMessages(document, diagnostics);
  const messages: ContractMessage[] = [];
  for (const entry of sortedBy(found.values(), (m) => m.name)) {
    const message = buildMessage(document, bundledDocument, entry, protos.root, protoDir, asyncapiPath, diagnostics);
    if (message) messages.push(message);
  }
  const channels = buildChannels(document, found, diagnostics);
  const operations = buildOperations(document, found, diagnostics);
  const bundledJson = JSON.stringify(bundledDocument);
  return {
    root: resolve(root),
    asyncapiPath,
    protoDir,
    document,
    bundledDocument,
    channels,
    operations,
    messages,
    services: buildServices(operations),
    protoFiles: protos.files,
    fingerprint: sha256Hex(bundledJson).slice(0, 16),
    diagnostics,
    protoRoot: protos.root,
  };
}

function buildMessage(
  document: JsonObject, bundled: JsonObject, entry: FoundMessage, root: import('protobufjs').Root, protoDir: string,
  asyncapiPath: string, diagnostics: Diagnostic[],
): ContractMessage | undefined {
  const { message, at } = entry;
  const protoType = stringField(message, 'x-herald-proto');
  if (!protoType) {
    diagnostics.push({ severity: 'error', path: at, code: 'missing-proto-type', message: `message "${entry.name}" has no x-herald-proto naming its protobuf message` });
    return undefined;
  }
  const type = root.lookup(protoType);
  if (!isMessageType(type)) {
    diagnostics.push({ severity: 'error', path: at, code: 'unknown-proto-type', message: `x-herald-proto "${protoType}" is not a message declared under ${protoDir}` });
    return undefined;
  }
  const protoFile = fileOf(type, protoDir);
  checkPayload(message, at, protoFile, protoDir, asyncapiPath, diagnostics);
  const bundle = bundleMessage(type, protoDir);
  if (bundle.problem) diagnostics.push({ severity: 'error', path: protoFile, code: 'bundle-root', message: bundle.problem });
  // The hashed bytes are the canonical schema text (fingerprint.ts), shipped as generated/contract/schemas/<type>.proto.
  const schemaText = canonicalSchemaText(bundle.text);
  const fingerprint = schemaFingerprint(schemaText);
  const dataschema = dataschemaOf(protoType, fingerprint);
  rewriteBundled(bundled, at, schemaText, dataschema);
  const examples = Array.isArray(message['examples']) ? message['examples'] : [];
  const headers = headersOf(document, message);
  return {
    name: entry.name,
    protoType,
    protoFile,
    bundledProto: schemaText,
    fingerprint,
    dataschema,
    ...optionalStrings(message, ['title', 'summary', 'description']),
    fields: fieldInfos(type),
    examples,
    ...(headers !== undefined ? { headers } : {}),
  };
}

/**
 * The payload must be a protobuf schema. Its `schema` is Herald-managed (the bundled text, inline, kept in
 * step by `herald generate`; see contract-schemas.ts); a `$ref` to a .proto file, the older form that
 * `herald generate` replaces, must at least name the file that declares the type.
 */
function checkPayload(message: JsonObject, at: string, protoFile: string, protoDir: string, asyncapiPath: string, diagnostics: Diagnostic[]): void {
  const payload = objectAt(message, 'payload');
  const format = stringField(payload, 'schemaFormat') ?? '';
  if (!protobufSchemaFormat.test(format)) {
    diagnostics.push({ severity: 'error', path: `${at}/payload`, code: 'payload-format', message: `schemaFormat must be application/vnd.google.protobuf;version=3, not "${format}"` });
    return;
  }
  const ref = stringField(objectAt(payload, 'schema'), '$ref');
  if (ref === undefined) return; // inline (managed) or missing: the bundle is the truth either way
  const target = resolve(join(asyncapiPath, '..'), ref);
  const declared = join(protoDir, protoFile);
  if (target !== declared) {
    diagnostics.push({
      severity: 'error', path: `${at}/payload/schema/$ref`, code: 'payload-ref-mismatch',
      message: `payload $ref ${ref} is not the file that declares ${protoFile} (expected ./${relative(join(asyncapiPath, '..'), declared)})`,
    });
  }
}

/** Puts the bundled text where the payload schema was, and the real fingerprint into example headers. */
function rewriteBundled(bundled: JsonObject, at: string, text: string, dataschema: string): void {
  const { value } = deref(bundled, { $ref: at }, at);
  if (!isObject(value)) return;
  const payload = objectAt(value, 'payload');
  payload['schema'] = text;
  for (const example of Array.isArray(value['examples']) ? value['examples'] : []) {
    const headers = objectAt(example, 'headers');
    if (typeof headers['dataschema'] === 'string' && headers['dataschema'].startsWith(dataschema.split('#')[0]!)) headers['dataschema'] = dataschema;
  }
}

function fieldInfos(type: Type): ProtoFieldInfo[] {
  return fieldsOf(type).map((field) => {
    const group = realOneof(field);
    return {
      number: field.id,
      name: field.name,
      jsonName: jsonNameOf(field),
      type: fieldTypeText(field),
      label: fieldLabel(field),
      ...(group ? { oneof: group.name } : {}),
      ...(field.comment ? { comment: field.comment } : {}),
    };
  });
}

/** Largest `x-herald-partitions`; the runtime refuses more (MAX_PARTITIONS). */
const MAX_CHANNEL_PARTITIONS = 1024;

function buildChannels(document: JsonObject, found: Map<string, FoundMessage>, diagnostics: Diagnostic[]): ContractChannel[] {
  const channels: ContractChannel[] = [];
  for (const [id, raw] of Object.entries(objectAt(document, 'channels'))) {
    const channel = deref(document, raw, pointerOf('channels', id)).value;
    if (!isObject(channel)) continue;
    const names = Object.keys(objectAt(channel, 'messages'))
      .map((key) => messageNameAt(document, pointerOf('channels', id, 'messages', key), found))
      .filter((n): n is string => n !== undefined);
    const partitions = channel['x-herald-partitions'];
    const valid = partitions === undefined || (Number.isInteger(partitions) && (partitions as number) >= 1 && (partitions as number) <= MAX_CHANNEL_PARTITIONS);
    if (!valid) {
      diagnostics.push({ severity: 'error', path: pointerOf('channels', id, 'x-herald-partitions'), code: 'invalid-partitions', message: `x-herald-partitions of channel "${id}" must be an integer from 1 to ${MAX_CHANNEL_PARTITIONS}, got ${JSON.stringify(partitions)}` });
    }
    channels.push({
      id,
      address: stringField(channel, 'address') ?? id,
      ...optionalStrings(channel, ['title', 'description']),
      messages: names.sort(compareStrings),
      ...(valid && typeof partitions === 'number' && partitions > 1 ? { partitions } : {}),
    });
  }
  return sortedBy(channels, (c) => c.id);
}

function buildOperations(document: JsonObject, found: Map<string, FoundMessage>, diagnostics: Diagnostic[]): ContractOperation[] {
  const operations: ContractOperation[] = [];
  for (const [id, raw] of Object.entries(objectAt(document, 'operations'))) {
    const at = pointerOf('operations', id);
    const operation = deref(document, raw, at).value;
    if (!isObject(operation)) continue;
    const action = operation['action'];
    const service = stringField(operation, 'x-herald-service');
    const channelRef = stringField(objectAt(operation, 'channel'), '$ref') ?? '';
    const channel = channelRef.startsWith('#/channels/') ? channelRef.split('/')[2]! : '';
    if (action !== 'send' && action !== 'receive') diagnostics.push({ severity: 'error', path: at, code: 'operation-action', message: `action must be send or receive` });
    if (!service) diagnostics.push({ severity: 'error', path: at, code: 'missing-service', message: `operation "${id}" has no x-herald-service naming the service that performs it` });
    if (!channel) diagnostics.push({ severity: 'error', path: at, code: 'operation-channel', message: `operation "${id}" must $ref one of #/channels/*` });
    if ((action !== 'send' && action !== 'receive') || !service || !channel) continue;
    const refs = Array.isArray(operation['messages']) ? operation['messages'] : undefined;
    const messages = refs
      ? refs.map((r) => (isObject(r) && typeof r['$ref'] === 'string' ? messageNameAt(document, r['$ref'], found) : undefined)).filter((n): n is string => !!n)
      : Object.keys(objectAt(objectAt(objectAt(document, 'channels'), channel), 'messages'))
          .map((key) => messageNameAt(document, pointerOf('channels', channel, 'messages', key), found))
          .filter((n): n is string => !!n);
    operations.push({ id, action, service, channel, messages: messages.sort(compareStrings), ...optionalStrings(operation, ['title', 'description']) });
  }
  return sortedBy(operations, (o) => o.id);
}

function buildServices(operations: ContractOperation[]): ContractService[] {
  const services = new Map<string, { sends: Set<string>; receives: Set<string> }>();
  for (const op of operations) {
    const entry = services.get(op.service) ?? { sends: new Set<string>(), receives: new Set<string>() };
    (op.action === 'send' ? entry.sends : entry.receives).add(op.channel);
    services.set(op.service, entry);
  }
  return sortedBy(services.entries(), ([name]) => name).map(([name, s]) => ({
    name,
    sends: [...s.sends].sort(compareStrings),
    receives: [...s.receives].sort(compareStrings),
  }));
}

function optionalStrings<K extends string>(object: JsonObject, keys: K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = stringField(object, key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
