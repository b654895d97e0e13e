import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadContract, validateContract } from './contract.ts';

const repoRoot = join(import.meta.dirname, '..', '..');

describe('loadContract on the repository contract', () => {
  it('reads channels, operations, services and messages, sorted, without diagnostics', async () => {
    const contract = await loadContract(repoRoot);
    expect(contract.diagnostics).toEqual([]);
    expect(contract.channels.map((c) => [c.id, c.address, c.messages])).toEqual([
      ['catalogMovie', 'catalog.movie.v1', ['MovieCreated', 'MovieRetired', 'MovieUpdated']],
      ['salesPurchase', 'sales.purchase.v1', ['PurchaseCompleted']],
    ]);
    expect(contract.services).toEqual([
      { name: 'catalog', sends: ['catalogMovie'], receives: [] },
      { name: 'reporting', sends: [], receives: ['salesPurchase'] },
      { name: 'sales', sends: ['salesPurchase'], receives: ['catalogMovie'] },
    ]);
    const created = contract.messages.find((m) => m.name === 'MovieCreated')!;
    expect(created.protoType).toBe('herald.catalog.movie.v1.MovieCreated');
    expect(created.protoFile).toBe('herald/catalog/movie/v1/events.proto');
    expect(created.dataschema).toBe(`herald:herald.catalog.movie.v1.MovieCreated#sha256-${created.fingerprint}`);
    expect(created.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(created.fields.map((f) => [f.number, f.jsonName, f.type, f.label])).toEqual([
      [1, 'movieId', 'string', 'singular'],
      [2, 'version', 'uint32', 'singular'],
      [3, 'movie', 'herald.catalog.movie.v1.Movie', 'singular'],
    ]);
    expect(created.headers).toMatchObject({ required: expect.arrayContaining(['dataschema']) });
  });

  it('bundles each message with its cross-file, cross-package dependencies and no imports but google/protobuf', async () => {
    const contract = await loadContract(repoRoot);
    const purchase = contract.messages.find((m) => m.name === 'PurchaseCompleted')!.bundledProto;
    expect(purchase).toContain('package herald.sales.purchase.v1;');
    expect(purchase).toContain('import "google/protobuf/timestamp.proto";');
    expect(purchase).not.toMatch(/import "herald\//);
    expect(purchase).toMatch(/message Money \{\n  \/\/ ISO 4217 code, for example "EUR".\n  string currency_code = 1;/);
    expect(purchase).toContain('  Money unit_price = 3;');
    const updated = contract.messages.find((m) => m.name === 'MovieUpdated')!.bundledProto;
    expect(updated).toContain('import "google/protobuf/field_mask.proto";');
    expect(updated).toContain('google.protobuf.FieldMask changed_fields = 3;');
  });
});

describe('validateContract with the official AsyncAPI parser', () => {
  it('accepts the bundled document and resolves every payload to its proto message', async () => {
    const contract = await loadContract(repoRoot);
    const { diagnostics, document } = await validateContract(contract);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const parsed = document as { allMessages(): { all(): Array<{ name(): string; payload(): { json(): any } }> } };
    const payloadOf = (name: string) => parsed.allMessages().all().find((m) => m.name() === name)!.payload().json().schema;
    const created = payloadOf('MovieCreated');
    expect(created.title).toBe('MovieCreated');
    expect(Object.keys(created.properties)).toEqual(['movie_id', 'version', 'movie']);
    expect(created.properties.movie.title).toBe('Movie');
    expect(Object.keys(created.properties.movie.properties.price.properties)).toEqual(['currency_code', 'amount_minor']);
    expect(created.properties.movie.properties.status.enum).toEqual(['MOVIE_STATUS_UNSPECIFIED', 'MOVIE_STATUS_ACTIVE', 'MOVIE_STATUS_RETIRED']);
    expect(Object.keys(payloadOf('MovieUpdated').properties)).toEqual(['movie_id', 'version', 'changed_fields', 'movie']);
    expect(payloadOf('MovieUpdated').properties.changed_fields.title).toBe('FieldMask');
    expect(Object.keys(payloadOf('MovieRetired').properties)).toEqual(['movie_id', 'version', 'reason']);
    const purchase = payloadOf('PurchaseCompleted');
    expect(purchase.title).toBe('PurchaseCompleted');
    expect(purchase.properties.movie.title).toBe('MovieSnapshot');
    expect(purchase.properties.purchased_at.title).toBe('Timestamp');
  });
});

describe('loadContract diagnostics', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('collects every problem instead of stopping at the first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-contract-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'proto', 'demo', 'v1'), { recursive: true });
    writeFileSync(join(dir, 'proto', 'demo', 'v1', 'a.proto'), 'syntax = "proto3";\npackage demo.v1;\nmessage A { string id = 1; }\n');
    writeFileSync(join(dir, 'proto', 'demo', 'v1', 'broken.proto'), 'syntax = "proto3";\npackage demo.v1;\nmessage B { string id = ; }\n');
    writeFileSync(join(dir, 'asyncapi.yaml'), [
      'asyncapi: 3.0.0',
      'info: { title: t, version: 1.0.0 }',
      'channels:',
      '  demo:',
      '    address: demo.v1',
      '    messages:',
      '      A: { $ref: "#/components/messages/A" }',
      '      Missing: { $ref: "#/components/messages/Missing" }',
      'operations:',
      '  sendA:',
      '    action: send',
      '    channel: { $ref: "#/channels/demo" }',
      'components:',
      '  messages:',
      '    A:',
      '      x-herald-proto: demo.v1.Nope',
      '      payload: { schemaFormat: application/vnd.google.protobuf;version=3, schema: { $ref: ./proto/demo/v1/a.proto } }',
      '    Missing:',
      '      payload: { schemaFormat: application/vnd.google.protobuf;version=3, schema: { $ref: ./proto/demo/v1/a.proto } }',
      '',
    ].join('\n'));
    const contract = await loadContract(dir);
    expect(contract.diagnostics.map((d) => d.code).sort()).toEqual(['missing-proto-type', 'missing-service', 'proto-parse', 'unknown-proto-type']);
    expect(contract.diagnostics.find((d) => d.code === 'proto-parse')!.path).toBe('demo/v1/broken.proto');
  });

  it('reads x-herald-partitions and refuses a count that is not an integer from 1 to 1024', async () => {
    const shop = await loadContract(join(repoRoot, 'test/fixtures/shop'));
    expect(shop.channels.find((c) => c.id === 'shopOrders')!.partitions).toBe(4);
    expect(shop.channels.find((c) => c.id === 'shopBilling')!.partitions).toBeUndefined();
    for (const bad of ['0', '2.5', '"8"', '2000']) {
      const text = readFileSync(join(repoRoot, 'test/fixtures/shop/asyncapi.yaml'), 'utf8').replace('x-herald-partitions: 4', `x-herald-partitions: ${bad}`);
      const copy = mkdtempSync(join(tmpdir(), 'herald-partitions-'));
      writeFileSync(join(copy, 'asyncapi.yaml'), text);
      cpSync(join(repoRoot, 'test/fixtures/shop/proto'), join(copy, 'proto'), { recursive: true });
      const contract = await loadContract(copy);
      expect(contract.diagnostics.map((d) => d.code)).toContain('invalid-partitions');
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
