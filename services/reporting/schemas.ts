// JSON schemas of Reporting's HTTP routes. Revenue totals are decimal strings: a sum of int64 amounts
// can pass 2^53, where a JSON number would lose digits.
import { errorResponses } from '../shared/http-errors.ts';
import { moviePageQuerySchema } from '../shared/page-schema.ts';

export const movieRevenueSchema = {
  type: 'object',
  required: ['movieId', 'title', 'quantity', 'purchases', 'revenue'],
  properties: {
    movieId: { type: 'string' },
    title: { type: 'string', description: 'The title as last sold.' },
    quantity: { type: 'integer', description: 'Copies sold.' },
    purchases: { type: 'integer' },
    revenue: {
      type: 'array',
      items: {
        type: 'object',
        required: ['currencyCode', 'amountMinor'],
        properties: { currencyCode: { type: 'string' }, amountMinor: { type: 'string', pattern: '^[0-9]+$', description: 'Minor units, decimal.' } },
      },
    },
  },
} as const;

export const getMovieRevenueSchema = {
  params: { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string', format: 'uuid' } } },
  response: { 200: movieRevenueSchema, ...errorResponses },
} as const;

export const listRevenueSchema = {
  querystring: moviePageQuerySchema,
  response: {
    200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: movieRevenueSchema }, nextCursor: { type: 'string' } } },
    ...errorResponses,
  },
} as const;
