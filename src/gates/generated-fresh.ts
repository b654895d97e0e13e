// Gate: `generated/` must be what `herald generate` makes of the contract being judged. The pact gate
// verifies with the committed codecs, so a stale tree would judge yesterday's contract (a field deleted
// and reserved without regenerating would still travel). It never writes generated/.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadContract } from '../codegen/contract.ts';
import { findStale, generateFiles, type StaleFile } from '../codegen/generate.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { Gate } from './gate.ts';

export const generatedDir = 'generated';

/** Stale files of `<root>/generated` against the contract in `root`, with the import extension it was written with. */
export async function staleGenerated(root: string): Promise<{ stale: StaleFile[]; total: number } | undefined> {
  const outDir = path.join(root, generatedDir);
  if (!existsSync(outDir) || !existsSync(path.join(root, 'asyncapi.yaml'))) return undefined;
  const contract = await loadContract(root);
  let best: { stale: StaleFile[]; total: number } | undefined;
  for (const importExtension of ['.ts', '.js'] as const) {
    const files = generateFiles(contract, { importExtension });
    const stale = findStale(outDir, files);
    if (!best || stale.length < best.stale.length) best = { stale, total: files.size };
    if (stale.length === 0) break;
  }
  return best;
}

export const generatedGate: Gate = {
  name: 'generated',
  summary: '`generated/` is what `herald generate` makes of this contract (else the pact gate judges stale codecs)',
  needsBaseline: false,
  async run({ root }) {
    const found = await staleGenerated(root).catch(() => undefined);
    if (!found) return { diagnostics: [], notes: [`No ${generatedDir}/ here (or no loadable contract); nothing to compare.`], skipped: true };
    if (found.stale.length === 0) return { diagnostics: [], notes: [`${generatedDir}/ is up to date (${found.total} files).`] };
    const list = found.stale.map((s) => `${s.path} (${s.reason})`);
    const diagnostic: Diagnostic = {
      gate: 'generated',
      severity: 'error',
      code: 'GENERATED_STALE',
      path: { file: `${generatedDir}/${found.stale[0]!.path}` },
      subject: generatedDir,
      message: `${generatedDir}/ is stale against the contract: ${list.length} file(s) differ (${list.slice(0, 6).join(', ')}${list.length > 6 ? ', ...' : ''}). The pact gate would verify codecs of an older contract. Run \`herald generate\` and commit the result.`,
    };
    return { diagnostics: [diagnostic], notes: [] };
  },
};
