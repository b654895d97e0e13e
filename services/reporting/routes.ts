// Reporting's HTTP routes: read the revenue per movie. Schemas validate; errors map to HTTP in
// services/shared/http-errors.ts. Nothing here writes.
import type { FastifyInstance } from 'fastify';
import { httpError } from '../shared/errors.ts';
import type { MovieRevenue, RevenueLedger } from './ledger.ts';
import { getMovieRevenueSchema, listRevenueSchema } from './schemas.ts';

export function movieRevenueToJson(movie: MovieRevenue) {
  return { ...movie, revenue: movie.revenue.map((r) => ({ currencyCode: r.currencyCode, amountMinor: r.amountMinor.toString() })) };
}

export function registerReportingRoutes(app: FastifyInstance, deps: { ledger: RevenueLedger }): void {
  app.get<{ Params: { id: string } }>('/revenue/:id', { schema: getMovieRevenueSchema }, async (request) => {
    const movie = await deps.ledger.get(request.params.id);
    if (!movie) throw httpError('HERALD_ERR_NOT_FOUND', `movie ${request.params.id} has no recorded revenue`, 'params.id');
    return movieRevenueToJson(movie);
  });

  app.get<{ Querystring: { cursor?: string; limit?: string } }>('/revenue', { schema: listRevenueSchema }, async (request) => {
    const page = await deps.ledger.list({ ...(request.query.cursor ? { cursor: request.query.cursor } : {}), limit: Number(request.query.limit ?? 20) });
    return { items: page.items.map(movieRevenueToJson), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  });
}
