// Every released version of every message's schema: the current contract plus each vX.Y.Z release tag.
// For a tag it takes the schema texts committed under <out>/contract/schemas/ at that tag (the exact
// bytes its producers hash); a tag from before those files existed is bundled again from its contract.
// Reads git and files only; never writes.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { loadContract } from '../codegen/contract.ts';
import { contractError, hasErrors } from '../codegen/diagnostics.ts';
import { canonicalSchemaText, schemaFingerprint, schemaTextPath } from '../codegen/fingerprint.ts';
import { moduleDirs, releaseTags, resolveBaselines } from '../gates/baseline.ts';
import type { RegisteredSchema } from '../runtime/redis/schema-registry.ts';

export interface ReleasedSchemas {
  schemas: RegisteredSchema[];
  /** What could not be read, said for people. */
  notes: string[];
}

function git(cwd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile('git', ['-C', cwd, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, out) => resolve({ ok: !error, out: String(out) }));
  });
}

/** The label of the working contract: `git describe` (`v1.2.0-3-gabc1234-dirty`), or `current` outside git. */
async function currentLabel(root: string): Promise<string> {
  const described = await git(root, ['describe', '--tags', '--always', '--dirty']);
  return described.ok && described.out.trim() ? described.out.trim() : 'current';
}

export async function releasedSchemas(root: string, options: { asyncapiPath?: string; protoDir?: string; outDir?: string } = {}): Promise<ReleasedSchemas> {
  const notes: string[] = [];
  const found = new Map<string, RegisteredSchema>();
  const add = (type: string, text: string, release: string): void => {
    const canonical = canonicalSchemaText(text);
    const fingerprint = schemaFingerprint(canonical);
    const key = `${type}#${fingerprint}`;
    const entry = found.get(key) ?? { type, fingerprint, text: canonical, releases: [] };
    if (!entry.releases.includes(release)) entry.releases.push(release);
    found.set(key, entry);
  };

  const current = await loadContract(root, options);
  if (hasErrors(current.diagnostics)) throw contractError('the current contract is not valid', current.diagnostics);
  const label = await currentLabel(root);
  for (const message of current.messages) add(message.protoType, message.bundledProto, label);

  const outDir = options.outDir ?? 'generated';
  for (const tag of await releaseTags(root)) {
    const shipped = await shippedTexts(root, tag, outDir);
    if (shipped.length > 0) {
      for (const { type, text } of shipped) add(type, text, tag);
      continue;
    }
    const plan = await resolveBaselines(root, { against: tag, transitive: false });
    try {
      const baseline = plan.baselines[0];
      if (!baseline) {
        notes.push(`${tag}: no contract at that tag; skipped`);
        continue;
      }
      const old = await loadContract(baseline.dir, { asyncapiPath: baseline.asyncapiPath ?? 'asyncapi.yaml', protoDir: moduleDirs(baseline.dir)[0]! });
      if (hasErrors(old.diagnostics)) {
        notes.push(`${tag}: its contract does not load with this herald (${old.diagnostics.filter((d) => d.severity === 'error').length} error(s)); skipped`);
        continue;
      }
      notes.push(`${tag}: no ${outDir}/contract/schemas/ committed at that tag; its schemas were bundled again from its contract`);
      for (const message of old.messages) add(message.protoType, message.bundledProto, tag);
    } finally {
      await plan.cleanup();
    }
  }
  const schemas = [...found.values()].sort((a, b) => (a.type === b.type ? a.fingerprint.localeCompare(b.fingerprint) : a.type < b.type ? -1 : 1));
  return { schemas, notes };
}

/** The schema texts committed under <outDir>/contract/schemas/ at `tag`, with the type each file names. */
async function shippedTexts(root: string, tag: string, outDir: string): Promise<Array<{ type: string; text: string }>> {
  const prefix = (await git(root, ['rev-parse', '--show-prefix'])).out.trim();
  const folder = join(prefix, outDir, schemaTextPath('x')).replace(/\/x\.proto$/, '');
  const listing = await git(root, ['ls-tree', '--name-only', `${tag}:${folder}`]);
  if (!listing.ok) return [];
  const texts: Array<{ type: string; text: string }> = [];
  for (const name of listing.out.split('\n').filter((n) => n.endsWith('.proto'))) {
    const shown = await git(root, ['show', `${tag}:${folder}/${name}`]);
    if (shown.ok) texts.push({ type: name.replace(/\.proto$/, ''), text: shown.out });
  }
  return texts;
}
