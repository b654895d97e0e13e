// Sales' HTTP routes: buy, read a purchase, read the movie projection. Schemas validate; errors map
// to HTTP in services/shared/http-errors.ts. Nothing here calls Catalog.
import type { FastifyInstance } from 'fastify';
import { moneyToJson } from '../shared/money-schema.ts';
import { httpError } from '../shared/errors.ts';
import { requireToken } from '../shared/token-auth.ts';
import type { MovieProjection, ProjectedMovie } from './projection.ts';
import type { Purchase, PurchaseService } from './purchases.ts';
import { createPurchaseSchema, getProjectedMovieSchema, getPurchaseSchema, listProjectedMoviesSchema } from './schemas.ts';

export function projectedMovieToJson(movie: ProjectedMovie) {
  return { ...movie, price: moneyToJson(movie.price) };
}

export function purchaseToJson(purchase: Purchase) {
  return { ...purchase, movie: { ...purchase.movie, unitPrice: moneyToJson(purchase.movie.unitPrice) }, total: moneyToJson(purchase.total) };
}

export function registerSalesRoutes(app: FastifyInstance, deps: { purchases: PurchaseService; projection: MovieProjection; serviceToken?: string; onPurchase?(): void }): void {
  const { purchases, projection } = deps;
  const guard = requireToken(deps.serviceToken);

  app.post<{ Body: { movieId: string; customerId: string; quantity: number } }>('/purchases', { schema: createPurchaseSchema, onRequest: guard, config: { fields: { movieId: 'body.movieId', quantity: 'body.quantity' } } }, async (request, reply) => {
    const purchase = await purchases.buy(request.body, { traceparent: request.traceparent });
    deps.onPurchase?.();
    return reply.status(201).header('location', `/purchases/${purchase.purchaseId}`).send(purchaseToJson(purchase));
  });

  app.get<{ Params: { id: string } }>('/purchases/:id', { schema: getPurchaseSchema }, async (request) => {
    const purchase = await purchases.get(request.params.id);
    if (!purchase) throw httpError('HERALD_ERR_NOT_FOUND', `purchase ${request.params.id} does not exist`, 'params.id');
    return purchaseToJson(purchase);
  });

  app.get<{ Params: { id: string } }>('/movies/:id', { schema: getProjectedMovieSchema }, async (request) => {
    const movie = await projection.get(request.params.id);
    if (!movie) throw httpError('HERALD_ERR_NOT_FOUND', `movie ${request.params.id} is not in the sales projection`, 'params.id');
    return projectedMovieToJson(movie);
  });

  app.get<{ Querystring: { cursor?: string; limit?: string } }>('/movies', { schema: listProjectedMoviesSchema }, async (request) => {
    // One ZRANGE BYLEX on the id index plus one HMGET: the cost is the page, not the projection.
    const page = await projection.page({ limit: Number(request.query.limit ?? 20), ...(request.query.cursor ? { after: request.query.cursor } : {}) });
    return { items: page.items.map(projectedMovieToJson), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  });
}
