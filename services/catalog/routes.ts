// Catalog's HTTP routes: translate requests into commands and queries, and state into JSON.
// Schemas (schemas.ts) validate; errors map to HTTP in services/shared/http-errors.ts, never here.
import type { FastifyInstance } from 'fastify';
import { moneyFromJson, moneyToJson, type MoneyJson } from '../shared/money-schema.ts';
import { httpError } from '../shared/errors.ts';
import { requireToken } from '../shared/token-auth.ts';
import type { MovieCommands } from './commands.ts';
import type { MovieEventStore } from './event-store.ts';
import type { Money, MovieFields, MovieState, StoredMovieEvent } from './movie.ts';
import { createMovieSchema, getMovieSchema, listMoviesSchema, movieEventsSchema, retireMovieSchema, updateMovieSchema } from './schemas.ts';

interface FieldsJson {
  title?: string;
  price?: MoneyJson;
  genres?: string[];
  releaseYear?: number;
}

function fieldsFromJson(body: FieldsJson): Partial<MovieFields> {
  const fields: Partial<MovieFields> = {};
  if (body.title !== undefined) fields.title = body.title;
  if (body.price !== undefined) fields.price = moneyFromJson(body.price);
  if (body.genres !== undefined) fields.genres = body.genres;
  if (body.releaseYear !== undefined) fields.releaseYear = body.releaseYear;
  return fields;
}

export function movieToJson(state: MovieState) {
  return { ...state, price: moneyToJson(state.price) };
}

function eventToJson(event: StoredMovieEvent) {
  const priced = (fields: Partial<MovieFields>) => (fields.price ? { ...fields, price: moneyToJson(fields.price as Money) } : fields);
  switch (event.type) {
    case 'MovieCreated':
      return { ...event, fields: priced(event.fields) };
    case 'MovieUpdated':
      return { ...event, changes: priced(event.changes) };
    case 'MovieRetired':
      return event;
  }
}

function notFound(id: string) {
  return httpError('HERALD_ERR_NOT_FOUND', `movie ${id} does not exist`, 'params.id');
}

/** Where the domain fields of a movie command came from in the request. */
const commandFields = { config: { fields: { movieId: 'params.id', expectedVersion: 'body.expectedVersion' } } } as const;

export function registerCatalogRoutes(app: FastifyInstance, deps: { commands: MovieCommands; store: MovieEventStore; serviceToken?: string }): void {
  const { commands, store } = deps;
  const guard = requireToken(deps.serviceToken);

  app.post<{ Body: Required<Omit<FieldsJson, 'genres'>> & { genres?: string[] } }>('/movies', { schema: createMovieSchema, onRequest: guard }, async (request, reply) => {
    const fields = fieldsFromJson(request.body) as MovieFields;
    fields.genres ??= [];
    const state = await commands.create(fields, { traceparent: request.traceparent });
    return reply.status(201).header('location', `/movies/${state.movieId}`).send(movieToJson(state));
  });

  app.patch<{ Params: { id: string }; Body: FieldsJson & { expectedVersion: number } }>('/movies/:id', { schema: updateMovieSchema, onRequest: guard, ...commandFields }, async (request) => {
    const { expectedVersion, ...changes } = request.body;
    return movieToJson(await commands.update(request.params.id, expectedVersion, fieldsFromJson(changes), { traceparent: request.traceparent }));
  });

  app.post<{ Params: { id: string }; Body: { reason?: string; expectedVersion?: number } | undefined }>(
    '/movies/:id/retire',
    // The body is optional (`curl -X POST .../retire` works); an absent body validates as `{}`.
    { schema: retireMovieSchema, onRequest: guard, ...commandFields, preValidation: async (request) => void (request.body ??= {}) },
    async (request) => {
      const body = request.body ?? {};
      const state = await commands.retire(request.params.id, body.reason ?? '', body.expectedVersion, { traceparent: request.traceparent });
      return movieToJson(state);
    },
  );

  app.get<{ Params: { id: string }; Querystring: { asOf?: string } }>('/movies/:id', { schema: getMovieSchema }, async (request) => {
    const { id } = request.params;
    const asOf = request.query.asOf ? new Date(request.query.asOf) : undefined;
    // RFC 3339 allows a leap second (23:59:60) that a JS Date cannot hold: refused, never read as "now".
    if (asOf && Number.isNaN(asOf.getTime())) {
      throw httpError('HERALD_ERR_VALIDATION', `query.asOf ${request.query.asOf} is not a time this service can represent (leap second?)`, 'query.asOf');
    }
    const state = asOf ? await store.loadAsOf(id, asOf) : await store.load(id);
    if (!state) {
      if (request.query.asOf && (await store.load(id))) {
        throw httpError('HERALD_ERR_NOT_FOUND', `movie ${id} did not exist yet at ${request.query.asOf}`, 'query.asOf');
      }
      throw notFound(id);
    }
    return movieToJson(state);
  });

  app.get<{ Params: { id: string }; Querystring: { cursor?: string; limit?: string } }>('/movies/:id/events', { schema: movieEventsSchema }, async (request) => {
    // A page of the history (cursor = the last version already read), never the whole list at once.
    const page = await store.historyPage(request.params.id, { afterVersion: Number(request.query.cursor ?? 0), limit: Number(request.query.limit ?? 100) });
    if (!page.exists) throw notFound(request.params.id);
    return { movieId: request.params.id, events: page.events.map(eventToJson), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  });

  app.get<{ Querystring: { cursor?: string; limit?: string } }>('/movies', { schema: listMoviesSchema }, async (request) => {
    const page = await store.list({ ...(request.query.cursor ? { cursor: request.query.cursor } : {}), limit: Number(request.query.limit ?? 20) });
    return { items: page.items.map(movieToJson), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  });
}
