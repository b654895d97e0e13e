// Stand-in for the downstream `reporting` service (another repository): the handler that turns a
// PurchaseCompleted into a revenue line per movie. Its pact states exactly the fields used here.
import type { ReceivedEvent } from 'herald/runtime';
import type { PurchaseCompleted } from '../../generated/herald/sales/purchase/v1/events.ts';

export interface RevenueLine {
  purchaseId: string;
  movieId: string;
  title: string;
  quantity: number;
  currencyCode: string;
  amountMinor: bigint;
  purchasedAt: string;
}

export function revenueLine(event: ReceivedEvent<PurchaseCompleted>): RevenueLine {
  const { purchaseId, movie, quantity, total, purchasedAt } = event.data;
  if (!movie || !total || !purchasedAt) throw new Error(`PurchaseCompleted ${purchaseId} lacks movie, total or purchasedAt`);
  return {
    purchaseId,
    movieId: movie.movieId,
    title: movie.title,
    quantity,
    currencyCode: total.currencyCode,
    amountMinor: BigInt(total.amountMinor),
    purchasedAt: purchasedAt.toISOString(),
  };
}
