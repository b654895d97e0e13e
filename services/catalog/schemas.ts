// JSON schemas of Catalog's HTTP routes. Validation and serialisation come from here; handlers never
// re-check what a schema already guarantees.
import { moneySchema } from '../shared/money-schema.ts';
import { errorResponses } from '../shared/http-errors.ts';
import { displayTextPattern, plainTextPattern } from '../shared/text-rules.ts';

// Display texts need a visible character and refuse control and bidi-override characters.
const title = { type: 'string', minLength: 1, maxLength: 200, pattern: displayTextPattern } as const;
const genres = { type: 'array', maxItems: 20, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 50, pattern: displayTextPattern } } as const;
const releaseYear = { type: 'integer', minimum: 1888, maximum: 2100 } as const;
const version = { type: 'integer', minimum: 0, maximum: 2_147_483_647 } as const;

export const movieSchema = {
  type: 'object',
  required: ['movieId', 'title', 'price', 'genres', 'releaseYear', 'status', 'version', 'createdAt', 'updatedAt'],
  properties: {
    movieId: { type: 'string' },
    title: { type: 'string' },
    price: moneySchema,
    genres: { type: 'array', items: { type: 'string' } },
    releaseYear: { type: 'integer' },
    status: { type: 'string', enum: ['active', 'retired'] },
    version: { type: 'integer' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    retiredReason: { type: 'string' },
  },
} as const;

const movieIdParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', format: 'uuid' } },
} as const;

export const createMovieSchema = {
  body: {
    type: 'object',
    required: ['title', 'price', 'releaseYear'],
    additionalProperties: false,
    properties: { title, price: moneySchema, genres, releaseYear },
  },
  response: { 201: movieSchema, ...errorResponses },
} as const;

export const updateMovieSchema = {
  params: movieIdParams,
  body: {
    type: 'object',
    required: ['expectedVersion'],
    additionalProperties: false,
    minProperties: 2,
    properties: { expectedVersion: { ...version, minimum: 1 }, title, price: moneySchema, genres, releaseYear },
  },
  response: { 200: movieSchema, ...errorResponses },
} as const;

export const retireMovieSchema = {
  params: movieIdParams,
  body: {
    type: 'object',
    additionalProperties: false,
    properties: { reason: { type: 'string', maxLength: 500, pattern: plainTextPattern }, expectedVersion: { ...version, minimum: 1 } },
  },
  response: { 200: movieSchema, ...errorResponses },
} as const;

export const getMovieSchema = {
  params: movieIdParams,
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: { asOf: { type: 'string', format: 'date-time' } },
  },
  response: { 200: movieSchema, ...errorResponses },
} as const;

export const movieEventsSchema = {
  params: movieIdParams,
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      cursor: { type: 'string', pattern: '^(0|[1-9][0-9]{0,9})$', description: 'The last version already read; the page starts after it.' },
      limit: { type: 'string', pattern: '^([1-9]|[1-9][0-9]{1,2}|1000)$', description: '1 to 1000; default 100.' },
    },
  },
  response: {
    200: {
      type: 'object',
      required: ['movieId', 'events'],
      properties: {
        movieId: { type: 'string' },
        nextCursor: { type: 'string' },
        events: {
          type: 'array',
          items: {
            type: 'object',
            required: ['eventId', 'type', 'version', 'at'],
            properties: {
              eventId: { type: 'string' },
              type: { type: 'string' },
              version: { type: 'integer' },
              at: { type: 'string' },
              traceparent: { type: 'string' },
              fields: { type: 'object', additionalProperties: true },
              changes: { type: 'object', additionalProperties: true },
              changedFields: { type: 'array', items: { type: 'string' } },
              reason: { type: 'string' },
            },
          },
        },
      },
    },
    ...errorResponses,
  },
} as const;

export const listMoviesSchema = {
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      // One partition: the last creation sequence read; several: `<partition>.<sequence>` (event-store.ts).
      cursor: { type: 'string', pattern: '^([0-9]{1,15}|[0-9]{1,4}\\.[0-9]{1,15})$', description: 'The nextCursor of the previous page.' },
      limit: { type: 'string', pattern: '^([1-9]|[1-9][0-9]|100)$', description: '1 to 100; default 20.' },
    },
  },
  response: {
    200: {
      type: 'object',
      required: ['items'],
      properties: { items: { type: 'array', items: movieSchema }, nextCursor: { type: 'string' } },
    },
    ...errorResponses,
  },
} as const;
