// Consumer config: defaults, the claim interval that follows minIdleMs, and validate() naming the knob.
import { expect, test } from 'vitest';
import { consumerDefaults, DEFAULT_CLAIM_INTERVAL_MS, resolveConsumerConfig, validate } from './consumer-config.ts';

test('the defaults pass validation', () => {
  expect(() => validate({ ...consumerDefaults })).not.toThrow();
});

test('a claim interval longer than minIdleMs is refused, naming both knobs', () => {
  expect(() => resolveConsumerConfig({ minIdleMs: 1000, claimIntervalMs: 2000 })).toThrow(/claimIntervalMs = 2000: must not exceed minIdleMs \(1000\)/);
});

test('with only minIdleMs given, the claim interval shrinks to it', () => {
  expect(resolveConsumerConfig({ minIdleMs: 1000 }).claimIntervalMs).toBe(1000);
  expect(resolveConsumerConfig({ minIdleMs: 60_000 }).claimIntervalMs).toBe(DEFAULT_CLAIM_INTERVAL_MS);
});

test.each([
  { config: { batchSize: 0 }, field: 'batchSize' },
  { config: { concurrency: 1.5 }, field: 'concurrency' },
  { config: { retryAttempts: -1 }, field: 'retryAttempts' },
  { config: { startId: 'latest' }, field: 'startId' },
])('refuses $field = an impossible value with HERALD_ERR_CONFIG', ({ config, field }) => {
  expect(() => resolveConsumerConfig(config)).toThrow(expect.objectContaining({ code: 'HERALD_ERR_CONFIG', details: expect.objectContaining({ field }) }));
});
