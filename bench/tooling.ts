// Benchmark 7: wall time of `herald generate` and `herald check` on this repository, as a developer
// runs them (a fresh process each time). generate writes to a temporary folder, never to generated/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatMs, medianOf, runProcess, type Benchmark, type BenchContext, type ResultRow } from './harness.ts';

const root = fileURLToPath(new URL('../', import.meta.url));

async function timeCli(args: string[]): Promise<number> {
  const started = performance.now();
  const { code, stdout, stderr } = await runProcess(process.execPath, ['--conditions=herald-source', 'bin/herald.js', ...args], { cwd: root });
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`herald ${args.join(' ')} exited ${code}:\n${(stderr || stdout).slice(-2000)}`);
  return ms;
}

async function run(ctx: BenchContext): Promise<ResultRow[]> {
  const out = mkdtempSync(join(tmpdir(), 'herald-bench-generate-'));
  try {
    // Quick mode (the smoke test) times the cheapest variant of each command: it proves the
    // plumbing, not the figure.
    const generate = ctx.quick ? ['generate', '--no-validate', '--out', out] : ['generate', '--out', out];
    const check = ctx.quick ? ['check', '--gate', 'lint'] : ['check'];
    const figures = await medianOf(ctx.runs, async () => ({ generate: await timeCli(generate), check: await timeCli(check) }), ctx.log);
    return [
      { benchmark: `7. Tooling: \`herald ${generate.filter((a) => a !== out && a !== '--out').join(' ')}\` (${ctx.quick ? 'loader checks only' : 'with the official AsyncAPI parser run'})`, herald: formatMs(figures.generate), baseline: '–', ratio: '–', goal: '–' },
      { benchmark: `7. Tooling: \`herald ${check.join(' ')}\` (${ctx.quick ? 'buf lint only' : 'buf lint + breaking, AsyncAPI diff, Pact'})`, herald: formatMs(figures.check), baseline: '–', ratio: '–', goal: '–' },
    ];
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export const tooling: Benchmark = { name: 'tooling', title: 'Tooling', run };
