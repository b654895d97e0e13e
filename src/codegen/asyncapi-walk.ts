// Reads the authored AsyncAPI 3 document as plain data: follows internal `$ref`s, finds every message
// with the JSON pointer it lives at. Never resolves external refs (the .proto payloads stay as written).
import type { Diagnostic } from './diagnostics.ts';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A `#/a/b` pointer into `document`, or undefined. */
export function resolvePointer(document: unknown, pointer: string): unknown {
  if (!pointer.startsWith('#')) return undefined;
  let current: unknown = document;
  for (const raw of pointer.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Follows `$ref` chains; returns the final value and the pointer it lives at. */
export function deref(document: unknown, value: unknown, at: string): { value: unknown; at: string } {
  let current = value;
  let pointer = at;
  for (let hops = 0; hops < 32 && isObject(current) && typeof current['$ref'] === 'string'; hops++) {
    const ref = current['$ref'];
    if (!ref.startsWith('#')) break;
    pointer = ref;
    current = resolvePointer(document, ref);
  }
  return { value: current, at: pointer };
}

export function pointerOf(...segments: string[]): string {
  return `#/${segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

export function stringField(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' ? value : undefined;
}

export interface FoundMessage {
  /** Pointer of the message object itself (after following refs). */
  at: string;
  /** Key under `channels.<id>.messages` (or `components.messages`). */
  key: string;
  name: string;
  message: JsonObject;
}

/** Every message of the document, by name: channel messages first, then unused component messages. */
export function findMessages(document: JsonObject, diagnostics: Diagnostic[]): Map<string, FoundMessage> {
  const byName = new Map<string, FoundMessage>();
  const add = (key: string, raw: unknown, at: string): FoundMessage | undefined => {
    const { value, at: resolvedAt } = deref(document, raw, at);
    if (!isObject(value)) {
      diagnostics.push({ severity: 'error', path: at, code: 'unresolved-ref', message: `message "${key}" does not resolve to an object` });
      return undefined;
    }
    const componentKey = resolvedAt.startsWith('#/components/messages/') ? resolvedAt.split('/')[3] : undefined;
    const name = stringField(value, 'name') ?? componentKey ?? key;
    const existing = byName.get(name);
    if (existing && existing.at !== resolvedAt) {
      diagnostics.push({
        severity: 'error', path: resolvedAt, code: 'duplicate-message-name',
        message: `message name "${name}" is used by both ${existing.at} and ${resolvedAt}; message names must be unique`,
      });
      return existing;
    }
    const found = existing ?? { at: resolvedAt, key, name, message: value };
    byName.set(name, found);
    return found;
  };
  for (const [channelId, channel] of Object.entries(objectAt(document, 'channels'))) {
    if (!isObject(channel)) continue;
    for (const [key, raw] of Object.entries(objectAt(channel, 'messages'))) add(key, raw, pointerOf('channels', channelId, 'messages', key));
  }
  for (const [key, raw] of Object.entries(objectAt(objectAt(document, 'components'), 'messages'))) {
    add(key, raw, pointerOf('components', 'messages', key));
  }
  return byName;
}

export function objectAt(object: unknown, key: string): JsonObject {
  const value = isObject(object) ? object[key] : undefined;
  return isObject(value) ? value : {};
}

/** Name of the message a channel-message ref (`#/channels/c/messages/k`) points to. */
export function messageNameAt(document: JsonObject, ref: string, messages: Map<string, FoundMessage>): string | undefined {
  const target = deref(document, { $ref: ref }, ref);
  for (const found of messages.values()) if (found.at === target.at || found.message === target.value) return found.name;
  return undefined;
}

/** The envelope headers of a message: its own `headers`, else the first trait's. */
export function headersOf(document: JsonObject, message: JsonObject): unknown {
  if (message['headers'] !== undefined) return deref(document, message['headers'], '').value;
  const traits = Array.isArray(message['traits']) ? message['traits'] : [];
  for (const trait of traits) {
    const resolved = deref(document, trait, '').value;
    if (isObject(resolved) && resolved['headers'] !== undefined) return deref(document, resolved['headers'], '').value;
  }
  return undefined;
}
