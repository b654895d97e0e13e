// The one place where errors become HTTP responses: Herald error codes map to the status their layer
// registered (runtime or services), a domain error's domain field to the route's request field, schema
// failures to 400 naming the field, and a Redis that is down, paused, out of memory or busy to 503 with
// Retry-After. It never leaks a stack or a secret.
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';
import { errorCodeInfo, isHeraldError } from 'herald/runtime';
import { httpError, isDomainError, serviceErrorCodes, type ServiceErrorCode } from './errors.ts';
import { limitRepeats } from './log-limiter.ts';

/** JSON schema of every error body, shared by all routes' 4xx/5xx responses. */
export const errorBodySchema = {
  $id: 'HeraldErrorBody',
  type: 'object',
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    error: { type: 'string' },
    message: { type: 'string' },
    field: { type: 'string' },
  },
} as const;

export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
  field?: string;
}

/** The reason phrase of a status, from Node's own table. */
const reason = (status: number): string => STATUS_CODES[status] ?? 'Error';

interface AjvError {
  keyword: string;
  instancePath?: string;
  message?: string;
  params?: { missingProperty?: string; additionalProperty?: string };
}

/** `body.price.amountMinor` from an ajv error: the path plus the missing or unexpected property. */
export function fieldOf(context: string | undefined, error: AjvError): string {
  const path = (error.instancePath ?? '').split('/').filter(Boolean);
  const extra = error.params?.missingProperty ?? error.params?.additionalProperty;
  if (extra) path.push(extra);
  const where = context === 'querystring' ? 'query' : (context ?? 'body');
  return [where, ...path].join('.');
}

// node-redis' own failures when the server cannot answer: closed or offline client, a socket that died
// or stayed silent past socketTimeout, a command that waited past its timeout in the offline queue.
const unavailableClientErrors = new Set([
  'ClientClosedError', 'ClientOfflineError', 'ConnectionTimeoutError', 'SocketTimeoutError', 'TimeoutError',
  'SocketClosedUnexpectedlyError', 'DisconnectsClientError', 'ReconnectStrategyError',
  'SocketTimeoutDuringMaintenanceError', 'CommandTimeoutDuringMaintenanceError',
]);
const unavailableSystemCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
// Redis replies that say "not now" rather than "never": a script runs too long, memory is full, the
// data set is loading, a replica or cluster is not ready, persistence is failing. Inside a script the
// reply text follows the script's own prefix, hence the match after a space, a dash or a colon too.
const unavailableReply = /(?:^|[\s:-])(BUSY|OOM|LOADING|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|MISCONF)\b/;
const slowRecovery = new Set(['OOM', 'MISCONF']);

/**
 * Seconds a client should wait before retrying, when `error` says Redis cannot answer right now (down,
 * paused, out of memory, busy); undefined for every other error.
 */
export function unavailableRetryAfter(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  if (isHeraldError(error)) return error.code === 'HERALD_ERR_UNAVAILABLE' ? Number(error.details.retryAfter ?? 1) : undefined;
  if (unavailableClientErrors.has(error.constructor.name) || unavailableClientErrors.has(error.name)) return 1;
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && unavailableSystemCodes.has(code)) return 1;
  const reply = unavailableReply.exec(error.message);
  if (reply) return slowRecovery.has(reply[1]!) ? 5 : 1;
  return undefined;
}

/**
 * The HTTP body of an error. `fields` maps a domain error's field (`expectedVersion`) to the request
 * field of the route that failed (`body.expectedVersion`); a domain field the route does not map is left
 * out rather than named as a request field the client never sent.
 */
export function toErrorBody(error: unknown, fields: Readonly<Record<string, string>> = {}): ErrorBody {
  if (unavailableRetryAfter(error) !== undefined) {
    return { statusCode: 503, code: 'HERALD_ERR_UNAVAILABLE', error: reason(503), message: serviceErrorCodes.HERALD_ERR_UNAVAILABLE.meaning };
  }
  const fastifyError = error as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (fastifyError?.validation && fastifyError.validation.length > 0) {
    const first = fastifyError.validation[0]!;
    const field = fieldOf(fastifyError.validationContext, first);
    const detail = first.keyword === 'required' ? 'is required'
      : first.keyword === 'additionalProperties' ? 'is not allowed'
        : (first.message ?? 'is invalid');
    return { statusCode: 400, code: 'HERALD_ERR_VALIDATION', error: reason(400), message: `${field} ${detail}`, field };
  }
  if (isHeraldError(error)) {
    const info = errorCodeInfo(error.code)!;
    const named = typeof error.details.field === 'string' ? error.details.field : undefined;
    const field = named && isDomainError(error) ? fields[named] : named;
    const message = info.status >= 500 ? info.meaning : error.message;
    return { statusCode: info.status, code: error.code, error: reason(info.status), message, ...(field ? { field } : {}) };
  }
  const status = typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 ? fastifyError.statusCode : 500;
  if (status < 500) {
    // fastify's own 4xx (malformed JSON, body too large, wrong content type): the body as a whole is the
    // field at fault. Its message names no secret. (`__proto__` keys are refused by json-body.ts, by name.)
    const field = 'body';
    return { statusCode: status, code: 'HERALD_ERR_VALIDATION', error: reason(status), message: `${field}: ${fastifyError.message}`, field };
  }
  return { statusCode: 500, code: 'HERALD_ERR_INTERNAL' satisfies ServiceErrorCode, error: reason(500), message: 'Internal error; see the service log.' };
}

export function registerErrorMapping(app: FastifyInstance): void {
  app.addSchema(errorBodySchema);
  // During an outage every request fails the same way: one line a minute with a count, not one per request.
  const outageLog = limitRepeats(app.log);
  app.addHook('onClose', async () => outageLog.close());
  app.setErrorHandler((error, request, reply) => {
    const body = toErrorBody(error, request.routeOptions.config?.fields);
    const retryAfter = unavailableRetryAfter(error);
    if (retryAfter !== undefined) {
      // An outage is not a bug: no stack, and one line a minute with a count.
      outageLog.warn({ code: body.code, cause: (error as Error).message, reqId: request.id }, 'redis unavailable; answering 503');
      void reply.header('retry-after', String(retryAfter));
    } else if (body.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: body.code, field: body.field }, body.message);
    return reply.status(body.statusCode).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body = toErrorBody(httpError('HERALD_ERR_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
    return reply.status(404).send(body);
  });
}

/** Response schemas every route shares for its error statuses. */
export const errorResponses = {
  '4xx': { $ref: 'HeraldErrorBody#' },
  '5xx': { $ref: 'HeraldErrorBody#' },
} as const;
