// Every single-step mutation of a contract, each with the verdict `herald check` must reach: per field
// delete, delete and reserve, retype, renumber, rename, change cardinality, move into a oneof; per enum
// value remove; per operation drop a message, drop the operation; per channel change the address or the
// partition count, drop
// it; per optional header make it required. The expected verdicts are the spec; the gates are judged.
import { readFileSync } from 'node:fs';
import { parseDocument, isMap, isSeq, type Document } from 'yaml';
import { moduleDirs } from '../../src/gates/baseline.ts';
import { loadContractView, consumersOf } from '../../src/gates/contract-view.ts';
import { loadProtoGraph, type ProtoFieldInfo, type ProtoTypeInfo } from '../../src/gates/proto-graph.ts';
import type { ContractEdit, ContractFiles } from './contract-repo.ts';

export type MutationKind =
  | 'field delete' | 'field delete+reserve' | 'field retype' | 'field renumber' | 'field rename' | 'field cardinality' | 'field into oneof'
  | 'enum value remove' | 'operation drop message' | 'operation drop' | 'channel address' | 'channel partitions' | 'channel drop' | 'header required';

export interface Mutation {
  kind: MutationKind;
  /** What is mutated, for example `herald.catalog.movie.v1.Movie.title`. */
  target: string;
  expect: {
    verdict: 'fail' | 'pass';
    /** A blocking finding's code must match (the verdict must be reached for the right reason). */
    code?: RegExp;
    /** For a failing field change on a received message: the finding names these consumers. */
    consumers?: string[];
  };
  apply: ContractEdit;
}

export interface MutationOptions {
  /** True when some pact reads field `jsonPath` (e.g. `movie.title`) of messages of `protoType`'s carriers. */
  isRead(type: ProtoTypeInfo, field: ProtoFieldInfo): boolean;
  /** Consumers (per the contract) of AsyncAPI messages whose payload reaches `type`. */
  consumersOf(type: string): string[];
}

const declaration = /^(\s*)((?:optional|repeated)\s+)?(map<\s*[\w.]+\s*,\s*[\w.]+\s*>|[.\w]+)\s+(\w+)\s*=\s*(\d+)(.*)$/;
const numeric = /^(u?int(32|64)|s(int|fixed)(32|64)|fixed(32|64)|double|float|bool)$/;

/** A type the field changes to that is never wire- or JSON-compatible with `type`. */
function incompatibleType(type: string): string {
  const map = /^map<\s*([\w.]+)\s*,\s*([\w.]+)\s*>$/.exec(type);
  if (map) return `map<${map[1]}, ${map[2] === 'string' ? 'int32' : 'string'}>`;
  if (type === 'string' || type === 'bytes') return 'int32';
  return 'string';
}

/** Rewrites one line of `file`, checking it is the line we mean. */
function lineEdit(file: string, line: number, expect: RegExp, change: (text: string, lines: string[]) => string): ContractEdit {
  return (f: ContractFiles) => {
    const lines = f.read(file).split('\n');
    const text = lines[line - 1];
    if (text === undefined || !expect.test(text)) throw new Error(`mutation: ${file}:${line} is not ${expect} (${text})`);
    lines[line - 1] = change(text, lines);
    f.write(file, lines.join('\n'));
  };
}

function protoMutations(root: string, options: MutationOptions): Mutation[] {
  const moduleDir = moduleDirs(root)[0]!;
  const graph = loadProtoGraph(root, moduleDir);
  if (!graph) throw new Error(`mutations: the protos under ${root}/${moduleDir} do not load`);
  const out: Mutation[] = [];
  for (const type of [...graph.types.values()].sort((a, b) => a.fullName.localeCompare(b.fullName))) {
    if (!type.file.startsWith(`${moduleDir}/`) || type.mapEntry || !type.line) continue;
    const file = type.file;
    if (type.kind === 'enum') {
      for (const value of type.values ?? []) {
        if (value.number === 0 || !value.line) continue;
        out.push({ kind: 'enum value remove', target: `${type.fullName}.${value.name}`, expect: { verdict: 'fail', code: /^ENUM_VALUE_NO_DELETE/ },
          apply: lineEdit(file, value.line, new RegExp(`\\b${value.name}\\s*=`), () => '') });
      }
      continue;
    }
    const consumers = options.consumersOf(type.fullName);
    const failing = (code: RegExp) => ({ verdict: 'fail' as const, code, ...(consumers.length > 0 ? { consumers } : {}) });
    const maxNumber = Math.max(0, ...type.fields.map((f) => f.number));
    for (const field of type.fields) {
      if (!field.line) continue;
      const target = `${type.fullName}.${field.name}`;
      const at = new RegExp(`\\b${field.name}\\s*=\\s*${field.number}\\b`);
      const edit = (change: (m: RegExpExecArray) => string) => lineEdit(file, field.line!, at, (text) => {
        const m = declaration.exec(text);
        if (!m) throw new Error(`mutation: cannot parse the declaration of ${target}: ${text}`);
        return change(m);
      });
      const [indent, label, fieldType, name, number, rest] = [1, 2, 3, 4, 5, 6] as const;
      out.push({ kind: 'field delete', target, expect: failing(/^FIELD_NO_DELETE/), apply: edit(() => '') });
      out.push({
        kind: 'field delete+reserve', target,
        expect: options.isRead(type, field) ? failing(/^FIELD_REMOVED_WHILE_READ$/) : { verdict: 'pass' },
        apply: (f) => {
          edit(() => '')(f);
          lineEdit(file, type.line!, new RegExp(`\\bmessage\\s+${type.fullName.split('.').pop()}\\b`), (text) => `${text} reserved ${field.number}; reserved "${field.name}";`)(f);
        },
      });
      out.push({ kind: 'field retype', target, expect: failing(/_TYPE$/),
        apply: edit((m) => `${m[indent]}${m[label] ?? ''}${incompatibleType(m[fieldType]!)} ${m[name]} = ${m[number]}${m[rest]}`) });
      out.push({ kind: 'field renumber', target, expect: failing(/^FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED$/),
        apply: edit((m) => `${m[indent]}${m[label] ?? ''}${m[fieldType]} ${m[name]} = ${maxNumber + 100}${m[rest]}`) });
      out.push({ kind: 'field rename', target, expect: failing(/NAME/),
        apply: edit((m) => `${m[indent]}${m[label] ?? ''}${m[fieldType]} ${m[name]}_renamed = ${m[number]}${m[rest]}`) });
      if (field.cardinality !== 'map' && !field.oneof) {
        out.push({ kind: 'field cardinality', target, expect: failing(/CARDINALITY|LABEL|ONEOF/),
          apply: edit((m) => `${m[indent]}${m[label]?.startsWith('repeated') ? '' : 'repeated '}${m[fieldType]} ${m[name]} = ${m[number]}${m[rest]}`) });
      }
      if (field.cardinality === 'singular' && !field.oneof) {
        out.push({ kind: 'field into oneof', target, expect: failing(/ONEOF/),
          apply: edit((m) => `${m[indent]}oneof ${m[name]}_choice { ${m[fieldType]} ${m[name]} = ${m[number]}${m[rest]} }`) });
      }
    }
  }
  return out;
}

