// Herald's error codes, in one table: each has a stable code, an HTTP status where it can reach a
// client, and a one-line meaning. docs/errors.md documents every code; a test keeps the two in step.

export const errorCodes = {
  HERALD_ERR_CONFIG: { status: 500, meaning: 'A configuration value is missing or invalid.' },
  HERALD_ERR_CONTRACT: { status: 500, meaning: 'The AsyncAPI document or a .proto file is invalid or inconsistent.' },
  HERALD_ERR_UNKNOWN_MESSAGE: { status: 500, meaning: 'A message name is not declared on the channel.' },
  HERALD_ERR_DEAD_LETTER: { status: 500, meaning: 'An event cannot be processed and must go to the dead-letter stream.' },
  HERALD_ERR_NOT_READY: { status: 500, meaning: 'An event arrived before its predecessor; it is retried later.' },
  HERALD_ERR_VALIDATION: { status: 400, meaning: 'A request field is missing or invalid; the message names the field.' },
  HERALD_ERR_NOT_FOUND: { status: 404, meaning: 'The requested entity does not exist.' },
  HERALD_ERR_VERSION_CONFLICT: { status: 409, meaning: 'The expected version is stale: someone changed the entity first.' },
  HERALD_ERR_NOT_SELLABLE: { status: 409, meaning: 'The movie is retired and cannot be bought.' },
  HERALD_ERR_UNAUTHORIZED: { status: 401, meaning: 'A state-changing route needs a valid bearer token.' },
  HERALD_ERR_GATE_FAILED: { status: 500, meaning: 'A compatibility gate found a breaking change.' },
  HERALD_ERR_TOOL: { status: 500, meaning: 'An external tool (buf, redis-server, chromium) failed or is missing.' },
  HERALD_ERR_MOVIE_RETIRED: { status: 409, meaning: 'The movie is retired; it can no longer be changed.' },
  HERALD_ERR_INTERNAL: { status: 500, meaning: 'An unexpected failure inside a service; the details are in its log.' },
  HERALD_ERR_EVENT_TOO_LARGE: { status: 413, meaning: 'An event exceeds the channel\'s size limit (default 1 MiB); it is not published.' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** Base of every Herald error: a stable code plus whatever a person needs to act on it. */
export class HeraldError extends Error {
  override readonly name: string = 'HeraldError';
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  get statusCode(): number {
    return errorCodes[this.code].status;
  }
}

/** Reasons an event is dead-lettered; written to the DLQ entry's `x-dlq-reason` field. */
export const deadLetterReasons = ['undecodable', 'unknown-type', 'unknown-schema', 'invalid-envelope', 'max-deliveries', 'too-large', 'rejected'] as const;
export type DeadLetterReason = (typeof deadLetterReasons)[number];

/** Thrown by a handler (or the runtime) for an event that must never be retried. */
export class DeadLetterError extends HeraldError {
  override readonly name = 'DeadLetterError';
  readonly reason: DeadLetterReason;
  constructor(reason: DeadLetterReason, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super('HERALD_ERR_DEAD_LETTER', message, details, options);
    this.reason = reason;
  }
}

/** Thrown by a handler for an event that arrived early (its predecessor is missing); retried later. */
export class NotReadyError extends HeraldError {
  override readonly name = 'NotReadyError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('HERALD_ERR_NOT_READY', message, details);
  }
}

export function isHeraldError(error: unknown): error is HeraldError {
  return error instanceof Error && typeof (error as HeraldError).code === 'string' && (error as HeraldError).code in errorCodes;
}
export function isDeadLetterError(error: unknown): error is DeadLetterError {
  return error instanceof Error && error.name === 'DeadLetterError';
}
export function isNotReadyError(error: unknown): error is NotReadyError {
  return error instanceof Error && error.name === 'NotReadyError';
}

// Replies of a Redis that cannot serve right now, or refuses this client for now: permissions being
// changed (NOPERM), memory full (OOM), a script running (BUSY), loading, failover, a rotated password.
// EXECABORT is how a MULTI reports one of these for a queued command.
const infrastructureReply = /^(NOPERM|OOM|BUSY|LOADING|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|MISCONF|NOREPLICAS|NOSCRIPT|WRONGPASS|NOAUTH|EXECABORT)\b/;
// node-redis's connection and timeout failures, by class name (the core imports no Redis module).
const infrastructureClasses = new Set([
  'ConnectionTimeoutError', 'SocketTimeoutError', 'ClientClosedError', 'ClientOfflineError', 'DisconnectsClientError',
  'SocketClosedUnexpectedlyError', 'ReconnectStrategyError', 'TimeoutError', 'SocketTimeoutDuringMaintenanceError',
  'CommandTimeoutDuringMaintenanceError',
]);
const infrastructureSocketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * True when `error` (or its cause, or one reply of a failed MULTI) is a failure of the infrastructure
 * rather than the handler's verdict on the event: it is retried with backoff and never counts towards
 * maxDeliveries, so an outage cannot dead-letter valid events.
 */
export function isInfrastructureError(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 4) return false;
  if (infrastructureClasses.has(error.constructor.name) || error.name === 'TimeoutError') return true;
  if (infrastructureReply.test(error.message)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && infrastructureSocketCodes.has(code)) return true;
  const replies = (error as { replies?: unknown }).replies;
  if (Array.isArray(replies) && replies.some((reply) => isInfrastructureError(reply, depth + 1))) return true;
  return isInfrastructureError((error as { cause?: unknown }).cause, depth + 1);
}
