// The services' JSON body parser: plain JSON.parse, then a refusal naming the path of any `__proto__` or
// `constructor` key (fastify's default only says "Body is not valid JSON"). It never returns such a body.
import { errorCodes, type FastifyInstance } from 'fastify';
import { httpError } from './errors.ts';

/** Keys that could reach an object's prototype if a body were ever merged into another object. */
const forbiddenKeys = new Set(['__proto__', 'constructor']);

/** `body.price.__proto__` for the first forbidden key in `value`, depth first; undefined when clean. */
export function forbiddenKeyPath(value: unknown, path = 'body'): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  // Object.keys lists an own `__proto__` that JSON.parse created as plain data.
  for (const key of Object.keys(value)) {
    const at = `${path}.${key}`;
    if (!Array.isArray(value) && forbiddenKeys.has(key)) return at;
    const inner = forbiddenKeyPath((value as Record<string, unknown>)[key], at);
    if (inner) return inner;
  }
  return undefined;
}

export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    if (text.length === 0) return done(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY(), undefined);
    let body: unknown;
    try {
      body = JSON.parse(text as string);
    } catch {
      return done(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), undefined);
    }
    const field = forbiddenKeyPath(body);
    if (field) return done(httpError('HERALD_ERR_VALIDATION', `${field} is a forbidden key`, field), undefined);
    done(null, body);
  });
}
