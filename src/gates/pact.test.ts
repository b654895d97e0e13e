// The pact gate against the committed pacts, through the producers' real publishing path: the real
// producers satisfy every consumer; a producer that stops filling a field, drops an envelope attribute
// or whose builder throws fails, naming the field or attribute, its .proto line and the consumer.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBlocking } from './diagnostics.ts';
import { renderReport } from './report.ts';
import { runCheck } from './run-check.ts';

const root = path.resolve(import.meta.dirname, '../..');
const withProviders = (fixture: string) => runCheck({ root, gates: ['pact'], pact: { providersModule: `test/fixtures/gates/${fixture}.ts` } });

describe('pact gate', () => {
  it('verifies every pact in pacts/ against the producers\' real publishing path', async () => {
    const report = await runCheck({ root, gates: ['pact'] });
    const gate = report.gates[0]!;
    expect(gate.status, renderReport(report, 'text')).toBe('passed');
    expect(gate.notes.join('\n')).toMatch(/catalog: verified 3 interaction\(s\) from sales/);
    expect(gate.notes.join('\n')).toMatch(/sales: verified 1 interaction\(s\) from reporting/);
  });

  it('fails when the builder stops filling a field a consumer reads, naming the field, its .proto line and the consumer', async () => {
    const report = await withProviders('producer-drops-field');
    expect(report.ok).toBe(false);
    const [finding, ...rest] = report.gates[0]!.diagnostics.filter(isBlocking);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      code: 'PACT_FIELD_MISSING',
      path: { file: 'proto/herald/catalog/movie/v1/movie.proto', line: 22, type: 'herald.catalog.movie.v1.Movie', interaction: 'a MovieCreated event', field: 'movie.price' },
      consumers: ['sales'],
    });
    const text = renderReport(report, 'text');
    expect(text).toContain('proto/herald/catalog/movie/v1/movie.proto:22');
    expect(text).toContain('catalog no longer sends field `movie.price` of herald.catalog.movie.v1.MovieCreated in "a MovieCreated event", which sales reads (pacts/sales-catalog.json)');
  });

  it('fails when the published entry lacks an envelope attribute a consumer relies on, naming the attribute', async () => {
    const report = await withProviders('producer-drops-attribute');
    expect(report.ok).toBe(false);
    const blocking = report.gates[0]!.diagnostics.filter(isBlocking);
    expect(blocking.map((d) => `${d.code} ${d.path.field} ${d.consumers?.join()}`)).toEqual(['PACT_ATTRIBUTE_MISSING metadata.type sales']);
    // Reported where the contract declares the attribute: the envelope header in asyncapi.yaml.
    const line = readFileSync(path.join(root, 'asyncapi.yaml'), 'utf8').split('\n').findIndex((l, i, all) => /^\s+type:\s*$/.test(l) && /type: string/.test(all[i + 1]!)) + 1;
    expect(blocking[0]!.path).toMatchObject({ file: 'asyncapi.yaml', line });
    expect(renderReport(report, 'text')).toContain('catalog no longer sends envelope attribute `type` in "a MovieCreated event", which sales reads');
  });

  it('reports a builder that throws with its error, not as every field missing', async () => {
    const report = await withProviders('producer-builder-throws');
    expect(report.ok).toBe(false);
    const blocking = report.gates[0]!.diagnostics.filter(isBlocking);
    expect(blocking).toHaveLength(1);
    expect(blocking[0]).toMatchObject({ code: 'PACT_PROVIDER_ERROR', path: { interaction: 'a MovieCreated event' }, consumers: ['sales'] });
    expect(blocking[0]!.message).toMatch(/catalog's builder for "a MovieCreated event" threw TypeError: Cannot read properties of undefined \(reading 'currencyCode'\); sales relies on this message/);
  });

  it('is skipped, and says so, where there are no pacts', async () => {
    const report = await runCheck({ root, gates: ['pact'], pact: { pactDir: 'test/fixtures' } });
    expect(report.gates[0]).toMatchObject({ status: 'skipped', notes: [expect.stringMatching(/No pact files/)] });
    expect(report.ok).toBe(true);
  });
});
