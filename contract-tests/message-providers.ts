// Provider side of the pacts: each interaction description mapped to the producer's real message
// builder (Catalog's services/catalog/events.ts, Sales' purchaseCompleted), fed with domain state
// built by the producer's own aggregate code. `herald check` encodes, decodes and verifies these.
// It must never hand-write a payload: a field the producer stops filling must show up here.
import { catalogMovie } from '../generated/channels/catalog-movie.ts';
import { salesPurchase } from '../generated/channels/sales-purchase.ts';
import { movieCreated, movieRetired, movieUpdated } from '../services/catalog/events.ts';
import { applyEvent, decideCreate, decideRetire, decideUpdate, type MovieState } from '../services/catalog/movie.ts';
import { purchaseCompleted } from '../services/sales/purchases.ts';
import type { MessageProviders } from '../src/gates/pact.ts';

const movieId = '3f1c2a9e-6b7d-4e8f-9a0b-1c2d3e4f5a6b';

/** Dune through the Catalog aggregate: created, repriced, retired. */
function duneHistory(): { created: MovieState; updated: MovieState; retired: MovieState } {
  const created = applyEvent(undefined, { eventId: 'e1', ...decideCreate(movieId, { title: 'Dune', price: { currencyCode: 'EUR', amountMinor: 1299n }, genres: ['science-fiction'], releaseYear: 2021 }, '2026-11-25T10:00:00.000Z') });
  const update = decideUpdate(created, { price: { currencyCode: 'EUR', amountMinor: 999n } }, '2026-11-25T11:00:00.000Z')!;
  const updated = applyEvent(created, { eventId: 'e2', ...update });
  const retired = applyEvent(updated, { eventId: 'e3', ...decideRetire(updated, 'licence ended', '2026-11-25T12:00:00.000Z')! });
  return { created, updated, retired };
}

export const messageProviders: MessageProviders = {
  catalog: {
    'a MovieCreated event': () => ({ message: catalogMovie.messages.MovieCreated, data: movieCreated(duneHistory().created) }),
    'a MovieUpdated event': () => ({ message: catalogMovie.messages.MovieUpdated, data: movieUpdated(duneHistory().updated, ['price']) }),
    'a MovieRetired event': () => ({ message: catalogMovie.messages.MovieRetired, data: movieRetired(duneHistory().retired, 'licence ended') }),
  },
  sales: {
    'a PurchaseCompleted event': () => ({
      message: salesPurchase.messages.PurchaseCompleted,
      data: purchaseCompleted({
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
