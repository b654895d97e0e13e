// The generator on a second, richer contract (test/fixtures/shop): the official parser accepts it, the
// output compiles under tsc --strict, messages round-trip exactly (binary, JSON, protobufjs reflection)
// and travel through a real Redis with the generated services.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf, type RedisConnection } from 'herald/runtime';
import { redisTest } from '../../test/support/redis-fixture.ts';
import { loadContract, validateContract, type Contract } from './contract.ts';
import { generateFiles } from './generate.ts';
import { loadProtoDirectory } from './proto-load.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const repoRoot = join(import.meta.dirname, '..', '..');
const fixtureRoot = join(repoRoot, 'test', 'fixtures', 'shop');
// Inside the repository so that `herald/runtime` resolves; `*.tmp` keeps it out of the main tsc run.
const out = join(fixtureRoot, `out-${process.pid}.tmp`);
let contract: Contract;
let order: any;
let events: any;
let shipping: any;

beforeAll(async () => {
  contract = await loadContract(fixtureRoot);
  rmSync(out, { recursive: true, force: true });
  for (const [path, text] of generateFiles(contract)) {
    mkdirSync(dirname(join(out, path)), { recursive: true });
    writeFileSync(join(out, path), text);
  }
  order = await import(join(out, 'shop/order/v1/order.ts'));
  events = await import(join(out, 'shop/order/v1/events.ts'));
  shipping = await import(join(out, 'shop/shipping/v1/events.ts'));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** An Order that sets every field, with 64-bit values far beyond 2^53. */
function richOrder(): any {
  const { Order, Order_Line_Kind } = order;
  return Order.create({
    orderId: 'o-1',
    lines: [{ sku: 'A', quantity: 2, unitPrice: { currency: 'EUR', micros: 9_007_199_254_740_993n }, kind: Order_Line_Kind.DIGITAL, attributes: { colour: 'red' } }],
    shippingAddress: { lines: ['1 Main St', 'Flat 2'], city: 'Paris', countryCode: 'FR' },
    labels: { vip: 'yes', channel: 'web' },
    linesByPosition: { 1: { sku: 'A', quantity: 2 }, 7: { sku: 'B', kind: Order_Line_Kind.PHYSICAL } },
    fraudScores: [-3, 0, 150_000],
    legacyIds: [18_446_744_073_709_551_615n, 1n],
    createdAt: new Date('2026-11-25T10:00:00.123Z'),
    payment: { case: 'card', value: { last4: '4242', expiryMonth: 12, expiryYear: -1 } },
    note: '',
    signature: new Uint8Array([0, 255, 128, 7]),
    weightKg: 1.5,
    discountRatio: 0.25,
    checksum: 18_446_744_073_709_551_615n,
    ledgerOffset: -9_223_372_036_854_775_808n,
    balanceMicros: -9_007_199_254_740_993n,
    priority: 2,
    totalsByAccount: { '18446744073709551615': { currency: 'EUR', micros: 9_223_372_036_854_775_807n } },
    weights: [0.5, 1e300],
    flags: { true: 'on', false: 'off' },
    sequence: 18_446_744_073_709_551_615n,
    reminders: [new Date(0), new Date('2030-01-01T00:00:00.000Z')],
  });
}

describe('the shop fixture contract', () => {
  it('is accepted by the official parser, every payload resolved to its message', async () => {
    expect(contract.diagnostics).toEqual([]);
    const { diagnostics, document } = await validateContract(contract);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const payload = (name: string) => (document as any).allMessages().all().find((m: any) => m.name() === name).payload().json().schema;
    expect(Object.keys(payload('InvoiceIssued').properties)).toEqual([
      'invoice_id', 'version', 'order_id', 'total', 'lines', 'issued_at', 'taxes', 'billing_address', 'shipping_address',
    ]);
    expect(payload('InvoiceIssued').properties.lines.items.title).toBe('Line');
    expect(Object.keys(payload('InvoiceIssued').properties.billing_address.properties)).toEqual(['email']);
    expect(Object.keys(payload('InvoiceIssued').properties.shipping_address.properties)).toEqual(['lines', 'city', 'country_code']);
    expect(payload('OrderPlaced').properties.order.properties.payment.oneOf.map((o: any) => o['x-oneof-item'])).toEqual(['card', 'voucher_code', 'cash_on_delivery']);
    expect(payload('OrderCancelled').properties.reason.enum).toEqual(['REASON_UNSPECIFIED', 'REASON_CUSTOMER', 'REASON_FRAUD']);
    expect(payload('ShipmentDispatched').title).toBe('ShipmentDispatched');
    expect(contract.services.map((s) => [s.name, s.sends, s.receives])).toEqual([
      ['billing', ['shopBilling'], ['shopOrders']],
      ['orders', ['shopOrders'], ['shopShipping']],
      ['shipping', ['shopShipping'], ['shopBilling', 'shopOrders']],
      ['support', ['shopOrders'], []],
    ]);
  });

  it('generates code that compiles under tsc --strict, with exhaustive handlers and narrowed producers', async () => {
    writeFileSync(join(out, 'type-checks.ts'), [
      "import type { RedisConnection } from 'herald/runtime';",
      "import { createBillingService } from './services/billing.ts';",
      "import { createSupportService } from './services/support.ts';",
      'export function checks(redis: RedisConnection): void {',
      '  const support = createSupportService(redis);',
      "  void support.producers.shopOrders.publish('OrderCancelled', { orderId: 'o', version: 2, reason: 1, previousReasons: [] });",
      '  // @ts-expect-error support may only send OrderCancelled',
      "  void support.producers.shopOrders.publish('OrderPlaced', { orderId: 'o', version: 1 });",
      '  // @ts-expect-error billing sends nothing on shopOrders',
      '  void createBillingService(redis).producers.shopOrders;',
      "  createBillingService(redis).consumeShopOrders({ consumer: 'c', handlers: { OrderPlaced: () => {}, OrderCancelled: () => {} } });",
      '  // @ts-expect-error a handler for OrderCancelled is missing',
      "  createBillingService(redis).consumeShopOrders({ consumer: 'c', handlers: { OrderPlaced: () => {} } });",
      '}',
      '',
    ].join('\n'));
    writeFileSync(join(out, 'tsconfig.json'), JSON.stringify({
      extends: join(repoRoot, 'tsconfig.json'),
      compilerOptions: { strict: true, noEmit: true },
      include: ['**/*.ts'],
      exclude: [],
    }));
    const tsc = join(repoRoot, 'node_modules', '.bin', 'tsc');
    const result = await promisify(execFile)(tsc, ['-p', join(out, 'tsconfig.json')], { cwd: repoRoot }).then(
      () => ({ code: 0, output: '' }),
      (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
    );
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 180_000);

  it('round-trips every kind of field through binary, exactly beyond 2^53', () => {
    const message = richOrder();
    const bytes = order.Order.encode(message).finish();
    expect(order.Order.decode(bytes)).toEqual(message);
    expect(order.Order.decode(bytes).sequence).toBe(18_446_744_073_709_551_615n);
    expect(order.Order.decode(bytes).payment).toEqual({ case: 'card', value: { last4: '4242', expiryMonth: 12, expiryYear: -1 } });
    const placed = events.OrderPlaced.create({ orderId: 'o-1', version: 1, order: message });
    expect(events.OrderPlaced.decode(events.OrderPlaced.encode(placed).finish())).toEqual(placed);
  });

  it('writes canonical proto3 JSON and reads it back', () => {
    const message = richOrder();
    const json = order.Order.toJSON(message);
    expect(json).toMatchObject({
      orderId: 'o-1',
      sequence: '18446744073709551615',
      ledgerOffset: '-9223372036854775808',
      legacyIds: ['18446744073709551615', '1'],
      signature: 'AP+ABw==',
      createdAt: '2026-11-25T10:00:00.123Z',
      priority: 'PRIORITY_HIGH',
      card: { last4: '4242', expiryMonth: 12, expiryYear: -1 },
      note: '',
      flags: { true: 'on', false: 'off' },
      linesByPosition: { 1: { sku: 'A', quantity: 2 }, 7: { sku: 'B', kind: 'KIND_PHYSICAL' } },
    });
    expect(json).not.toHaveProperty('voucherCode');
    expect(order.Order.fromJSON(JSON.parse(JSON.stringify(json)))).toEqual(message);
    expect(order.Order.fromJSON({ order_id: 'x', priority: 1, fraud_scores: ['5'] })).toMatchObject({ orderId: 'x', priority: 1, fraudScores: [5] });
    expect(() => order.Order.fromJSON({ orderId: 5 })).toThrow(/shop\.order\.v1\.Order\.order_id: expected a string/);

    const dispatched = shipping.ShipmentDispatched.create({
      shipmentId: 's', expectedTransit: { seconds: 90n, nanos: 500_000_000 }, insuredMicros: { value: 2n ** 60n },
      trackedFields: { paths: ['order_id', 'parcel_ids'] }, dispatchedAt: new Date('2026-01-02T03:04:05.000Z'),
    });
    const shipped = shipping.ShipmentDispatched.toJSON(dispatched);
    expect(shipped).toEqual({
      shipmentId: 's', expectedTransit: '90.5s', insuredMicros: '1152921504606846976', trackedFields: 'orderId,parcelIds', dispatchedAt: '2026-01-02T03:04:05.000Z',
    });
    expect(shipping.ShipmentDispatched.fromJSON(shipped)).toEqual(dispatched);
    // The message form of each well-known type, as the official AsyncAPI parser's JSON Schema describes it.
    expect(shipping.ShipmentDispatched.fromJSON({
      shipment_id: 's', expected_transit: { seconds: 90, nanos: 500_000_000 }, insured_micros: { value: '1152921504606846976' },
      tracked_fields: { paths: ['order_id', 'parcel_ids'] }, dispatched_at: { seconds: 1767323045, nanos: 0 },
    })).toEqual(dispatched);
  });

  it('is wire-compatible with protobufjs reflection in both directions', () => {
    const reflection = loadProtoDirectory(join(fixtureRoot, 'proto')).root.lookupType('shop.order.v1.Order');
    const message = richOrder();
    const decoded = reflection.toObject(reflection.decode(order.Order.encode(message).finish()), { longs: String, enums: String, bytes: String });
    expect(decoded).toMatchObject({
      order_id: 'o-1',
      sequence: '18446744073709551615',
      balance_micros: '-9007199254740993',
      legacy_ids: ['18446744073709551615', '1'],
      fraud_scores: [-3, 0, 150000],
      card: { last4: '4242', expiry_month: 12, expiry_year: -1 },
      priority: 'PRIORITY_HIGH',
      lines_by_position: { 1: { sku: 'A', quantity: 2 }, 7: { sku: 'B', kind: 'KIND_PHYSICAL' } },
      totals_by_account: { '18446744073709551615': { currency: 'EUR', micros: '9223372036854775807' } },
      created_at: { seconds: '1795600800', nanos: 123_000_000 },
    });
    const foreign = reflection.encode(reflection.fromObject(decoded)).finish();
    expect(order.Order.decode(foreign)).toEqual(message);
  });
});

describe('the shop fixture over Redis', () => {
  let redis: RedisConnection;
  redisTest.beforeAll(({ redis: connection }) => {
    redis = connection;
  });

  it('publishes with one generated service and consumes with another', async () => {
    const { createOrdersService } = await import(join(out, 'services/orders.ts'));
    const { createBillingService } = await import(join(out, 'services/billing.ts'));
    const received: any[] = [];
    const consumer = createBillingService(redis).consumeShopOrders({
      consumer: 'billing-1',
      handlers: { OrderPlaced: (event: any) => void received.push(event), OrderCancelled: (event: any) => void received.push(event) },
      config: { blockMs: 50 },
    });
    await consumer.start();
    const placed = events.OrderPlaced.create({ orderId: 'o-1', version: 1, order: richOrder() });
    await createOrdersService(redis).producers.shopOrders.publish('OrderPlaced', placed, { subject: 'o-1', sequence: 1 });
    for (let i = 0; i < 200 && received.length === 0; i++) await sleep(25);
    await consumer.stop();
    expect(received).toHaveLength(1);
    expect(received[0].name).toBe('OrderPlaced');
    expect(received[0].data).toEqual(placed);
    // shopOrders declares 4 partitions: the event sits in the partition its subject hashes to.
    const partition = partitionOf('o-1', 4);
    expect(Number(await redis.sendCommand(['XLEN', `{shop.orders.v1#${partition}}`]))).toBe(1);
    expect(Number(await redis.sendCommand(['EXISTS', 'shop.orders.v1']))).toBe(0);
    expect(received[0].envelope).toMatchObject({
      source: 'herald/orders',
      type: 'shop.order.v1.OrderPlaced',
      subject: 'o-1',
      dataschema: contract.messages.find((m) => m.name === 'OrderPlaced')!.dataschema,
    });
  });
});
