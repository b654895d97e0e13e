// The consumer's delivery rules as handler middleware (Watermill's Retry and PoisonQueue): retry with
// backoff, dead-letter after N failed deliveries, wait a little for an early event's predecessor.
// Transport-free: they see only the event and the error its handler threw, never Redis.
import { setTimeout as sleep } from 'node:timers/promises';
import { DeadLetterError, isDeadLetterError, isInfrastructureError, isNotReadyError } from './errors.ts';
import type { Handler, Middleware } from './types.ts';

/** A handler wrapped in `middleware`, outermost first. */
export function composeHandler(middleware: ReadonlyArray<Middleware>, handler: Handler<any>): Handler<any> {
  return middleware.reduceRight<Handler<any>>((next, wrap) => wrap(next), handler);
}

export interface BackoffOptions {
  /** Attempts after the first. */
  attempts: number;
  /** First delay; doubles on each attempt. */
  backoffMs: number;
  /** Aborting it ends a back-off at once (the consumer stopping), and the last error is thrown. A function is asked at each back-off. */
  signal?: AbortSignal | (() => AbortSignal);
}

/** Waits `ms`, or less when `signal` aborts; true when the full wait elapsed. */
async function backOff(ms: number, option: BackoffOptions['signal']): Promise<boolean> {
  const signal = typeof option === 'function' ? option() : option;
  if (signal?.aborted) return false;
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
    return true;
  } catch {
    return false;
  }
}

type Event = Parameters<Handler<any>>[0];

/**
 * Calls `next`, then `onSuccess` or `onError` (which returns or throws), staying synchronous while the
 * handler is: the rules wrap every event, and a promise per rule per event showed on the consumer's hot path.
 */
function settle(next: Handler<any>, event: Event, onSuccess: () => void, onError: (error: unknown) => Promise<void> | void): Promise<void> | void {
  let result: Promise<void> | void;
  try {
    result = next(event);
  } catch (error) {
    return onError(error);
  }
  if (result instanceof Promise) return result.then(onSuccess, onError);
  onSuccess();
}

const nothing = (): void => {};

function withRetries(event: Event, next: Handler<any>, options: BackoffOptions, retryable: (error: unknown) => boolean): Promise<void> | void {
  const retryAfter = async (error: unknown, attempt: number): Promise<void> => {
    for (let failure = error; ; attempt++) {
      if (!retryable(failure) || attempt >= options.attempts) throw failure;
      if (!(await backOff(options.backoffMs * 2 ** attempt, options.signal))) throw failure;
      try {
        await next(event);
        return;
      } catch (again) {
        failure = again;
      }
    }
  };
  return settle(next, event, nothing, (error) => retryAfter(error, 0));
}

/**
 * Retries a failing handler in process, with exponential backoff: handler errors and infrastructure
 * errors alike. A dead-letter verdict is final, and an early event is waitWhenNotReady's to retry.
 */
export function retry(options: BackoffOptions): Middleware {
  const retryable = (error: unknown) => !isDeadLetterError(error) && !isNotReadyError(error);
  return (next) => (event) => withRetries(event, next, options, retryable);
}

/**
 * Waits for an early event's predecessor (NotReadyError) with a few short back-offs: it is usually in
 * flight on another consumer. Still early after them, the error passes on and the event is held.
 */
export function waitWhenNotReady(options: BackoffOptions): Middleware {
  return (next) => (event) => withRetries(event, next, options, isNotReadyError);
}

/** How many deliveries of one event to remember at most; the oldest are forgotten (and then counted). */
const EXCUSED_DELIVERIES_MEMORY = 10_000;

/**
 * Dead-letters (reason `max-deliveries`) an event whose handler failed on its `maxDeliveries`-th
 * delivery. Only the handler's own verdicts count: a delivery that ended in an infrastructure error
 * (connection, NOPERM, OOM, BUSY, timeout) or as an early event (NotReadyError) is excused, so neither
 * an outage nor a missing predecessor dead-letters a valid event. Excused deliveries are remembered in
 * this process only; after a restart they count again, as they did before this rule.
 */
export function deadLetterAfter(options: { maxDeliveries: number }): Middleware {
  // Per entry id, which of its deliveries (by number) were excused; a delivery may be attempted often.
  const excused = new Map<string, Set<number>>();
  const excuse = (id: string, delivery: number) => {
    const deliveries = excused.get(id);
    if (deliveries) deliveries.add(delivery);
    else excused.set(id, new Set([delivery]));
    if (excused.size > EXCUSED_DELIVERIES_MEMORY) excused.delete(excused.keys().next().value!);
  };
  const verdict = (event: Event, error: unknown): never => {
    if (isDeadLetterError(error)) {
      excused.delete(event.streamId);
      throw error;
    }
    if (isInfrastructureError(error) || isNotReadyError(error)) {
      excuse(event.streamId, event.deliveryCount);
      throw error;
    }
    const earlier = excused.get(event.streamId);
    const counted = event.deliveryCount - (earlier ? [...earlier].filter((n) => n < event.deliveryCount).length : 0);
    if (counted < options.maxDeliveries) throw error;
    excused.delete(event.streamId);
    const message = error instanceof Error ? error.message : String(error);
    throw new DeadLetterError('max-deliveries', `failed after ${counted} deliveries: ${message}`, { deliveries: counted }, { cause: error });
  };
  return (next) => (event) => settle(next, event, () => void (excused.size > 0 && excused.delete(event.streamId)), (error) => verdict(event, error));
}
