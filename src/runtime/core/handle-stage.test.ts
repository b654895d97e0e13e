// The handle stage without Redis: each kind of entry and handler result maps to one outcome, counted
// where an operator sees it; the dead-letter write is a recorder standing in for the transport's.
import { describe, expect, test } from 'vitest';
import { Ping, testChannel } from '../../../test/support/test-channel.ts';
import { buildEnvelope, encodedEventToFields } from './envelope.ts';
import { DeadLetterError, NotReadyError } from './errors.ts';
import { createHandleStage, readEntry, type DeadLetter } from './handle-stage.ts';
import { silentLogger } from './logger.ts';
import type { Handler } from './types.ts';

const channel = testChannel('handle.stage');
const config = { maxEventBytes: 4096, maxDeliveries: 3, retryAttempts: 1, retryBackoffMs: 1, notReadyAttempts: 1, notReadyBackoffMs: 1 };

function ping(subject: string, seq: number, blob = new Uint8Array()) {
  const data = Ping.encode({ subject, seq, blob }).finish();
  return readEntry(`${seq}-0`, encodedEventToFields({ envelope: buildEnvelope(channel.messages.Ping, 'test', { subject }), data: Buffer.from(data) }));
}

function stage(handler: Handler<any>) {
  const letters: Array<{ id: string } & DeadLetter> = [];
  const handle = createHandleStage({
    channel, stream: channel.address, config, logger: silentLogger, middleware: [],
    handlers: { Ping: handler, Pong: () => {} }, signal: () => new AbortController().signal,
    deadLetter: async (entry, letter) => void letters.push({ id: entry.id, ...letter }),
  });
  return { handle, letters };
}

describe('handle stage', () => {
  test('a handled event is acked and counted', async () => {
    const { handle } = stage(() => {});
    await expect(handle.handle(ping('s', 1), 1, false)).resolves.toBe('ack');
    expect(handle.counters).toMatchObject({ handled: 1, failed: 0, infraFailed: 0, deadLettered: 0 });
  });

  test('a handler failure leaves the entry pending and counts as failed; an outage counts apart', async () => {
    const { handle } = stage(() => { throw new Error('bug'); });
    await expect(handle.handle(ping('s', 1), 1, false)).resolves.toBe('pending');
    const outage = stage(() => { throw new Error('OOM command not allowed when used memory > maxmemory'); });
    await expect(outage.handle.handle(ping('s', 1), 1, false)).resolves.toBe('pending');
    expect([handle.counters.failed, handle.counters.infraFailed, outage.handle.counters.failed, outage.handle.counters.infraFailed]).toEqual([1, 0, 0, 1]);
  });

  test('an early event is held, visibly, and leaves the held set once applied', async () => {
    let ready = false;
    const { handle, letters } = stage(() => { if (!ready) throw new NotReadyError('waiting for v1'); });
    for (let delivery = 1; delivery <= 6; delivery++) await expect(handle.handle(ping('s', 2), delivery, false)).resolves.toBe('waiting');
    expect([...handle.held]).toEqual(['2-0']);
    expect(letters).toEqual([]);
    ready = true;
    await expect(handle.handle(ping('s', 2), 7, false)).resolves.toBe('ack');
    expect(handle.held.size).toBe(0);
  });

  test('a verdict is dead-lettered with its reason; a too-large entry by reference', async () => {
    const { handle, letters } = stage(() => { throw new DeadLetterError('rejected', 'negative price'); });
    await expect(handle.handle(ping('s', 1), 1, false)).resolves.toBe('dead');
    await expect(handle.handle(ping('s', 2, new Uint8Array(5000)), 1, false)).resolves.toBe('dead');
    expect(letters.map(({ id, reason, byReference }) => ({ id, reason, byReference }))).toEqual([
      { id: '1-0', reason: 'rejected', byReference: false },
      { id: '2-0', reason: 'too-large', byReference: true },
    ]);
    expect(letters[1]!.size).toBeGreaterThan(5000);
  });

  test('a failed dead-letter write leaves the entry pending instead of losing it', async () => {
    const handle = createHandleStage({
      channel, stream: channel.address, config, logger: silentLogger, middleware: [],
      handlers: { Ping: () => { throw new DeadLetterError('rejected', 'no'); }, Pong: () => {} }, signal: () => new AbortController().signal,
      deadLetter: async () => { throw new Error('OOM command not allowed'); },
    });
    await expect(handle.handle(ping('s', 1), 1, false)).resolves.toBe('pending');
    expect(handle.counters.deadLettered).toBe(0);
  });
});
