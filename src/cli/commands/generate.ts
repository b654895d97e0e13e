// `herald generate`: reads a contract (this directory's, or the one bundled in the installed herald
// package) and writes generated/ and the managed payload schemas of its spec, or with --check only
// reports what is stale. Never writes with --check, and never writes into an installed package.
import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syncManagedBlocks } from '../../codegen/contract-schemas.ts';
import { loadContract, validateContract } from '../../codegen/contract.ts';
import { contractError, formatDiagnostics, hasErrors } from '../../codegen/diagnostics.ts';
import { findStale, generateFiles, writeGenerated } from '../../codegen/generate.ts';
import { oneOf, parseCommandArgs } from '../args.ts';
import { precheckContract } from '../contract-precheck.ts';
import type { CommandModule } from '../main.ts';

const usage = `Usage: herald generate [--spec asyncapi.yaml] [--proto proto] [--out generated] [--check]
                       [--from-package] [--import-extension .ts|.js] [--no-validate]
  --spec              AsyncAPI document (default asyncapi.yaml)
  --proto             directory of the buf module's .proto files (default proto)
  --out               output directory (default generated)
  --check             write nothing; list stale files and stale managed blocks of the spec, exit 1 if any
  --from-package      use the contract bundled in the installed herald package
  --import-extension  extension of relative imports in the output (default .ts)
  --no-validate       skip the official AsyncAPI parser run (faster; the loader still checks)
Exit codes: 0 written or up to date, 1 stale files (--check) or an invalid contract, 2 bad usage.`;

interface GenerateArgs {
  spec: string;
  proto: string;
  out: string;
  check: boolean;
  fromPackage: boolean;
  importExtension: '.ts' | '.js';
  validate: boolean;
}

export const command: CommandModule = {
  summary: 'Generate typed codecs, channels and services from asyncapi.yaml + proto/ (--check: report stale files)',
  usage,
  async run(argv, ctx) {
    const args = parseGenerateArgs(argv);
    const contractRoot = args.fromPackage ? packageRoot() : ctx.cwd;
    // The package's own contract is shipped compiled-clean; a project's is checked before anything reads it.
    if (!args.fromPackage) await precheckContract({ root: ctx.cwd, spec: args.spec, protoDir: args.proto, pointWith: '--spec <file> (and --proto <dir>), or run in the folder that holds it (--cwd <dir>)' });
    const contract = await loadContract(contractRoot, { asyncapiPath: args.spec, protoDir: args.proto });
    const diagnostics = args.validate ? (await validateContract(contract)).diagnostics : contract.diagnostics;
    if (hasErrors(diagnostics)) throw contractError(`${args.spec} is not a valid contract`, diagnostics);
    if (ctx.verbose && diagnostics.length) ctx.stderr.write(`${formatDiagnostics(diagnostics)}\n`);

    const files = generateFiles(contract, { importExtension: args.importExtension });
    const outDir = resolve(ctx.cwd, args.out);
    const shown = relative(ctx.cwd, outDir) || '.';
    // The payload schemas inline in the spec are Herald's to keep in step with proto/; an installed
    // package's spec is read-only and shipped in step.
    const specText = readFileSync(contract.asyncapiPath, 'utf8');
    const managed = args.fromPackage ? { text: specText, stale: [] } : syncManagedBlocks(specText, contract);
    const specShown = relative(ctx.cwd, contract.asyncapiPath);
    if (args.check) {
      const stale = findStale(outDir, files);
      if (managed.stale.length) {
        ctx.stderr.write(`herald generate --check: ${managed.stale.length} stale managed block(s) in ${specShown}; run \`herald generate\` and commit the result:\n`);
        for (const b of managed.stale) ctx.stderr.write(`  ${specShown}${b.path} (${b.reason})\n`);
      }
      if (!stale.length && !managed.stale.length) {
        ctx.stdout.write(`herald generate: ${shown}/ is up to date (${files.size} files, fingerprint ${contract.fingerprint})\n`);
        return 0;
      }
      if (!stale.length) return 1;
      ctx.stderr.write(`herald generate --check: ${stale.length} stale file(s) in ${shown}/; run \`herald generate\` and commit the result:\n`);
      for (const s of stale) ctx.stderr.write(`  ${join(shown, s.path)} (${s.reason})\n`);
      return 1;
    }
    if (managed.stale.length) {
      writeFileSync(contract.asyncapiPath, managed.text);
      ctx.stdout.write(`herald generate: ${managed.stale.length} managed block(s) updated in ${specShown}\n`);
      if (ctx.verbose) for (const b of managed.stale) ctx.stdout.write(`  ${specShown}${b.path} (${b.reason})\n`);
    }
    const touched = writeGenerated(outDir, files);
    ctx.stdout.write(`herald generate: ${touched.length ? `${touched.length} file(s) updated` : 'no changes'} in ${shown}/ (${files.size} files, fingerprint ${contract.fingerprint})\n`);
    if (ctx.verbose) for (const t of touched) ctx.stdout.write(`  ${join(shown, t.path)} (${t.reason})\n`);
    return 0;
  },
};

function parseGenerateArgs(argv: string[]): GenerateArgs {
  const { values } = parseCommandArgs(argv, {
    spec: { type: 'string', default: 'asyncapi.yaml' },
    proto: { type: 'string', default: 'proto' },
    out: { type: 'string', default: 'generated' },
    check: { type: 'boolean', default: false },
    'from-package': { type: 'boolean', default: false },
    'import-extension': { type: 'string', default: '.ts' },
    'no-validate': { type: 'boolean', default: false },
  });
  return {
    spec: values.spec, proto: values.proto, out: values.out, check: values.check, fromPackage: values['from-package'],
    importExtension: oneOf('--import-extension', values['import-extension'], ['.ts', '.js'] as const),
    validate: !values['no-validate'],
  };
}

/** Root of the installed herald package (holds asyncapi.yaml and proto/): three levels above this file. */
function packageRoot(): string {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  return isAbsolute(root) ? root : resolve(root);
}
