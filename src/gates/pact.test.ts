// The pact gate against the committed pacts: the real producers satisfy every consumer, and a
// producer that stops filling a field Sales relies on fails, naming the field and the consumer.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReport } from './report.ts';
import { runCheck } from './run-check.ts';

const root = path.resolve(import.meta.dirname, '../..');

describe('pact gate', () => {
  it('verifies every pact in pacts/ against the producers\' real builders', async () => {
    const report = await runCheck({ root, gates: ['pact'] });
    const gate = report.gates[0]!;
    expect(gate.status, renderReport(report, 'text')).toBe('passed');
    expect(gate.notes.join('\n')).toMatch(/catalog: verified 3 interaction\(s\) from sales/);
    expect(gate.notes.join('\n')).toMatch(/sales: verified 1 interaction\(s\) from reporting/);
  });

  it('fails when the producer no longer fills a field a consumer relies on', async () => {
    const providers = 'test/fixtures/gates/pact-producer-drops-field/message-providers.ts';
    const report = await runCheck({ root, gates: ['pact'], pact: { providersModule: providers } });
    expect(report.ok).toBe(false);
    const [finding, ...rest] = report.gates[0]!.diagnostics;
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      code: 'PACT_FIELD_MISSING',
      path: { file: 'pacts/sales-catalog.json', interaction: 'a MovieCreated event', field: 'movie.price' },
      consumers: ['sales'],
    });
    expect(renderReport(report, 'text')).toContain('catalog no longer satisfies "a MovieCreated event", which sales relies on');
  });

  it('is skipped, and says so, where there are no pacts', async () => {
    const report = await runCheck({ root, gates: ['pact'], pact: { pactDir: 'test/fixtures/gates/base' } });
    expect(report.gates[0]).toMatchObject({ status: 'skipped', notes: [expect.stringMatching(/No pact files/)] });
    expect(report.ok).toBe(true);
  });
});
