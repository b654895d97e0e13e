// Provider side of the pacts: each interaction description mapped to the producer's real publishing
// path: the outgoing event exactly as the service hands it to its producer/outbox (Catalog's
// outgoingEvent, Sales' outgoingPurchase), fed with domain state built by the producer's own aggregate
// code. `herald check` encodes it with the runtime's encodeEvent (envelope and protobuf bytes, as the
// stream carries them) and reads it back as a consumer does. Never hand-write a payload here.
import { catalogMovie } from '../generated/channels/catalog-movie.ts';
import { salesPurchase } from '../generated/channels/sales-purchase.ts';
import { outgoingEvent } from '../services/catalog/events.ts';
import { applyEvent, decideCreate, decideRetire, decideUpdate, type DraftMovieEvent, type MovieState } from '../services/catalog/movie.ts';
import { outgoingPurchase } from '../services/sales/purchases.ts';
import type { MessageProviders, PublishedMessage } from '../src/gates/pact.ts';

const movieId = '3f1c2a9e-6b7d-4e8f-9a0b-1c2d3e4f5a6b';

/** Dune through the Catalog aggregate: created, repriced, retired; each step's draft event and state after it. */
function duneHistory(): Record<'created' | 'updated' | 'retired', { draft: DraftMovieEvent; state: MovieState }> {
  const createDraft = decideCreate(movieId, { title: 'Dune', price: { currencyCode: 'EUR', amountMinor: 1299n }, genres: ['science-fiction'], releaseYear: 2021 }, '2026-11-25T10:00:00.000Z');
  const created = applyEvent(undefined, { eventId: 'e1', ...createDraft });
  const updateDraft = decideUpdate(created, { price: { currencyCode: 'EUR', amountMinor: 999n } }, '2026-11-25T11:00:00.000Z')!;
  const updated = applyEvent(created, { eventId: 'e2', ...updateDraft });
  const retireDraft = decideRetire(updated, 'licence ended', '2026-11-25T12:00:00.000Z')!;
  const retired = applyEvent(updated, { eventId: 'e3', ...retireDraft });
  return { created: { draft: createDraft, state: created }, updated: { draft: updateDraft, state: updated }, retired: { draft: retireDraft, state: retired } };
}

/** What Catalog's commands hand to its producer for one step (services/catalog/commands.ts). */
const catalogPublishes = (step: keyof ReturnType<typeof duneHistory>): PublishedMessage => {
  const { draft, state } = duneHistory()[step];
  return { channel: catalogMovie, source: 'herald/catalog', event: outgoingEvent(draft, state) };
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
