// The pact gate when verification cannot even start: the report names the real error (not the tail
// of a stack) and never claims the interactions were verified.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { firstErrorLine } from './pact.ts';
import { renderReport } from './report.ts';
import { runCheck } from './run-check.ts';

const root = path.resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(path.join(tmpdir(), 'herald-pact-child-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('pact gate, verification that cannot run', () => {
  it('names the import error of a providers module that fails to load, and verifies nothing', async () => {
    const providers = path.join(scratch, 'broken-providers.mjs');
    writeFileSync(providers, "import 'herald-no-such-package';\nexport const messageProviders = {};\n");
    const report = await runCheck({ root, gates: ['pact'], pact: { providersModule: providers } });
    const gate = report.gates[0]!;
    const text = renderReport(report, 'text');
    expect(report.ok).toBe(false);
    expect(gate.diagnostics.map((d) => d.code)).toEqual(['PACT_VERIFY_FAILED', 'PACT_VERIFY_FAILED']);
    expect(gate.diagnostics[0]!.message).toMatch(/cannot load the message providers module .*broken-providers\.mjs: Cannot find package 'herald-no-such-package'/);
    expect(text).not.toMatch(/verified \d+ interaction/);
    expect(text).not.toMatch(/\bat (async )?\S+ \(?(node|file):/); // no stack frame
    expect(gate.notes.join('\n')).toMatch(/catalog: all 3 interaction\(s\) from sales .* not verified/);
  });

  it('says which provider has no builders', async () => {
    const providers = path.join(scratch, 'empty-providers.mjs');
    writeFileSync(providers, 'export const messageProviders = {};\n');
    const report = await runCheck({ root, gates: ['pact'], pact: { providersModule: providers } });
    expect(report.gates[0]!.diagnostics[0]!.message).toMatch(/no message providers for "catalog" in .*empty-providers\.mjs/);
  });

  it('takes the error line above the stack frames of a crashed child', () => {
    const crash = [
      'node:internal/modules/esm/resolve:873',
      '  throw new ERR_MODULE_NOT_FOUND(packageName, fileURLToPath(base), null);',
      '        ^',
      '',
      "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'herald' imported from /app/generated/channels/x.ts",
      '    at packageResolve (node:internal/modules/esm/resolve:873:9)',
      '    at moduleResolve (node:internal/modules/esm/resolve:946:18)',
    ].join('\n');
    expect(firstErrorLine(crash)).toBe("Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'herald' imported from /app/generated/channels/x.ts");
    expect(firstErrorLine('TypeError: x is not a function\n    at f (file:///a.js:1:1)')).toBe('TypeError: x is not a function');
  });
});

describe('pact gate, a builder whose message cannot be encoded', () => {
  it('names the encoding error instead of reporting every key missing', async () => {
    const providers = path.join(scratch, 'unencodable-providers.ts');
    const channel = path.join(root, 'generated', 'channels', 'catalog-movie.ts');
    writeFileSync(providers, [
      `import { catalogMovie } from ${JSON.stringify(channel)};`,
      `import { messageProviders as real } from ${JSON.stringify(path.join(root, 'contract-tests', 'message-providers.ts'))};`,
      'export const messageProviders = { ...real, catalog: { ...real.catalog,',
      // A literal that skips the type checker (as JavaScript builders can): title is undefined.
      "  'a MovieCreated event': () => ({ message: catalogMovie.messages.MovieCreated, data: { movieId: 'm-1', version: 1, movie: { movieId: 'm-1', title: undefined } } }) } };",
    ].join('\n'));
    const report = await runCheck({ root, gates: ['pact'], pact: { providersModule: providers } });
    const finding = report.gates[0]!.diagnostics.find((d) => d.path.interaction === 'a MovieCreated event');
    expect(finding?.code).toBe('PACT_PROVIDER_ERROR');
    expect(finding?.message).toMatch(/encoding its herald\.catalog\.movie\.v1\.MovieCreated failed: /);
  });
});
