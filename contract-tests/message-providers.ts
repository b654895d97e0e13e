// Provider side of the pacts: each interaction description mapped to the producer's real publishing
// path: the outgoing event exactly as the service hands it to its producer/outbox (Catalog's
// outgoingEvent, Sales' outgoingPurchase), fed with domain state built by the producer's own aggregate
// code. `herald check` encodes it with the runtime's encodeMessage (envelope and protobuf bytes, as the
// stream carries them) and reads it back as a consumer does. Never hand-write a payload here.
import { catalogMovie } from '../generated/channels/catalog-movie.ts';
import { salesPurchase } from '../generated/channels/sales-purchase.ts';
import { outgoingEvent } from '../services/catalog/events.ts';
import { applyEvent, decideCreate, decideRetire, decideUpdate, type MovieState, type StoredMovieEvent } from '../services/catalog/movie.ts';
import { outgoingPurchase } from '../services/sales/purchases.ts';
import type { MessageProviders, PublishedMessage } from '../src/gates/pact.ts';

const movieId = '3f1c2a9e-6b7d-4e8f-9a0b-1c2d3e4f5a6b';

/** Dune through the Catalog aggregate: created, repriced, retired; each step's stored event and state after it. */
function duneHistory(): Record<'created' | 'updated' | 'retired', { event: StoredMovieEvent; state: MovieState }> {
  const createEvent: StoredMovieEvent = { eventId: '0192f0c4-8a1e-7c3b-9d2e-4f5a6b7c8d9e', ...decideCreate(movieId, { title: 'Dune', price: { currencyCode: 'EUR', amountMinor: 1299n }, genres: ['science-fiction'], releaseYear: 2021 }, '2026-11-25T10:00:00.000Z') };
  const created = applyEvent(undefined, createEvent);
  const updateEvent: StoredMovieEvent = { eventId: '0192f0c5-1b2c-7d3e-8f4a-5b6c7d8e9f0a', ...decideUpdate(created, { price: { currencyCode: 'EUR', amountMinor: 999n } }, '2026-11-25T11:00:00.000Z')! };
  const updated = applyEvent(created, updateEvent);
  const retireEvent: StoredMovieEvent = { eventId: '0192f0c6-2c3d-7e4f-9a5b-6c7d8e9f0a1b', ...decideRetire(updated, 'licence ended', '2026-11-25T12:00:00.000Z')! };
  const retired = applyEvent(updated, retireEvent);
  return { created: { event: createEvent, state: created }, updated: { event: updateEvent, state: updated }, retired: { event: retireEvent, state: retired } };
}

/** What Catalog's commands hand to its producer for one step (services/catalog/commands.ts). */
const catalogPublishes = (step: keyof ReturnType<typeof duneHistory>): PublishedMessage => {
  const { event, state } = duneHistory()[step];
  return { channel: catalogMovie, source: 'herald/catalog', event: outgoingEvent(event, state) };
};

export const messageProviders: MessageProviders = {
  catalog: {
    'a MovieCreated event': () => catalogPublishes('created'),
    'a MovieUpdated event': () => catalogPublishes('updated'),
    'a MovieRetired event': () => catalogPublishes('retired'),
  },
  sales: {
    'a PurchaseCompleted event': () => ({
      channel: salesPurchase,
      source: 'herald/sales',
      event: outgoingPurchase({
        purchaseId: '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d',
        customerId: 'alice',
        quantity: 2,
        movie: { movieId, title: 'Dune', unitPrice: { amountMinor: 1299n, currencyCode: 'EUR' }, catalogVersion: 1 },
        total: { amountMinor: 2598n, currencyCode: 'EUR' },
        purchasedAt: '2026-11-25T10:30:00.000Z',
        eventId: '0192f0c7-3d4e-7f5a-8b6c-7d8e9f0a1b2c',
      }),
    }),
  },
};
