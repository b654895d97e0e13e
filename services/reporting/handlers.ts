// Reporting's handler of sales purchase events, as the generated consumer calls it: decoded event in,
// revenue line recorded once. It never calls Sales.
import type { SalesPurchaseHandlers } from '../../generated/channels/sales-purchase.ts';
import type { RevenueLedger } from './ledger.ts';
import { revenueLine } from './revenue.ts';

export function createSalesPurchaseHandlers(ledger: RevenueLedger, observer: { outcome?(outcome: 'applied' | 'duplicate'): void } = {}): SalesPurchaseHandlers {
  return {
    async PurchaseCompleted(event) {
      const outcome = await ledger.record(event.envelope.id, revenueLine(event));
      observer.outcome?.(outcome);
    },
  };
}
