// The query of a list route that pages by movie id: one schema, so every list route pages the same way.
export const moviePageQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cursor: { type: 'string', format: 'uuid', description: 'The last movieId of the previous page.' },
    limit: { type: 'string', pattern: '^([1-9]|[1-9][0-9]|100)$', description: '1 to 100; default 20.' },
  },
} as const;
