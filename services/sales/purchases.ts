// Purchases: validated against the projection only, stored as an immutable snapshot of the movie as
// sold, and written to Sales' outbox in the same Redis Function (functions.lua: sales_purchase). It never
// calls Catalog, never overwrites a stored purchase, and never commits an event its relay would refuse.
//
// Keys: sales:purchase:<id> STRING purchase JSON (SET NX, never rewritten); sales:outbox STREAM;
// sales:outbox:parked STREAM (entries the relay could never publish). With partitions (projection.ts), a
// purchase is in its movie's partition: its id is drawn so that it hashes there (purchaseIdFor), so the
// row check, the purchase and the outbox entry are one slot, and the purchase is found from its id alone.
import { fcallWithOutbox, isHeraldError, outboxEntry, uuidv7, type OutgoingEvent, type Producer, type RedisConnection, type WaitForReplicas } from 'herald/runtime';
import { DomainError } from '../shared/errors.ts';
import type { SalesPurchaseChannel } from '../../generated/channels/sales-purchase.ts';
import type { PurchaseCompleted } from '../../generated/herald/sales/purchase/v1/events.ts';
import { parseJsonWithBigInts, stringifyJsonWithBigInts } from '../shared/bigint-json.ts';
import { text } from '../shared/redis-replies.ts';
import { purchaseIdFor, salesKeys, type MovieProjection, type ProjectedMovie, type SalesKeys } from './projection.ts';

/** The purchase keys of a layout: a purchase, its partition, the partition's outbox. */
export type PurchaseKeys = Pick<SalesKeys, 'purchase' | 'partition' | 'inPartition' | 'outbox'>;

/** Today's purchase keys (one node); createPurchaseService takes the layout's. */
export const purchaseKeys: PurchaseKeys = salesKeys;

export interface Purchase {
  purchaseId: string;
  customerId: string;
  quantity: number;
  movie: { movieId: string; title: string; unitPrice: { amountMinor: bigint; currencyCode: string }; catalogVersion: number };
  total: { amountMinor: bigint; currencyCode: string };
  purchasedAt: string;
  /** Id of the PurchaseCompleted event. */
  eventId: string;
}


/** The PurchaseCompleted payload for a purchase: the contract mapping, pure. */
export function purchaseCompleted(purchase: Purchase): PurchaseCompleted {
  return {
    purchaseId: purchase.purchaseId,
    version: 1,
    customerId: purchase.customerId,
    movie: { ...purchase.movie, unitPrice: { ...purchase.movie.unitPrice } },
    quantity: purchase.quantity,
    total: { ...purchase.total },
    purchasedAt: new Date(purchase.purchasedAt),
  };
}

/** Where a stored purchase's bigints live. */
const purchaseBigInts = ['movie.unitPrice.amountMinor', 'total.amountMinor'];

/** Largest amount a Money can carry: int64 on the wire (PurchaseCompleted.total.amount_minor). */
export const maxInt64 = 2n ** 63n - 1n;

/** unit price × quantity, or a 400 when it does not fit int64: an overflow is refused, never wrapped. */
function checkedTotal(movie: ProjectedMovie, quantity: number): bigint {
  const total = movie.price.amountMinor * BigInt(quantity);
  if (total > maxInt64 || total < 0n) {
    throw new DomainError('HERALD_ERR_VALIDATION', `quantity ${quantity} × unit price ${movie.price.amountMinor} of movie ${movie.movieId} exceeds the largest total (2^63 - 1 minor units)`, { field: 'quantity' });
  }
  return total;
}

/** The channel event for a purchase, with its envelope options; the Pact provider verifies this too. */
export function outgoingPurchase(purchase: Purchase, traceparent?: string): Extract<OutgoingEvent<SalesPurchaseChannel>, { name: 'PurchaseCompleted' }> {
  return {
    name: 'PurchaseCompleted',
    data: purchaseCompleted(purchase),
    options: { id: purchase.eventId, subject: purchase.purchaseId, sequence: 1, time: new Date(purchase.purchasedAt), ...(traceparent ? { traceparent } : {}) },
  };
}

