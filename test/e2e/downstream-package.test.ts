// Downstream use, for real: `npm pack` herald, install the tarball into a fresh project, run
// `herald generate --from-package` there, type-check the output and run it. Slow: it installs packages.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = join(import.meta.dirname, '..', '..');
const exec = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'herald-downstream-'));
const cleanups: Array<() => void> = [() => rmSync(work, { recursive: true, force: true })];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));

/** Runs a command; on failure the error carries its output, so the test report shows why. */
async function sh(cwd: string, file: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await exec(file, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false' } });
    return `${stdout}${stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? ''}\n${e.message}`);
  }
}

/**
 * Packs from a copy of the package's sources, so the build's dist/ never lands in the checkout (where
 * bin/herald.js would then prefer a stale dist/ over the sources). The copy sits inside the checkout
 * (`*.tmp`, ignored by tsc) so it resolves the checkout's node_modules as the real build does; a
 * symlinked node_modules makes tsc's declaration emit fail with TS2742.
 */
async function packHerald(): Promise<string> {
  const stage = join(repoRoot, `.pack-stage-${process.pid}.tmp`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage);
  cleanups.push(() => rmSync(stage, { recursive: true, force: true }));
  for (const entry of ['package.json', 'README.md', 'asyncapi.yaml', 'buf.yaml', 'tsconfig.json', 'tsconfig.build.json', 'bin', 'src', 'proto']) {
    const from = join(repoRoot, entry);
    if (existsSync(from)) cpSync(from, join(stage, entry), { recursive: true, filter: (path) => !path.endsWith('.test.ts') });
  }
  await sh(stage, 'npm', ['pack', '--silent', '--pack-destination', work]);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack produced no tarball');
  return join(work, tarball);
}

const downstreamScript = `// A downstream service's use of the generated SDK.
import { MovieCreated } from './generated/herald/catalog/movie/v1/events.ts';
import { MovieStatus } from './generated/herald/catalog/movie/v1/movie.ts';
import { catalogMovie } from './generated/channels/catalog-movie.ts';

const event: MovieCreated = MovieCreated.create({
  movieId: 'm-1',
  version: 1,
  movie: { movieId: 'm-1', title: 'Dune', price: { currencyCode: 'EUR', amountMinor: 9_007_199_254_740_993n }, status: MovieStatus.ACTIVE },
});
const bytes: Uint8Array = MovieCreated.encode(event).finish();
const back = catalogMovie.messages.MovieCreated.codec.decode(bytes);
if (back.movie?.price?.amountMinor !== 9_007_199_254_740_993n || back.movie.title !== 'Dune') throw new Error('round trip failed');
console.log(JSON.stringify({ bytes: bytes.length, json: MovieCreated.toJSON(back), dataschema: catalogMovie.messages.MovieCreated.dataschema }));
`;

describe('herald as an installed package', () => {
  it('packs, installs, generates from the bundled contract, type-checks and runs', async () => {
    const tarball = await packHerald();

    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'downstream-app', private: true, type: 'module' }, null, 2));
    await sh(app, 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, 'typescript@5.9.3']);

    const generated = await sh(app, 'npx', ['--no-install', 'herald', 'generate', '--from-package']);
    expect(generated).toMatch(/herald generate: \d+ file\(s\) updated in generated\//);
    expect(existsSync(join(app, 'generated', 'services', 'sales.ts'))).toBe(true);
    expect(await sh(app, 'npx', ['--no-install', 'herald', 'generate', '--from-package', '--check', '--no-validate'])).toMatch(/up to date/);

    writeFileSync(join(app, 'main.ts'), downstreamScript);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2023', lib: ['ES2023'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
        allowImportingTsExtensions: true, verbatimModuleSyntax: true, skipLibCheck: true, types: [],
      },
      include: ['generated', 'main.ts'],
    }, null, 2));
    expect(await sh(app, join(app, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'])).toBe('');

    const output = await sh(app, process.execPath, ['main.ts']);
    const result = JSON.parse(output.trim().split('\n').pop()!);
    expect(result.json).toMatchObject({ movieId: 'm-1', version: 1, movie: { title: 'Dune', price: { currencyCode: 'EUR', amountMinor: '9007199254740993' }, status: 'MOVIE_STATUS_ACTIVE' } });
    expect(result.dataschema).toMatch(/^herald:herald\.catalog\.movie\.v1\.MovieCreated#sha256-[0-9a-f]{16}$/);
  }, 900_000);
});
