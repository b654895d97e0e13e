// `herald check`: runs the compatibility gates (buf lint, buf breaking, AsyncAPI diff, Pact) and
// prints one report; exit 1 on any blocking finding, 2 on bad usage. It never changes the contract.
import { mkdir, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { runBuf } from '../../gates/buf-cli.ts';
import type { BufFinding } from '../../gates/buf-cli.ts';
import type { CheckReport, GateName } from '../../gates/diagnostics.ts';
import { gateNames } from '../../gates/registry.ts';
import { renderReport, reportFormats } from '../../gates/report.ts';
import { runCheck } from '../../gates/run-check.ts';
import { oneOf, parseCommandArgs, UsageError } from '../args.ts';
import { compileError, protoCompileErrors, requireContractFile } from '../contract-precheck.ts';
import type { CommandModule } from '../main.ts';
import { withoutStackFrames } from '../output.ts';

const usage = `Usage: herald check [--against <git ref | bundle dir>] [--transitive | --no-transitive]
                    [--format text|json|github] [--gate ${gateNames.join(',')}]
                    [--pacts <dir>] [--providers <module>] [--write-bundle <dir>]
  --against      baseline: a git ref (default main; falls back to origin/main, then the latest vX.Y.Z tag)
                 or a released bundle (a directory with a buf image *.binpb and asyncapi.yaml)
  --transitive   also check against every vX.Y.Z tag (default when no --against is given and tags exist)
  --write-bundle write the release bundle of the current contract (buf image + asyncapi.yaml) and exit
  --format       text (default), json, or github (workflow annotations)
  --gate         run only these gates (comma-separated)
  --pacts        folder of pact files (default pacts)
  --providers    module exporting messageProviders (default contract-tests/message-providers.ts)
Exit codes: 0 every gate passed, 1 a gate failed (or the contract does not compile), 2 bad usage.`;

async function writeBundle(root: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await runBuf(['build', '-o', path.join(dir, 'image.binpb')], root);
  await copyFile(path.join(root, 'asyncapi.yaml'), path.join(dir, 'asyncapi.yaml'));
}

/** The report of a contract whose .proto files do not compile: buf's errors under lint, the rest not run. */
function compileFailure(errors: BufFinding[], gates: readonly GateName[]): CheckReport {
  const note = 'Not run: the .proto files do not compile (see lint).';
  return {
    ok: false,
    baselines: [],
    notes: [],
    gates: [
      { gate: 'lint', status: 'failed', notes: ['buf build: the .proto files do not compile.'],
        diagnostics: errors.map((f) => ({ gate: 'lint', severity: 'error', code: 'COMPILE', path: { file: f.path, ...(f.start_line ? { line: f.start_line } : {}) }, message: f.message })) },
      ...gates.filter((g) => g !== 'lint').map((gate) => ({ gate, status: 'skipped' as const, diagnostics: [], notes: [note] })),
    ],
  };
}

export const command: CommandModule = {
  summary: 'Run the compatibility gates (buf lint/breaking, AsyncAPI diff, Pact) against a baseline',
  usage,
  async run(args, ctx) {
    const { values } = parseCommandArgs(args, {
      against: { type: 'string' },
      transitive: { type: 'boolean' },
      'no-transitive': { type: 'boolean' },
      format: { type: 'string', default: 'text' },
      gate: { type: 'string' },
      gates: { type: 'string' },
      pacts: { type: 'string' },
      providers: { type: 'string' },
      'write-bundle': { type: 'string' },
    });
    if (values.transitive && values['no-transitive']) throw new UsageError('--transitive and --no-transitive contradict each other');
    const format = oneOf('--format', values.format, reportFormats);
    const gateList = values.gate ?? values.gates;
    let gates: GateName[] | undefined;
    if (gateList !== undefined) {
      const list = gateList.split(',').map((g) => g.trim()).filter(Boolean);
      const bad = list.filter((g) => !gateNames.includes(g as GateName));
      if (bad.length > 0 || list.length === 0) throw new UsageError(`unknown gate ${bad.join(', ') || '(none given)'}; use ${gateNames.join(', ')}`);
      gates = list as GateName[];
    }
    const pointWith = '--cwd <dir> (the folder that holds asyncapi.yaml and buf.yaml)';
    requireContractFile({ root: ctx.cwd, pointWith });
    const compileErrors = await protoCompileErrors(ctx.cwd);
    if (compileErrors.length > 0) {
      // A syntax error is the only finding: the other gates would read the same broken files and
      // cascade. People get buf's lines; machines get the report in their format (CI's annotation).
      if (format === 'text') throw compileError(compileErrors);
      ctx.stdout.write(renderReport(compileFailure(compileErrors, gates ?? [...gateNames]), format, { verbose: ctx.verbose }));
      return 1;
    }
    if (values['write-bundle'] !== undefined) {
      const dir = path.resolve(ctx.cwd, values['write-bundle']);
      await writeBundle(ctx.cwd, dir);
      ctx.stdout.write(`Wrote the release bundle (image.binpb, asyncapi.yaml) to ${dir}\n`);
      return 0;
    }
    const transitive = values.transitive ? true : values['no-transitive'] ? false : undefined;
    process.env.PACT_DO_NOT_TRACK = 'true';
    const report = await runCheck({
      root: ctx.cwd,
      ...(values.against !== undefined ? { against: values.against } : {}),
      ...(transitive !== undefined ? { transitive } : {}),
      ...(gates ? { gates } : {}),
      pact: { ...(values.pacts ? { pactDir: values.pacts } : {}), ...(values.providers ? { providersModule: values.providers } : {}) },
    });
    const rendered = renderReport(report, format, { verbose: ctx.verbose });
    // Tools' messages sometimes carry a stack (the AsyncAPI parser's); people see it only with --verbose.
    ctx.stdout.write(ctx.verbose || format === 'json' ? rendered : withoutStackFrames(rendered));
    return report.ok ? 0 : 1;
  },
};