function refuse(movieId: string, outcome: string): never {
  if (outcome === 'missing') throw new DomainError('HERALD_ERR_NOT_FOUND', `movie ${movieId} is not in the catalog`, { field: 'movieId' });
  throw new DomainError('HERALD_ERR_NOT_SELLABLE', `movie ${movieId} is retired and cannot be bought`, { field: 'movieId' });
}

/**
 * The PurchaseCompleted of a purchase, encoded, or a refusal naming the movie when the event would be
 * larger than sales.purchase.v1 accepts (a movie snapshot too large to sell): checked before the purchase
 * is committed, so the relay never meets an event it must refuse.
 */
function encodeOrRefuse(producer: Producer<SalesPurchaseChannel>, purchase: Purchase, traceparent: string | undefined) {
  try {
    return producer.encodeEvent(outgoingPurchase(purchase, traceparent));
  } catch (error) {
    if (!isHeraldError(error) || error.code !== 'HERALD_ERR_EVENT_TOO_LARGE') throw error;
    throw new DomainError('HERALD_ERR_EVENT_TOO_LARGE', `movie ${purchase.movie.movieId} cannot be sold: its PurchaseCompleted would be ${String(error.details.size)} bytes, over the ${String(error.details.limit)} bytes ${producer.channel.address} accepts`, {
      ...error.details, field: 'movieId',
    });
  }
}

export interface PurchaseService {
  buy(input: { movieId: string; customerId: string; quantity: number }, context?: { traceparent?: string }): Promise<Purchase>;
  get(purchaseId: string): Promise<Purchase | undefined>;
}

export function createPurchaseService(
  redis: RedisConnection, projection: MovieProjection, producer: Producer<SalesPurchaseChannel>, now: () => Date = () => new Date(),
  keys: PurchaseKeys = purchaseKeys,
  waitForReplicas?: WaitForReplicas,
): PurchaseService {
  const attempt = async (movie: ProjectedMovie, input: { customerId: string; quantity: number }, traceparent: string | undefined): Promise<{ outcome: string; purchase: Purchase }> => {
    const purchaseId = purchaseIdFor(keys, movie.movieId);
    const purchasedAt = now();
    const purchase = {
      purchaseId,
      customerId: input.customerId,
      quantity: input.quantity,
      movie: { movieId: movie.movieId, title: movie.title, unitPrice: { ...movie.price }, catalogVersion: movie.version },
      total: { amountMinor: checkedTotal(movie, input.quantity), currencyCode: movie.price.currencyCode },
      purchasedAt: purchasedAt.toISOString(),
      eventId: uuidv7(purchasedAt.getTime()),
    } satisfies Purchase;
    const encoded = encodeOrRefuse(producer, purchase, traceparent);
    const reply = (await fcallWithOutbox(redis, 'sales_purchase', {
      outbox: keys.inPartition(keys.partition(movie.movieId)).outbox,
      entry: outboxEntry(producer.channel.address, encoded),
      keys: [projection.keysOf(movie.movieId).movies, keys.purchase(purchaseId)],
      args: [movie.movieId, String(movie.version), stringifyJsonWithBigInts(purchase)],
      ...(waitForReplicas ? { waitForReplicas } : {}),
    })) as unknown[];
    return { outcome: text(reply[0]), purchase };
  };

  return {
    async buy(input, context = {}) {
      // The row read here is re-checked inside the script; a concurrent catalog update means retry.
      for (let round = 0; round < 5; round++) {
        const movie = await projection.get(input.movieId);
        if (!movie) refuse(input.movieId, 'missing');
        if (movie.status !== 'active') refuse(input.movieId, 'retired');
        const { outcome, purchase } = await attempt(movie, input, context.traceparent);
        if (outcome === 'ok') return purchase;
        if (outcome !== 'stale' && outcome !== 'exists') refuse(input.movieId, outcome);
      }
      throw new DomainError('HERALD_ERR_VERSION_CONFLICT', `movie ${input.movieId} kept changing while buying; try again`, { field: 'movieId' });
    },
    async get(purchaseId) {
      const raw = await redis.sendCommand(['GET', keys.purchase(purchaseId)]);
      return raw === null || raw === undefined ? undefined : parseJsonWithBigInts<Purchase>(text(raw), purchaseBigInts);
    },
  };
}
