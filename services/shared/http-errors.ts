// The one place where errors become HTTP responses: Herald error codes map to their status
// (src/runtime/core/errors.ts), schema failures to 400 naming the field. It never leaks a stack or a secret.
import type { FastifyError, FastifyInstance } from 'fastify';
import { errorCodes, HeraldError, isHeraldError, type ErrorCode } from 'herald/runtime';

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

const reasons: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large',
  415: 'Unsupported Media Type', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

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

export function toErrorBody(error: unknown): ErrorBody {
  const fastifyError = error as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (fastifyError?.validation && fastifyError.validation.length > 0) {
    const first = fastifyError.validation[0]!;
    const field = fieldOf(fastifyError.validationContext, first);
    const detail = first.keyword === 'required' ? 'is required'
      : first.keyword === 'additionalProperties' ? 'is not allowed'
        : (first.message ?? 'is invalid');
    return { statusCode: 400, code: 'HERALD_ERR_VALIDATION', error: reasons[400]!, message: `${field} ${detail}`, field };
  }
  if (isHeraldError(error)) {
    const status = errorCodes[error.code].status;
    const field = typeof error.details.field === 'string' ? error.details.field : undefined;
    const message = status >= 500 ? errorCodes[error.code].meaning : error.message;
    return { statusCode: status, code: error.code, error: reasons[status] ?? 'Error', message, ...(field ? { field } : {}) };
  }
  const status = typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 ? fastifyError.statusCode : 500;
  if (status < 500) {
    // fastify's own 4xx (malformed JSON, body too large, wrong content type): the body as a whole is the
    // field at fault. Its message names no secret. (`__proto__` keys are refused by json-body.ts, by name.)
    const field = 'body';
    return { statusCode: status, code: 'HERALD_ERR_VALIDATION', error: reasons[status] ?? 'Error', message: `${field}: ${fastifyError.message}`, field };
  }
  return { statusCode: 500, code: 'HERALD_ERR_INTERNAL' satisfies ErrorCode, error: reasons[500]!, message: 'Internal error; see the service log.' };
}

export function registerErrorMapping(app: FastifyInstance): void {
  app.addSchema(errorBodySchema);
  app.setErrorHandler((error, request, reply) => {
    const body = toErrorBody(error);
    if (body.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: body.code, field: body.field }, body.message);
    return reply.status(body.statusCode).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body = toErrorBody(new HeraldError('HERALD_ERR_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
    return reply.status(404).send(body);
  });
}

/** Response schemas every route shares for its error statuses. */
export const errorResponses = {
  '4xx': { $ref: 'HeraldErrorBody#' },
  '5xx': { $ref: 'HeraldErrorBody#' },
} as const;
