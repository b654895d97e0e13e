// The downstream `reporting` service, as consumer of Sales' PurchaseCompleted, states what it relies
// on (movie id and title, quantity, total, purchase time, and the metadata); the Pact body goes
// through the generated codec into its revenue handler.
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { afterAll, describe, expect, it } from 'vitest';
import { salesPurchase } from '../generated/channels/sales-purchase.ts';
import { dataschemaPattern, receivedFromPact, stagedPactDir } from './pact-support.ts';
import { revenueLine } from '../services/reporting/revenue.ts';

const { like, integer, regex } = MatchersV3;
process.env.PACT_DO_NOT_TRACK = 'true';

const staged = stagedPactDir();
const pact = new PactV4({ consumer: 'reporting', provider: 'sales', dir: staged.dir, logLevel: 'error' });
afterAll(() => staged.publish());

describe('reporting consumes sales purchase events (pact)', () => {
  it('turns a PurchaseCompleted into a revenue line', async () => {
    const message = salesPurchase.messages.PurchaseCompleted;
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a PurchaseCompleted event', (b) =>
        b.withJSONContent({
          purchaseId: like('7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d'),
          movie: { movieId: like('3f1c2a9e-6b7d-4e8f-9a0b-1c2d3e4f5a6b'), title: like('Dune') },
          quantity: integer(2),
          total: { currencyCode: regex('^[A-Z]{3}$', 'EUR'), amountMinor: regex('^-?\\d+$', '2598') },
          purchasedAt: regex('^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$', '2026-11-25T10:30:00Z'),
        }).withMetadata({ type: message.type, dataschema: regex(dataschemaPattern(message), message.dataschema) }))
      .executeTest(async (m) => {
        const line = revenueLine(receivedFromPact(message, m, salesPurchase.address));
        expect(line).toEqual({
          purchaseId: '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d', movieId: '3f1c2a9e-6b7d-4e8f-9a0b-1c2d3e4f5a6b', title: 'Dune',
          quantity: 2, currencyCode: 'EUR', amountMinor: 2598n, purchasedAt: '2026-11-25T10:30:00.000Z',
        });
      });
  });
});
