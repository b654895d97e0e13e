// Every example payload in asyncapi.yaml is valid proto3 JSON of its message: the committed generated
// codec reads it, survives a binary round trip, and writes back exactly the example.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as generated from '../../generated/index.ts';
import { loadContract } from './contract.ts';

const repoRoot = join(import.meta.dirname, '..', '..');
const contract = await loadContract(repoRoot);
type AnyChannel = { messages: Record<string, { codec: any; dataschema: string } | undefined> };
const channels = (Object.values(generated) as unknown[]).filter(
  (value): value is AnyChannel => typeof value === 'object' && value !== null && 'address' in value && 'messages' in value,
);

describe('asyncapi.yaml examples through the generated codecs', () => {
  const cases = contract.messages.flatMap((m) => m.examples.map((example, i) => ({ message: m, example: example as any, label: `${m.name} example ${i + 1}` })));

  it('covers every message with at least one example', () => {
    expect(new Set(cases.map((c) => c.message.name))).toEqual(new Set(contract.messages.map((m) => m.name)));
  });

  it.each(cases)('$label decodes, round-trips and re-encodes to the same JSON', ({ message, example }) => {
    const definition = channels.map((c) => c.messages[message.name]).find((d) => d !== undefined);
    expect(definition?.dataschema).toBe(message.dataschema);
    const codec = definition!.codec;
    const decoded = codec.fromJSON(example.payload);
    const again = codec.decode(codec.encode(decoded).finish());
    expect(again).toEqual(decoded);
    expect(codec.toJSON(again)).toEqual(example.payload);
  });
});