type Json = Record<string, unknown>;
const refOf = (node: unknown) => (isMap(node) ? String(node.get('$ref') ?? '') : '');

async function asyncapiMutations(root: string): Promise<Mutation[]> {
  const view = await loadContractView(root);
  const out: Mutation[] = [];
  const yaml = (edit: (doc: Document) => void): ContractEdit => (f) => f.yaml(edit);
  for (const channel of view.channels.values()) {
    const receivers = consumersOf(view, channel.id);
    out.push({ kind: 'channel address', target: channel.id, expect: { verdict: 'fail', code: /^CHANNEL_ADDRESS_CHANGED$/ },
      apply: yaml((doc) => doc.setIn(['channels', channel.id, 'address'], `${channel.address}.moved`)) });
    out.push({ kind: 'channel partitions', target: channel.id, expect: { verdict: 'fail', code: /^CHANNEL_PARTITIONS_CHANGED$/, ...(receivers.length > 0 ? { consumers: receivers } : {}) },
      apply: yaml((doc) => doc.setIn(['channels', channel.id, 'x-herald-partitions'], channel.partitions + 1)) });
    out.push({ kind: 'channel drop', target: channel.id, expect: receivers.length > 0 ? { verdict: 'fail', code: /^CHANNEL_REMOVED$/, consumers: receivers } : { verdict: 'pass' },
      apply: yaml((doc) => {
        doc.deleteIn(['channels', channel.id]);
        for (const op of view.operations.filter((o) => o.channel === channel.id)) doc.deleteIn(['operations', op.id]);
      }) });
  }
  for (const op of view.operations) {
    const receive = op.action === 'receive';
    const service = op.service ?? op.id;
    out.push({ kind: 'operation drop', target: op.id, expect: receive ? { verdict: 'fail', code: /^RECEIVE_OPERATION_REMOVED$/, consumers: [service] } : { verdict: 'pass' },
      apply: yaml((doc) => doc.deleteIn(['operations', op.id])) });
    // Dropping the only listed message would leave an empty list, which means "every message": not one step.
    if (op.messages.length < 2) continue;
    for (const message of op.messages) {
      out.push({ kind: 'operation drop message', target: `${op.id}.${message}`, expect: receive ? { verdict: 'fail', code: /^RECEIVE_MESSAGE_REMOVED$/, consumers: [service] } : { verdict: 'pass' },
        apply: yaml((doc) => {
          const list = doc.getIn(['operations', op.id, 'messages']);
          if (isSeq(list)) list.items = list.items.filter((i) => refOf(i).split('/').pop() !== message);
        }) });
    }
  }
  // Optional headers, wherever a header schema is declared (message traits and messages).
  const doc = parseDocument(readFileSync(`${root}/asyncapi.yaml`, 'utf8')).toJS() as Json;
  const components = (doc.components ?? {}) as Json;
  for (const [group, entries] of [['messageTraits', components.messageTraits], ['messages', components.messages]] as const) {
    for (const [name, def] of Object.entries((entries ?? {}) as Json)) {
      const headers = (def as Json | undefined)?.headers as Json | undefined;
      if (!headers || typeof headers.properties !== 'object') continue;
      const required = new Set((headers.required as string[] | undefined) ?? []);
      for (const header of Object.keys(headers.properties as Json).filter((h) => !required.has(h))) {
        out.push({ kind: 'header required', target: `${group}.${name}.headers.${header}`, expect: { verdict: 'fail', code: /^HEADER_REQUIRED_ADDED$/ },
          apply: yaml((d) => {
            const path = ['components', group, name, 'headers', 'required'];
            const list = d.getIn(path);
            if (isSeq(list)) list.add(header);
            else d.setIn(path, d.createNode([header]));
          }) });
      }
    }
  }
  return out;
}

export async function contractMutations(root: string, options: MutationOptions): Promise<Mutation[]> {
  return [...protoMutations(root, options), ...(await asyncapiMutations(root))];
}

