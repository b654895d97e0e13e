// Purchases: validated against the projection only, stored as an immutable snapshot of the movie as
// sold, and written to Sales' outbox in the same Lua script. It never calls Catalog and never
// overwrites a stored purchase.
//
// Keys: sales:purchase:<id> STRING purchase JSON (SET NX, never rewritten); sales:outbox STREAM.
import { randomUUID } from 'node:crypto';
import { encodedEventToFields, HeraldError, type OutgoingEvent, type Producer, type RedisConnection } from 'herald/runtime';
import type { SalesPurchaseChannel } from '../../generated/channels/sales-purchase.ts';
import type { PurchaseCompleted } from '../../generated/herald/sales/purchase/v1/events.ts';
import { LuaScript, text } from '../shared/lua-script.ts';
import type { MovieProjection, ProjectedMovie } from './projection.ts';

export const purchaseKeys = {
  purchase: (id: string) => `sales:purchase:${id}`,
  outbox: 'sales:outbox',
} as const;

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

const purchaseScript = new LuaScript(`
-- KEYS: movies, purchase, outbox   ARGV: movieId, expectedVersion, purchaseJson, outbox fields...
local row = redis.call('HGET', KEYS[1], ARGV[1])
if not row then return {'missing'} end
local movie = cjson.decode(row)
if movie.status ~= 'active' then return {'retired'} end
if tonumber(movie.version) ~= tonumber(ARGV[2]) then return {'stale'} end
if not redis.call('SET', KEYS[2], ARGV[3], 'NX') then return {'exists'} end
redis.call('XADD', KEYS[3], '*', unpack(ARGV, 4))
return {'ok'}
`);

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

function serialize(purchase: Purchase): string {
  return JSON.stringify(purchase, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

function parse(json: string): Purchase {
  return JSON.parse(json, (k, v: unknown) => (k === 'amountMinor' && typeof v === 'string' ? BigInt(v) : v)) as Purchase;
}

/** The channel event for a purchase, with its envelope options; the Pact provider verifies this too. */
export function outgoingPurchase(purchase: Purchase, traceparent?: string): Extract<OutgoingEvent<SalesPurchaseChannel>, { name: 'PurchaseCompleted' }> {
  return {
    name: 'PurchaseCompleted',
    data: purchaseCompleted(purchase),
    options: { subject: purchase.purchaseId, sequence: 1, time: new Date(purchase.purchasedAt), ...(traceparent ? { traceparent } : {}) },
  };
}

function refuse(movieId: string, outcome: string): never {
  if (outcome === 'missing') throw new HeraldError('HERALD_ERR_NOT_FOUND', `movie ${movieId} is not in the catalog`, { field: 'body.movieId' });
  throw new HeraldError('HERALD_ERR_NOT_SELLABLE', `movie ${movieId} is retired and cannot be bought`, { field: 'body.movieId' });
}

export interface PurchaseService {
  buy(input: { movieId: string; customerId: string; quantity: number }, context?: { traceparent?: string }): Promise<Purchase>;
  get(purchaseId: string): Promise<Purchase | undefined>;
}

export function createPurchaseService(redis: RedisConnection, projection: MovieProjection, producer: Producer<SalesPurchaseChannel>, now: () => Date = () => new Date()): PurchaseService {
  const attempt = async (movie: ProjectedMovie, input: { customerId: string; quantity: number }, traceparent: string | undefined): Promise<{ outcome: string; purchase: Purchase }> => {
    const purchaseId = randomUUID();
    const purchasedAt = now();
    const draft = {
      purchaseId,
      customerId: input.customerId,
      quantity: input.quantity,
      movie: { movieId: movie.movieId, title: movie.title, unitPrice: { ...movie.price }, catalogVersion: movie.version },
      total: { amountMinor: movie.price.amountMinor * BigInt(input.quantity), currencyCode: movie.price.currencyCode },
      purchasedAt: purchasedAt.toISOString(),
      eventId: '',
    } satisfies Purchase;
    const outgoing = outgoingPurchase(draft, traceparent);
    const encoded = producer.encode(outgoing.name, outgoing.data, outgoing.options);
    const purchase = { ...draft, eventId: encoded.envelope.id };
    const reply = (await purchaseScript.run(redis, [projection.keys.movies, purchaseKeys.purchase(purchaseId), purchaseKeys.outbox], [
      movie.movieId, String(movie.version), serialize(purchase), ...encodedEventToFields(encoded),
    ])) as unknown[];
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
      throw new HeraldError('HERALD_ERR_VERSION_CONFLICT', `movie ${input.movieId} kept changing while buying; try again`, { field: 'body.movieId' });
    },
    async get(purchaseId) {
      const raw = await redis.sendCommand(['GET', purchaseKeys.purchase(purchaseId)]);
      return raw === null || raw === undefined ? undefined : parse(text(raw));
    },
  };
}
