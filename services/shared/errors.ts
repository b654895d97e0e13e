// The services' error codes, registered as their own layer (the runtime registers its own in
// src/runtime/core/errors.ts), and the domain error: thrown by a domain or a store, it names a domain
// field (`expectedVersion`, `movieId`), never an HTTP path; each route maps those to its request fields
// (`config.fields`) and http-errors.ts applies the map. docs/errors.md documents every code.
import { HeraldError, registerErrorCodes, type ErrorCode } from 'herald/runtime';

export const serviceErrorCodes = registerErrorCodes('services', {
  HERALD_ERR_VALIDATION: { status: 400, meaning: 'A request field is missing or invalid; the message names the field.' },
  HERALD_ERR_UNAUTHORIZED: { status: 401, meaning: 'A state-changing route needs a valid bearer token.' },
  HERALD_ERR_NOT_FOUND: { status: 404, meaning: 'The requested entity does not exist.' },
  HERALD_ERR_VERSION_CONFLICT: { status: 409, meaning: 'The expected version is stale: someone changed the entity first.' },
  HERALD_ERR_MOVIE_RETIRED: { status: 409, meaning: 'The movie is retired; it can no longer be changed.' },
  HERALD_ERR_NOT_SELLABLE: { status: 409, meaning: 'The movie is retired and cannot be bought.' },
  HERALD_ERR_INTERNAL: { status: 500, meaning: 'An unexpected failure inside a service; the details are in its log.' },
  HERALD_ERR_UNAVAILABLE: { status: 503, meaning: 'Redis is down, paused, out of memory or busy; retry after the Retry-After delay.' },
});

export type ServiceErrorCode = keyof typeof serviceErrorCodes;

/** A refusal by a service's domain or store. `field` names the domain field at fault, if one is. */
export class DomainError extends HeraldError {
  override readonly name = 'DomainError';
  constructor(code: ServiceErrorCode | ErrorCode, message: string, details: Record<string, unknown> & { field?: string } = {}, options?: ErrorOptions) {
    super(code, message, details, options);
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof Error && error.name === 'DomainError';
}

/** A refusal by the HTTP layer itself. `field` is a request path (`body.title`, `params.id`, `headers.authorization`). */
export function httpError(code: ServiceErrorCode, message: string, field?: string): HeraldError {
  return new HeraldError(code, message, field ? { field } : {});
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Domain field -> request field of this route (`{ expectedVersion: 'body.expectedVersion' }`). */
    fields?: Readonly<Record<string, string>>;
  }
}
