// Gate: what `herald generate` writes must match the contract being judged: `generated/` and the
// Herald-managed payload schema blocks of asyncapi.yaml. The pact gate verifies with the committed
// codecs, so a stale tree would judge yesterday's contract (a field deleted and reserved without
// regenerating would still travel). It never writes anything.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadContract } from '../codegen/contract.ts';
import { syncManagedBlocks } from '../codegen/contract-schemas.ts';
import { findStale, generateFiles } from '../codegen/generate.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { Gate } from './gate.ts';

export const generatedDir = 'generated';

export interface Staleness {
  /** Stale files of generated/, as `path (reason)`; undefined when there is no generated/. */
  files?: string[];
  total: number;
  /** Stale managed blocks of asyncapi.yaml, as JSON pointers. */
  blocks: string[];
}

/** What differs between `<root>/generated` (and asyncapi.yaml's managed blocks) and a fresh `herald generate`. */
export async function staleGenerated(root: string): Promise<Staleness | undefined> {
  const spec = path.join(root, 'asyncapi.yaml');
  if (!existsSync(spec)) return undefined;
  const contract = await loadContract(root);
  const blocks = syncManagedBlocks(readFileSync(spec, 'utf8'), contract).stale.map((b) => `${b.path} (${b.reason})`);
  const outDir = path.join(root, generatedDir);
  if (!existsSync(outDir)) return { blocks, total: 0 };
  let best: { files: string[]; total: number } | undefined;
  // Written with .ts or .js import extensions; the tree is fresh if either matches.
  for (const importExtension of ['.ts', '.js'] as const) {
    const files = generateFiles(contract, { importExtension });
    const stale = findStale(outDir, files).map((s) => `${s.path} (${s.reason})`);
    if (!best || stale.length < best.files.length) best = { files: stale, total: files.size };
    if (stale.length === 0) break;
  }
  return { ...best!, blocks };
}

export const generatedGate: Gate = {
  name: 'generated',
  summary: '`generated/` and the managed schema blocks of asyncapi.yaml are what `herald generate` makes of this contract',
  needsBaseline: false,
  async run({ root }) {
    const found = await staleGenerated(root).catch(() => undefined);
    if (!found || (found.files === undefined && found.blocks.length === 0)) {
      return { diagnostics: [], notes: [`No ${generatedDir}/ and no stale managed blocks here (or no loadable contract); nothing to compare.`], skipped: true };
    }
    const diagnostics: Diagnostic[] = [];
    const list = (items: string[]) => `${items.slice(0, 6).join(', ')}${items.length > 6 ? ', ...' : ''}`;
    if (found.files && found.files.length > 0) {
      diagnostics.push({
        gate: 'generated', severity: 'error', code: 'GENERATED_STALE',
        path: { file: `${generatedDir}/${found.files[0]!.split(' ')[0]}` },
        subject: generatedDir,
        message: `${generatedDir}/ is stale against the contract: ${found.files.length} file(s) differ (${list(found.files)}). The pact gate would verify codecs of an older contract. Run \`herald generate\` and commit the result.`,
      });
    }
    if (found.blocks.length > 0) {
      diagnostics.push({
        gate: 'generated', severity: 'error', code: 'MANAGED_SCHEMA_STALE',
        path: { file: 'asyncapi.yaml' },
        subject: 'asyncapi.yaml',
        message: `asyncapi.yaml's Herald-managed payload schemas are stale against proto/: ${list(found.blocks)}. Run \`herald generate\` and commit the result.`,
      });
    }
    const notes = found.files?.length === 0 ? [`${generatedDir}/ is up to date (${found.total} files).`] : [];
    if (found.blocks.length === 0) notes.push('asyncapi.yaml managed schema blocks are up to date.');
    return { diagnostics, notes };
  },
};
