// The delivery rules as middleware, tested without Redis: retry with backoff, wait-when-not-ready and
// dead-letter-after-N, with infrastructure failures and early events never counted as deliveries.
import { describe, expect, test } from 'vitest';
import { DeadLetterError, isDeadLetterError, NotReadyError } from './errors.ts';
import { composeHandler, deadLetterAfter, retry, waitWhenNotReady } from './reliability.ts';
import type { Handler, ReceivedEvent } from './types.ts';

const event = (deliveryCount = 1, streamId = '1-0'): ReceivedEvent<unknown> => ({
  envelope: { specversion: '1.0', id: 'e1', source: 'test', type: 't', time: '2026-01-01T00:00:00Z', datacontenttype: 'application/protobuf', dataschema: 'herald:t#sha256-0123456789abcdef' },
  data: {}, name: 'Ping', channel: 'test', streamId, deliveryCount,
});

/** A handler that throws the given errors in turn, then succeeds; it counts its calls. */
function scripted(...errors: unknown[]): Handler<unknown> & { calls: number } {
  const handler = Object.assign(async () => {
    const error = errors[handler.calls++];
    if (error !== undefined) throw error;
  }, { calls: 0 });
  return handler;
}

const nopermError = () => Object.assign(new Error("NOPERM User sales has no permissions to run the 'evalsha' command"), { name: 'Error' });

describe('retry', () => {
  test('retries a failing handler until it succeeds, within its attempts', async () => {
    const handler = scripted(new Error('blip'), new Error('blip'));
    await composeHandler([retry({ attempts: 2, backoffMs: 1 })], handler)(event());
    expect(handler.calls).toBe(3);
  });

  test('gives up after its attempts with the last error', async () => {
    const handler = scripted(new Error('one'), new Error('two'), new Error('three'));
    await expect(composeHandler([retry({ attempts: 1, backoffMs: 1 })], handler)(event())).rejects.toThrow('two');
    expect(handler.calls).toBe(2);
  });

  test('never retries a dead-letter verdict or an early event', async () => {
    for (const error of [new DeadLetterError('rejected', 'no'), new NotReadyError('early')]) {
      const handler = scripted(error);
      await expect(composeHandler([retry({ attempts: 5, backoffMs: 1 })], handler)(event())).rejects.toBe(error);
      expect(handler.calls).toBe(1);
    }
  });

  test('an abort ends a back-off at once and throws the last error', async () => {
    const controller = new AbortController();
    const handler = scripted(new Error('down'), new Error('down'));
    // An hour-long back-off: the test only finishes because the abort cuts it short.
    const running = composeHandler([retry({ attempts: 1, backoffMs: 3_600_000, signal: controller.signal })], handler)(event());
    controller.abort();
    await expect(running).rejects.toThrow('down');
    expect(handler.calls).toBe(1);
  });
});

describe('waitWhenNotReady', () => {
  test('retries an early event, and only an early event', async () => {
    const early = scripted(new NotReadyError('early'), new NotReadyError('early'));
    await composeHandler([waitWhenNotReady({ attempts: 3, backoffMs: 1 })], early)(event());
    expect(early.calls).toBe(3);
    const failing = scripted(new Error('bug'));
    await expect(composeHandler([waitWhenNotReady({ attempts: 3, backoffMs: 1 })], failing)(event())).rejects.toThrow('bug');
    expect(failing.calls).toBe(1);
  });
});

describe('deadLetterAfter', () => {
  test('dead-letters on the maxDeliveries-th delivery whose handler failed, naming the count', async () => {
    const handle = composeHandler([deadLetterAfter({ maxDeliveries: 3 })], async () => { throw new Error('bug'); });
    await expect(handle(event(2))).rejects.toThrow('bug');
    const error = await Promise.resolve(handle(event(3))).catch((e: unknown) => e);
    expect(isDeadLetterError(error) && error.reason).toBe('max-deliveries');
    expect((error as Error).message).toContain('failed after 3 deliveries: bug');
  });

  test('deliveries that ended on an infrastructure error do not count', async () => {
    let fail: () => Error = nopermError;
    const handle = composeHandler([deadLetterAfter({ maxDeliveries: 2 })], async () => { throw fail(); });
    for (let delivery = 1; delivery <= 5; delivery++) await expect(handle(event(delivery))).rejects.toThrow(/^NOPERM/);
    fail = () => new Error('bug');
    // Deliveries 1-5 were an outage: delivery 6 is the handler's first verdict, delivery 7 its second.
    await expect(handle(event(6))).rejects.toThrow('bug');
    await expect(handle(event(7))).rejects.toMatchObject({ reason: 'max-deliveries' });
  });

  test('an early event is never dead-lettered, however often it is delivered', async () => {
    const handle = composeHandler([deadLetterAfter({ maxDeliveries: 2 })], async () => { throw new NotReadyError('waiting for v2'); });
    for (let delivery = 1; delivery <= 10; delivery++) await expect(handle(event(delivery))).rejects.toMatchObject({ name: 'NotReadyError' });
  });

  test('a dead-letter verdict passes through on the first delivery', async () => {
    const handle = composeHandler([deadLetterAfter({ maxDeliveries: 5 })], async () => { throw new DeadLetterError('rejected', 'negative price'); });
    await expect(handle(event(1))).rejects.toMatchObject({ reason: 'rejected' });
  });
});
