// Keeps the Herald-managed parts of the authored asyncapi.yaml in step with proto/: each protobuf
// payload's `schema` holds its message's bundled proto text inline (so the official AsyncAPI tools read
// the document alone), and each example's `dataschema` header the real fingerprint. Edits those
// scalars in place and never touches another byte, comment or quote of the document.
import { isMap, isScalar, parseDocument, type Document, type Node, type Pair, type Scalar } from 'yaml';
import { findMessages, pointerOf } from './asyncapi-walk.ts';
import { HeraldError } from '../runtime/core/errors.ts';
import type { Contract, ContractMessage } from './contract.ts';
import { compareStrings } from './ordering.ts';

export interface ManagedBlock {
  /** JSON pointer of the managed value in the document, e.g. `#/components/messages/MovieCreated/payload/schema`. */
  path: string;
  /** What is wrong with it now. */
  reason: 'external $ref' | 'stale schema' | 'missing schema' | 'stale dataschema';
}

export interface ManagedSync {
  /** The document text with every managed block up to date (the input when nothing was stale). */
  text: string;
  /** The blocks that were stale, sorted by path. */
  stale: ManagedBlock[];
}

/** First line of every managed payload schema; people reading the YAML see where the text comes from. */
export const managedSchemaMarker = '// Bundled by herald:';

/** Rewrites the stale managed blocks of `text` (the contract's asyncapi.yaml) from `contract`. */
export function syncManagedBlocks(text: string, contract: Contract): ManagedSync {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length) return { text, stale: [] }; // loadContract already reported the YAML error
  const byName = new Map(contract.messages.map((m) => [m.name, m]));
  const edits: Array<{ from: number; to: number; replacement: string; block: ManagedBlock }> = [];
  for (const found of findMessages(contract.document as Record<string, unknown>, []).values()) {
    const message = byName.get(found.name);
    if (!message) continue;
    const segments = pointerSegments(found.at);
    const payload = doc.getIn([...segments, 'payload'], true);
    if (!isMap(payload)) continue;
    const edit = schemaEdit(text, payload.items as Pair[], message, [...segments, 'payload', 'schema'], payload.flow === true);
    if (edit) edits.push(edit);
    edits.push(...dataschemaEdits(doc, segments, message));
  }
  edits.sort((a, b) => b.from - a.from);
  let out = text;
  for (const edit of edits) out = out.slice(0, edit.from) + edit.replacement + out.slice(edit.to);
  checkRoundTrip(out, contract);
  return { text: out, stale: edits.map((e) => e.block).sort((a, b) => compareStrings(a.path, b.path)) };
}

function schemaEdit(
  text: string, items: Pair[], message: ContractMessage, path: string[], flow: boolean,
): { from: number; to: number; replacement: string; block: ManagedBlock } | undefined {
  const pair = items.find((p) => isScalar(p.key) && p.key.value === 'schema');
  const key = pair?.key as Scalar | undefined;
  const value = pair?.value as Node | null | undefined;
  const pointer = pointerOf(...path);
  if (isScalar(value) && value.value === message.bundledProto) return undefined;
  if (!pair || !key?.range) {
    // No schema yet: add one as the payload's last key.
    const last = items.at(-1);
    const lastKey = last?.key as Node | undefined;
    const end = (last?.value as Node | undefined)?.range?.[2] ?? lastKey?.range?.[2];
    if (end === undefined || !lastKey?.range || flow) return undefined; // loadContract reports a payload without a format
    const newline = text.indexOf('\n', end - 1);
    const at = text[end - 1] === '\n' ? end : newline === -1 ? text.length : newline + 1;
    const lead = at === text.length && !text.endsWith('\n') ? '\n' : '';
    return {
      from: at, to: at, replacement: `${lead}${' '.repeat(columnOf(text, lastKey.range[0]))}${blockScalar('schema', message.bundledProto, columnOf(text, lastKey.range[0]), false)}\n`,
      block: { path: pointer, reason: 'missing schema' },
    };
  }
  const from = key.range[0];
  const to = value?.range?.[1] ?? key.range[1];
  const old = text.slice(from, to);
  const trailingNewline = old.endsWith('\n') ? '\n' : '';
  const external = isMap(value) && value.items.some((p) => isScalar(p.key) && p.key.value === '$ref');
  return {
    from,
    to,
    replacement: blockScalar('schema', message.bundledProto, columnOf(text, from), flow) + trailingNewline,
    block: { path: pointer, reason: external ? 'external $ref' : 'stale schema' },
  };
}

/** Example headers that name the message's type get its real `dataschema`. */
function dataschemaEdits(doc: Document, segments: string[], message: ContractMessage): Array<{ from: number; to: number; replacement: string; block: ManagedBlock }> {
  const examples = doc.getIn([...segments, 'examples'], true);
  if (!examples || !('items' in (examples as object))) return [];
  const prefix = `${message.dataschema.split('#')[0]!}#`;
  const edits: Array<{ from: number; to: number; replacement: string; block: ManagedBlock }> = [];
  ((examples as { items: unknown[] }).items).forEach((_, i) => {
    const node = doc.getIn([...segments, 'examples', i, 'headers', 'dataschema'], true);
    if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return;
    if (!node.value.startsWith(prefix) || node.value === message.dataschema) return;
    const quoted = node.type === 'QUOTE_DOUBLE' ? JSON.stringify(message.dataschema)
      : node.type === 'QUOTE_SINGLE' ? `'${message.dataschema}'` : message.dataschema;
    edits.push({
      from: node.range[0], to: node.range[1], replacement: quoted,
      block: { path: pointerOf(...segments, 'examples', String(i), 'headers', 'dataschema'), reason: 'stale dataschema' },
    });
  });
  return edits;
}

/** `key: |` and the text, indented two spaces past the key; a JSON string inside a flow mapping. */
function blockScalar(key: string, text: string, column: number, flow: boolean): string {
  if (flow) return `${key}: ${JSON.stringify(text)}`;
  const chomp = text.endsWith('\n\n') ? '+' : text.endsWith('\n') ? '' : '-';
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const pad = ' '.repeat(column + 2);
  const indicator = body.startsWith(' ') || body.startsWith('\n') ? '2' : '';
  return `${key}: |${indicator}${chomp}\n${body.split('\n').map((line) => (line ? pad + line : '')).join('\n')}`;
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

function pointerSegments(pointer: string): string[] {
  return pointer.slice(2).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The edited text must parse to exactly the bundles; anything else is a bug here, not in the contract. */
function checkRoundTrip(text: string, contract: Contract): void {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new HeraldError('HERALD_ERR_CONTRACT', `rewriting the managed schema blocks broke the YAML: ${doc.errors[0]!.message}`);
  for (const found of findMessages(doc.toJS() as Record<string, unknown>, []).values()) {
    const message = contract.messages.find((m) => m.name === found.name);
    const schema = (found.message['payload'] as Record<string, unknown> | undefined)?.['schema'];
    if (message && schema !== message.bundledProto) {
      throw new HeraldError('HERALD_ERR_CONTRACT', `cannot write the payload schema of ${found.name}: write its payload as a block mapping, one key per line`);
    }
  }
}
