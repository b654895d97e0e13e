// Herald's error codes, registered per layer: each layer (the runtime here, the services in
// services/shared/errors.ts) registers its own table of stable codes, each with an HTTP status where it
// can reach a client and a one-line meaning. docs/errors.md documents every registry; tests walk them
// all and check that every code is raised somewhere. The runtime's table holds no domain code.

/** What a code means and which HTTP status it maps to. */
export interface ErrorCodeInfo {
  readonly status: number;
  readonly meaning: string;
}

export type ErrorRegistry = Readonly<Record<string, ErrorCodeInfo>>;

const registries = new Map<string, ErrorRegistry>();
const byCode = new Map<string, ErrorCodeInfo>();

/** Registers a layer's codes; a code belongs to one layer only. Returns the table, typed. */
export function registerErrorCodes<const R extends ErrorRegistry>(layer: string, codes: R): R {
  for (const [code, info] of Object.entries(codes)) {
    const owner = [...registries].find(([name, table]) => name !== layer && code in table)?.[0];
    if (owner) throw new Error(`error code ${code} of layer ${layer} is already registered by ${owner}`);
    byCode.set(code, info);
  }
  registries.set(layer, codes);
  return codes;
}

/** Every registered layer and its codes, in registration order. */
export function errorRegistries(): ReadonlyMap<string, ErrorRegistry> {
  return registries;
}

/** Status and meaning of a registered code; undefined for an unregistered one. */
export function errorCodeInfo(code: string): ErrorCodeInfo | undefined {
  return byCode.get(code);
}

/** The runtime's codes: transport, contract and tooling failures. */
export const errorCodes = registerErrorCodes('runtime', {
  HERALD_ERR_CONFIG: { status: 500, meaning: 'A configuration value is missing or invalid.' },
  HERALD_ERR_CONTRACT: { status: 500, meaning: 'The AsyncAPI document or a .proto file is invalid or inconsistent.' },
  HERALD_ERR_UNKNOWN_MESSAGE: { status: 500, meaning: 'A message name is not declared on the channel.' },
  HERALD_ERR_DEAD_LETTER: { status: 500, meaning: 'An event cannot be processed and must go to the dead-letter stream.' },
  HERALD_ERR_NOT_READY: { status: 500, meaning: 'An event arrived before its predecessor; it is retried later.' },
  HERALD_ERR_TOOL: { status: 500, meaning: 'An external tool (buf, redis-server, chromium) failed or is missing.' },
  HERALD_ERR_EVENT_TOO_LARGE: { status: 413, meaning: 'An event exceeds the channel\'s size limit (default 1 MiB); it is not published.' },
  HERALD_ERR_NOT_REPLICATED: { status: 503, meaning: 'A write reached the master but not enough replicas in time (WAIT); a failover could lose it, so it is reported as failed. Retry it.' },
});

/** The runtime's codes; other layers' codes are strings their own registries type. */
export type ErrorCode = keyof typeof errorCodes;

/** Base of every Herald error: a stable, registered code plus whatever a person needs to act on it. */
export class HeraldError extends Error {
  override readonly name: string = 'HeraldError';
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  /** `code` is one a layer registered (the runtime's `ErrorCode`, or a service layer's). */
  constructor(code: ErrorCode | (string & {}), message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  get statusCode(): number {
    return errorCodeInfo(this.code)?.status ?? 500;
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
  return error instanceof Error && typeof (error as HeraldError).code === 'string' && byCode.has((error as HeraldError).code);
}
export function isDeadLetterError(error: unknown): error is DeadLetterError {
  return error instanceof Error && error.name === 'DeadLetterError';
}
export function isNotReadyError(error: unknown): error is NotReadyError {
  return error instanceof Error && error.name === 'NotReadyError';
}

// Replies of a Redis that cannot serve right now, or refuses this client for now: permissions being
// changed (NOPERM), memory full (OOM), a script running (BUSY), loading, failover, a rotated password, a
// cluster slot moving to another master (MOVED, ASK: what a pipeline gets back, node-redis redirects
// single commands itself). EXECABORT is how a MULTI reports one of these for a queued command.
const infrastructureReply = /^(NOPERM|OOM|BUSY|LOADING|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|MISCONF|NOREPLICAS|NOSCRIPT|WRONGPASS|NOAUTH|EXECABORT|MOVED|ASK)\b/;
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
