// Every example in asyncapi.yaml is valid twice over: against the JSON Schema the official AsyncAPI parser
// derives from the inline proto (what Studio, `asyncapi validate` and generators see), and for the
// committed generated codec, which reads it, survives a binary round trip, and reads its own canonical
// proto3 JSON back to the same message.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { ProtoBuffSchemaParser } from '@asyncapi/protobuf-schema-parser';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import * as generated from '../../generated/index.ts';
import { loadContract } from './contract.ts';

const repoRoot = join(import.meta.dirname, '..', '..');
const contract = await loadContract(repoRoot);
type AnyChannel = { messages: Record<string, { codec: any; dataschema: string } | undefined> };
const channels = (Object.values(generated) as unknown[]).filter(
  (value): value is AnyChannel => typeof value === 'object' && value !== null && 'address' in value && 'messages' in value,
);
const codecOf = (name: string) => channels.map((c) => c.messages[name]).find((d) => d !== undefined)!;

// The authored document itself, parsed by the official parser: no Herald bundle in between.
const parser = new Parser();
parser.registerSchemaParser(ProtoBuffSchemaParser());
const parsed = await parser.parse(readFileSync(join(repoRoot, 'asyncapi.yaml'), 'utf8'));
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
// strict: false because the derived schemas carry the parser's x-* keywords and protobuf formats
// (uint32, int64) that are annotations, not JSON Schema formats.
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
for (const format of ['int32', 'uint32', 'int64', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'float', 'double', 'bytes']) ajv.addFormat(format, true);

function derived(name: string): { payload: object; headers: object } {
  const message = parsed.document!.allMessages().all().find((m) => m.name() === name)!;
  const payload = message.payload()!.json() as Record<string, unknown>;
  return { payload: (payload['schema'] ?? payload) as object, headers: message.headers()!.json() as object };
}

function errorsOf(schema: object, value: unknown): string[] {
  const validate = ajv.compile(schema);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

const cases = contract.messages.flatMap((m) => m.examples.map((example, i) => ({ message: m, example: example as any, label: `${m.name} example ${i + 1}` })));

describe('asyncapi.yaml examples against the official parser', () => {
  it('parses the authored document without errors', () => {
    expect(parsed.diagnostics.filter((d) => d.severity === 0)).toEqual([]);
    expect(parsed.document).toBeDefined();
  });

  it('covers every message with at least one example', () => {
    expect(new Set(cases.map((c) => c.message.name))).toEqual(new Set(contract.messages.map((m) => m.name)));
  });

  it.each(cases)('$label validates against the payload and header schemas the parser derives', ({ message, example }) => {
    const schemas = derived(message.name);
    expect((schemas.payload as { title?: string }).title).toBe(message.protoType.split('.').pop());
    expect(errorsOf(schemas.payload, example.payload)).toEqual([]);
    expect(errorsOf(schemas.headers, example.headers)).toEqual([]);
    expect(example.headers.dataschema).toBe(message.dataschema);
  });

  it('rejects the camelCase JSON names that the parser-derived schema does not know', () => {
    const created = cases.find((c) => c.message.name === 'MovieCreated')!.example.payload;
    const camel = { ...created, movieId: created.movie_id };
    delete camel.movie_id;
    expect(errorsOf(derived('MovieCreated').payload, camel)).toContain("/ must have required property 'movie_id'");
  });
});

describe('asyncapi.yaml examples through the generated codecs', () => {
  it.each(cases)('$label decodes, round-trips, and reads its canonical JSON back the same', ({ message, example }) => {
    const definition = codecOf(message.name);
    expect(definition.dataschema).toBe(message.dataschema);
    const codec = definition.codec;
    const decoded = codec.fromJSON(example.payload);
    const again = codec.decode(codec.encode(decoded).finish());
    expect(again).toEqual(decoded);
    expect(codec.fromJSON(codec.toJSON(again))).toEqual(decoded);
  });

  it('reads the well-known types in their message form as in their proto3 JSON form', () => {
    const purchase = cases.find((c) => c.message.name === 'PurchaseCompleted')!.example.payload;
    expect(purchase.purchased_at).toEqual({ seconds: 1795602600, nanos: 0 });
    const codec = codecOf('PurchaseCompleted').codec;
    expect(codec.fromJSON(purchase)).toEqual(codec.fromJSON({ ...purchase, purchased_at: '2026-11-25T10:30:00.000Z' }));
    expect(codec.toJSON(codec.fromJSON(purchase)).purchasedAt).toBe('2026-11-25T10:30:00.000Z');

    const updated = cases.find((c) => c.message.name === 'MovieUpdated')!.example.payload;
    expect(updated.changed_fields).toEqual({ paths: ['price'] });
    const updatedCodec = codecOf('MovieUpdated').codec;
    expect(updatedCodec.fromJSON(updated)).toEqual(updatedCodec.fromJSON({ ...updated, changed_fields: 'price' }));
    expect(updatedCodec.fromJSON(updated).changedFields).toEqual({ paths: ['price'] });
  });
});
