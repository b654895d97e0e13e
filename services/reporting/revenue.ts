// Reporting's reading of a PurchaseCompleted: the revenue line it adds to a movie's totals. Pure: the
// consumer and the Pact consumer test (contract-tests/reporting-sales.pact.test.ts) call it alike, and its
// pact states exactly the fields used here. An event without them is refused for good (dead-lettered).
import { DeadLetterError, type ReceivedEvent } from 'herald/runtime';
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
  if (!purchaseId || !movie?.movieId || !total || !purchasedAt) {
    throw new DeadLetterError('rejected', `PurchaseCompleted ${event.envelope.id} lacks purchaseId, movie, total or purchasedAt`, { field: 'data' });
  }
  if (!/^[A-Z]{3}$/.test(total.currencyCode) || BigInt(total.amountMinor) < 0n || quantity < 1) {
    throw new DeadLetterError('rejected', `PurchaseCompleted ${event.envelope.id}: total ${String(total.amountMinor)} ${total.currencyCode} for quantity ${quantity} is no sale`, { field: 'data.total' });
  }
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
