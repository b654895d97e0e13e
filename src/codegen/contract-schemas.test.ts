import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Parser } from '@asyncapi/parser';
import { ProtoBuffSchemaParser } from '@asyncapi/protobuf-schema-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { command } from '../cli/commands/generate.ts';
import { syncManagedBlocks } from './contract-schemas.ts';
import { loadContract } from './contract.ts';

const repoRoot = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function generate(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) => new Writable({ write(chunk, _enc, done) { append(String(chunk)); done(); } });
  const code = await command.run(args, { cwd, verbose: false, stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)) });
  return { code, stdout, stderr };
}

/** A downstream-style contract: two packages, an import, the payloads written as `$ref`s to .proto files. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-managed-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'proto', 'shop', 'common', 'v1'), { recursive: true });
  mkdirSync(join(dir, 'proto', 'shop', 'order', 'v1'), { recursive: true });
  writeFileSync(join(dir, 'proto', 'shop', 'common', 'v1', 'money.proto'),
    'syntax = "proto3";\npackage shop.common.v1;\n// An amount.\nmessage Money {\n  string currency = 1;\n  int64 minor = 2;\n}\n');
  writeFileSync(join(dir, 'proto', 'shop', 'order', 'v1', 'events.proto'), [
    'syntax = "proto3";', 'package shop.order.v1;', 'import "shop/common/v1/money.proto";',
    'message OrderPlaced {', '  string order_id = 1;', '  shop.common.v1.Money total = 2;', '}',
    'message OrderCancelled {', '  string order_id = 1;', '}', '',
  ].join('\n'));
  writeFileSync(join(dir, 'asyncapi.yaml'), [
    '# Shop contracts. This comment, the quotes and the flow maps below are the author\'s; Herald keeps them.',
    'asyncapi: 3.0.0',
    "info: { title: 'Shop', version: '1.0.0' }",
    'channels:',
    '  orders:',
    '    address: shop.order.v1',
    '    messages:',
    "      OrderPlaced: { $ref: '#/components/messages/OrderPlaced' }",
    "      OrderCancelled: { $ref: '#/components/messages/OrderCancelled' }",
    'operations:',
    '  sendOrders:',
    '    action: send',
    '    x-herald-service: shop',
    "    channel: { $ref: '#/channels/orders' }",
    'components:',
    '  messages:',
    '    OrderPlaced:',
    '      name: OrderPlaced',
    '      x-herald-proto: shop.order.v1.OrderPlaced',
    '      payload:',
    '        schemaFormat: application/vnd.google.protobuf;version=3  # keep me',
    '        schema:',
    '          $ref: ./proto/shop/order/v1/events.proto',
    '      examples:',
    '        - headers: { dataschema: "herald:shop.order.v1.OrderPlaced#sha256-0000000000000000" }',
    '          payload: { order_id: o-1, total: { currency: EUR, minor: 5 } }',
    '    OrderCancelled:',
    '      name: OrderCancelled',
    '      x-herald-proto: shop.order.v1.OrderCancelled',
    '      payload:',
    '        schemaFormat: application/vnd.google.protobuf;version=3',
    '',
  ].join('\n'));
  return dir;
}

describe('Herald-managed payload schemas in asyncapi.yaml', () => {
  it('keeps the repository contract in step: nothing is stale', async () => {
    const contract = await loadContract(repoRoot);
    const text = readFileSync(join(repoRoot, 'asyncapi.yaml'), 'utf8');
    const sync = syncManagedBlocks(text, contract);
    expect(sync.stale).toEqual([]);
    expect(sync.text).toBe(text);
    expect(text).not.toMatch(/\$ref: .*\.proto/);
  });

  it('replaces a $ref to a .proto with the bundled text, fills a missing schema and the real dataschema, and keeps every other line', async () => {
    const dir = project();
    const before = readFileSync(join(dir, 'asyncapi.yaml'), 'utf8');
    const check = await generate(['--check', '--no-validate'], dir);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('asyncapi.yaml#/components/messages/OrderPlaced/payload/schema (external $ref)');
    expect(check.stderr).toContain('asyncapi.yaml#/components/messages/OrderCancelled/payload/schema (missing schema)');
    expect(check.stderr).toContain('asyncapi.yaml#/components/messages/OrderPlaced/examples/0/headers/dataschema (stale dataschema)');
    expect(readFileSync(join(dir, 'asyncapi.yaml'), 'utf8')).toBe(before); // --check writes nothing

    const written = await generate(['--no-validate'], dir);
    expect(written.code).toBe(0);
    expect(written.stdout).toContain('3 managed block(s) updated in asyncapi.yaml');
    const after = readFileSync(join(dir, 'asyncapi.yaml'), 'utf8');
    const contract = await loadContract(dir);
    const placed = contract.messages.find((m) => m.name === 'OrderPlaced')!;
    expect(after).toContain(`        schema: |\n          // Bundled by herald: shop.order.v1.OrderPlaced from shop/order/v1/events.proto`);
    expect(after).toContain(`dataschema: "${placed.dataschema}"`);
    // Every authored line but the two $ref lines and the placeholder is still there, in order.
    const kept = before.split('\n').filter((l) => !l.includes('$ref: ./proto') && l !== '        schema:' && !l.includes('0000000000000000'));
    const remaining = after.split('\n');
    let at = 0;
    for (const line of kept) {
      at = remaining.indexOf(line, at);
      expect(at, line).toBeGreaterThanOrEqual(0);
    }
    expect((await generate(['--check', '--no-validate'], dir)).code).toBe(0);
  });

  it('writes a document the official parser reads alone, each payload resolved to its message', async () => {
    const dir = project();
    await generate(['--no-validate'], dir);
    const parser = new Parser();
    parser.registerSchemaParser(ProtoBuffSchemaParser());
    const { document, diagnostics } = await parser.parse(readFileSync(join(dir, 'asyncapi.yaml'), 'utf8'));
    expect(diagnostics.filter((d) => d.severity === 0)).toEqual([]);
    const payload = (name: string) => (document!.allMessages().all().find((m) => m.name() === name)!.payload()!.json() as any).schema;
    expect(payload('OrderPlaced').title).toBe('OrderPlaced');
    expect(Object.keys(payload('OrderPlaced').properties.total.properties)).toEqual(['currency', 'minor']);
    expect(payload('OrderCancelled').title).toBe('OrderCancelled');
  });

  it('refuses, naming the message, a payload written as a flow mapping without a schema', async () => {
    const dir = project();
    const spec = join(dir, 'asyncapi.yaml');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace(
      '      payload:\n        schemaFormat: application/vnd.google.protobuf;version=3\n',
      '      payload: { schemaFormat: application/vnd.google.protobuf;version=3 }\n',
    ));
    const before = readFileSync(spec, 'utf8');
    await expect(generate(['--no-validate'], dir)).rejects.toThrow(/payload schema of OrderCancelled: write its payload as a block mapping/);
    expect(readFileSync(spec, 'utf8')).toBe(before);
  });

  it('reports a block as stale when a proto changes, and rewrites only that block', async () => {
    const dir = project();
    await generate(['--no-validate'], dir);
    const file = join(dir, 'proto', 'shop', 'common', 'v1', 'money.proto');
    writeFileSync(file, readFileSync(file, 'utf8').replace('int64 minor = 2;', 'int64 minor = 2;\n  // Where the money goes.\n  string account = 3;'));
    const check = await generate(['--check', '--no-validate'], dir);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('asyncapi.yaml#/components/messages/OrderPlaced/payload/schema (stale schema)');
    expect(check.stderr).not.toContain('OrderCancelled/payload');
    await generate(['--no-validate'], dir);
    expect(readFileSync(join(dir, 'asyncapi.yaml'), 'utf8')).toContain('            // Where the money goes.\n            string account = 3;');
    expect((await generate(['--check', '--no-validate'], dir)).code).toBe(0);
  });
});
