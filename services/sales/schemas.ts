// JSON schemas of Sales' HTTP routes. Validation and serialisation come from here.
import { errorResponses } from '../shared/http-errors.ts';
import { moviePageQuerySchema } from '../shared/page-schema.ts';
import { moneySchema } from '../shared/money-schema.ts';

export const projectedMovieSchema = {
  type: 'object',
  required: ['movieId', 'title', 'price', 'status', 'version'],
  properties: {
    movieId: { type: 'string' },
    title: { type: 'string' },
    price: moneySchema,
    status: { type: 'string', enum: ['active', 'retired'] },
    version: { type: 'integer' },
  },
} as const;

export const purchaseSchema = {
  type: 'object',
  required: ['purchaseId', 'customerId', 'quantity', 'movie', 'total', 'purchasedAt', 'eventId'],
  properties: {
    purchaseId: { type: 'string' },
    customerId: { type: 'string' },
    quantity: { type: 'integer' },
    movie: {
      type: 'object',
      required: ['movieId', 'title', 'unitPrice', 'catalogVersion'],
      properties: { movieId: { type: 'string' }, title: { type: 'string' }, unitPrice: moneySchema, catalogVersion: { type: 'integer' } },
    },
    total: moneySchema,
    purchasedAt: { type: 'string' },
    eventId: { type: 'string' },
  },
} as const;

export const createPurchaseSchema = {
  body: {
    type: 'object',
    required: ['movieId', 'customerId', 'quantity'],
    additionalProperties: false,
    properties: {
      movieId: { type: 'string', format: 'uuid' },
      customerId: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._@+-]+$' },
      quantity: { type: 'integer', minimum: 1, maximum: 100 },
    },
  },
  response: { 201: purchaseSchema, ...errorResponses },
} as const;

const idParams = (name: string) => ({
  type: 'object',
  required: [name],
  additionalProperties: false,
  properties: { [name]: { type: 'string', format: 'uuid' } },
}) as const;

export const getPurchaseSchema = { params: idParams('id'), response: { 200: purchaseSchema, ...errorResponses } } as const;
export const getProjectedMovieSchema = { params: idParams('id'), response: { 200: projectedMovieSchema, ...errorResponses } } as const;

/**
 * GET /movies' query: the cursor is the last movie id of the previous page, or with several partitions
 * of catalog.movie.v1 `<partition>.<movieId>` (projection.ts: page).
 */
const projectionPageQuerySchema = {
  ...moviePageQuerySchema,
  properties: {
    ...moviePageQuerySchema.properties,
    cursor: {
      type: 'string',
      pattern: '^([0-9]{1,4}\\.)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
      description: 'The nextCursor of the previous page: its last movieId, or `<partition>.<movieId>` with several partitions.',
    },
  },
} as const;

export const listProjectedMoviesSchema = {
  querystring: projectionPageQuerySchema,
  response: {
    200: {
      type: 'object',
      required: ['items'],
      properties: { items: { type: 'array', items: projectedMovieSchema }, nextCursor: { type: 'string' } },
    },
    ...errorResponses,
  },
} as const;
