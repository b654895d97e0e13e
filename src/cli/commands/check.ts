// `herald check`: runs the compatibility gates (buf lint, buf breaking, AsyncAPI diff, Pact) and
// prints one report; exit 1 on any blocking finding, 2 on bad usage. It never changes the contract.
import { mkdir, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { HeraldError } from '../../runtime/core/errors.ts';
import { runBuf } from '../../gates/buf-cli.ts';
import type { GateName } from '../../gates/diagnostics.ts';
import { gateNames } from '../../gates/diagnostics.ts';
import type { ReportFormat } from '../../gates/report.ts';
import { renderReport, reportFormats } from '../../gates/report.ts';
import { runCheck } from '../../gates/run-check.ts';
import type { CommandModule } from '../main.ts';

const usage = `Usage: herald check [--against <git ref | bundle dir>] [--transitive | --no-transitive]
                    [--format text|json|github] [--gate lint,breaking,asyncapi,pact]
                    [--pacts <dir>] [--providers <module>] [--write-bundle <dir>]
  --against      baseline: a git ref (default main; falls back to origin/main, then the latest vX.Y.Z tag)
                 or a released bundle (a directory with a buf image *.binpb and asyncapi.yaml)
  --transitive   also check against every vX.Y.Z tag (default when no --against is given and tags exist)
  --write-bundle write the release bundle of the current contract (buf image + asyncapi.yaml) and exit
`;

function takeValue(args: string[], i: number, flag: string): string {
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new HeraldError('HERALD_ERR_CONFIG', `${flag} needs a value\n${usage}`);
  return v;
}

async function writeBundle(root: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await runBuf(['build', '-o', path.join(dir, 'image.binpb')], root);
  await copyFile(path.join(root, 'asyncapi.yaml'), path.join(dir, 'asyncapi.yaml'));
}

export const command: CommandModule = {
  summary: 'Run the compatibility gates (buf lint/breaking, AsyncAPI diff, Pact) against a baseline',
  async run(args, ctx) {
    let against: string | undefined;
    let transitive: boolean | undefined;
    let format: ReportFormat = 'text';
    let gates: GateName[] | undefined;
    let pactDir: string | undefined;
    let providersModule: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      const value = () => inline ?? takeValue(args, i++, flag);
      switch (flag) {
        case '--against': against = value(); break;
        case '--transitive': transitive = true; break;
        case '--no-transitive': transitive = false; break;
        case '--format': {
          const f = value();
          if (!reportFormats.includes(f as ReportFormat)) { ctx.stderr.write(`herald check: --format must be one of ${reportFormats.join(', ')}\n`); return 2; }
          format = f as ReportFormat;
          break;
        }
        case '--gate': case '--gates': {
          const list = value().split(',').map((g) => g.trim()).filter(Boolean);
          const bad = list.filter((g) => !gateNames.includes(g as GateName));
          if (bad.length > 0) { ctx.stderr.write(`herald check: unknown gate ${bad.join(', ')}; use ${gateNames.join(', ')}\n`); return 2; }
          gates = list as GateName[];
          break;
        }
        case '--pacts': pactDir = value(); break;
        case '--providers': providersModule = value(); break;
        case '--write-bundle': {
          const dir = path.resolve(ctx.cwd, value());
          await writeBundle(ctx.cwd, dir);
          ctx.stdout.write(`Wrote the release bundle (image.binpb, asyncapi.yaml) to ${dir}\n`);
          return 0;
        }
        case '--help': case '-h': ctx.stdout.write(usage); return 0;
        default: ctx.stderr.write(`herald check: unknown option ${a}\n${usage}`); return 2;
      }
    }
    process.env.PACT_DO_NOT_TRACK = 'true';
    const report = await runCheck({
      root: ctx.cwd,
      ...(against !== undefined ? { against } : {}),
      ...(transitive !== undefined ? { transitive } : {}),
      ...(gates ? { gates } : {}),
      pact: { ...(pactDir ? { pactDir } : {}), ...(providersModule ? { providersModule } : {}) },
    });
    ctx.stdout.write(renderReport(report, format, { verbose: ctx.verbose }));
    return report.ok ? 0 : 1;
  },
};
