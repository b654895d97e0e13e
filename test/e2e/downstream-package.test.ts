// Herald as a downstream repository uses it: `npm pack`, a fresh project that installs the tarball,
// with its own multi-file contract (test/fixtures/downstream: Acme's fleet and dispatch, nothing of
// Herald's). In order: generate + tsc --strict, a round trip of every field type through a real
// redis-server, `herald check` on a compatible and a breaking change, the Pact gate with the project's
// own consumer pact and provider builders, and the docs portal opened in Chromium. Slow (64-128 s
// measured): it packs, installs and renders the AsyncAPI reference page.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packHerald, repoRoot, sh } from '../support/pack-herald.ts';
import { startTestRedis } from '../support/redis.ts';

const fixture = join(repoRoot, 'test', 'fixtures', 'downstream');
const work = mkdtempSync(join(tmpdir(), 'herald-downstream-'));
const app = join(work, 'acme-fleet');
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
const pinned = (name: string) => `${name}@${manifest.devDependencies[name]}`;

/** The environment of a shell in the downstream project: nothing of this test runner's Node options. */
const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries({ ...process.env, CI: 'true', PACT_DO_NOT_TRACK: 'true', npm_config_update_notifier: 'false' })
  .filter(([key]) => key !== 'NODE_OPTIONS' && !key.startsWith('VITEST')));

/** Runs a command in the project and returns its exit code and output, whatever the code. */
function run(file: string, args: string[], options: { cwd?: string; extraEnv?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd ?? app, env: { ...env, ...options.extraEnv }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** `herald ...` as the project's installed bin runs it. */
const herald = (...args: string[]) => run(process.execPath, [join(app, 'node_modules', 'herald', 'bin', 'herald.js'), ...args]);
const git = (...args: string[]) => sh(app, 'git', ['-c', 'user.name=Acme CI', '-c', 'user.email=ci@acme.example', ...args], env);

/** Replaces one exact piece of a project file (failing loudly if it is not there). */
function edit(file: string, from: string, to: string): void {
  const path = join(app, file);
  const text = readFileSync(path, 'utf8');
  expect(text, `${file} should contain ${from}`).toContain(from);
  writeFileSync(path, text.replace(from, to));
}

let redis: Awaited<ReturnType<typeof startTestRedis>> | undefined;
const children: ChildProcess[] = [];

beforeAll(async () => {
  const tarball = await packHerald(join(work, 'pack'));
  cpSync(fixture, app, { recursive: true });
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'acme-fleet', private: true, type: 'module' }, null, 2)}\n`);
  writeFileSync(join(app, '.gitignore'), 'node_modules/\nsite/\n');
  // From npm's cache when it has them (it does after this repository's own install).
  await sh(app, 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, pinned('typescript'), pinned('@types/node')], env);
  redis = await startTestRedis();
}, 300_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await redis?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('herald installed in a downstream project with its own contract', () => {
  it('installs as a package: a version, public entries only, and no `herald dev`', async () => {
    expect((await run('npx', ['--no-install', 'herald', '--version'])).stdout).toBe(`herald ${manifest.version}\n`);
    const imports = await run(process.execPath, ['--input-type=module', '-e', `
      const gates = await import('herald/gates');
      const runtime = await import('herald/runtime');
      let root = 'resolved';
      try { await import('herald'); } catch (error) { root = error.code; }
      console.log(JSON.stringify({ root, runCheck: typeof gates.runCheck, createConsumer: typeof runtime.createConsumer }));`]);
    expect(JSON.parse(imports.stdout)).toEqual({ root: 'ERR_PACKAGE_PATH_NOT_EXPORTED', runCheck: 'function', createConsumer: 'function' });

    const dev = await herald('dev');
    expect(dev.code).toBe(2);
    expect(dev.stderr).toMatch(/^herald dev: runs the herald repository's reference services .* which the package does not ship\./);
    expect(dev.stderr).not.toMatch(/\bport\b|reachable/); // the old hint guessed at a busy port
    expect((await herald('--help')).stdout).not.toMatch(/^ {2}dev /m);
  });

  it('generates the SDK of its own contract, and nothing of Herald\'s', async () => {
    const generated = await herald('generate');
    expect(generated.code, generated.stderr).toBe(0);
    expect(generated.stdout).toMatch(/3 managed block\(s\) updated in asyncapi\.yaml/);
    expect(generated.stdout).toMatch(/herald generate: \d+ file\(s\) updated in generated\//);
    for (const file of ['acme/fleet/vehicle/v1/events.ts', 'acme/fleet/vehicle/v1/vehicle.ts', 'acme/dispatch/trip/v1/trip.ts', 'acme/geo/v1/geo.ts', 'services/fleet.ts', 'services/dispatch.ts']) {
      expect(existsSync(join(app, 'generated', file)), file).toBe(true);
    }
    expect(existsSync(join(app, 'generated', 'herald'))).toBe(false);
    expect((await herald('generate', '--check')).stdout).toMatch(/generated\/ is up to date/);
    // The contract bundled in the package is still there for projects that use Herald's own events.
    const bundled = await herald('generate', '--from-package', '--out', join(work, 'herald-sdk'), '--no-validate');
    expect(bundled.code, bundled.stderr).toBe(0);
    expect(existsSync(join(work, 'herald-sdk', 'services', 'sales.ts'))).toBe(true);
  }, 120_000);

  it('names the exact install line of a missing optional peer, and that line installs it', async () => {
    const missing = await herald('check', '--gate', 'pact');
    expect(missing.code).toBe(1);
    const line = /Install it with: (npm install -D @pact-foundation\/pact@\S+)/.exec(missing.stdout)?.[1];
    expect(line).toBe(`npm install -D ${pinned('@pact-foundation/pact')}`);
    await sh(app, 'npm', [...line!.split(' ').slice(1), '--no-audit', '--no-fund', '--prefer-offline'], env);
    expect(existsSync(join(app, 'node_modules', '@pact-foundation', 'pact', 'package.json'))).toBe(true);
  }, 120_000);

  it('type-checks the generated code, its builders, handlers and pact under tsc --strict', async () => {
    const tsc = await run(join(app, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json']);
    expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
    expect(tsc.code).toBe(0);
  }, 120_000);

  it('round-trips every field type through a real redis-server with the generated services', async () => {
    const result = await run(process.execPath, ['round-trip.ts', redis!.url]);
    expect(result.code, result.stderr).toBe(0);
    const { sent, received } = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
      sent: { name: string; data: Record<string, unknown> }[];
      received: { name: string; data: Record<string, unknown> & { typedChecks?: boolean }; dataschema: string; type: string; source: string }[];
    };
    expect(received).toHaveLength(4);
    for (const name of ['VehicleRegistered', 'VehicleMoved', 'TripAssigned']) {
      const arrived = received.filter((r) => r.name === name).map(({ data: { typedChecks: _checks, ...data } }) => data);
      expect(arrived, name).toEqual(sent.filter((s) => s.name === name).map((s) => s.data));
    }
    const [registered, gps, manual] = received.filter((r) => r.name !== 'TripAssigned');
    const trip = received.find((r) => r.name === 'TripAssigned')!;
    // Each type's proto3 JSON form after the wire: int64 beyond 2^53 as strings, bytes as base64,
    // maps, nested enums by name, both oneof cases, doubles to the last bit.
    expect(registered!.data).toMatchObject({ vehicle: { kind: 'KIND_VAN', labels: { depot: 'berlin-mitte', driver: 'Zoë' }, firmwareHash: 'AP+AfxA=', odometerM: '9007199254740993', home: { latitude: 52.520008, altitudeM: 34.5 }, capacityKg: 1250.75 } });
    expect(gps!.data).toMatchObject({ recordedAtMs: '-1', gps: { satellites: 11, hdop: 0.55 }, rawFrame: '3q2+7w==' });
    expect(manual!.data).toMatchObject({ recordedAtMs: '9223372036854775807', manualNote: 'unit offline; seen at the depot gate', position: { latitude: 0.30000000000000004, longitude: -180 } });
    expect(manual!.data).not.toHaveProperty('gps');
    expect(trip.data).toMatchObject({ priority: 'PRIORITY_EXPRESS', parcelsByStop: { '0': '3', '1': '18446744073709551', '-1': '-2' }, typedChecks: true });
    expect(trip.data['stops']).toEqual([
      { position: { latitude: 48.8566, longitude: 2.3522 }, etaMs: '1764670000000' },
      { position: { latitude: 1e-300, longitude: 5e-324 }, etaMs: '-9223372036854775808' },
    ]);
    expect(registered!.type).toBe('acme.fleet.vehicle.v1.VehicleRegistered');
    expect(registered!.source).toBe('acme/fleet');
    expect(trip.source).toBe('acme/dispatch');
    expect(registered!.dataschema).toContain('acme.fleet.vehicle.v1.VehicleRegistered');
  }, 60_000);

  it('passes herald check on a compatible change and blocks a map value change', async () => {
    await git('init', '-q', '-b', 'main');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'Acme fleet contract v1');

    // Compatible: a new enum value. Regenerated, as the project's CI requires.
    edit('proto/acme/fleet/vehicle/v1/vehicle.proto', '    KIND_CARGO_BIKE = 3;\n', '    KIND_CARGO_BIKE = 3;\n    KIND_E_SCOOTER = 4;\n');
    expect((await herald('generate')).code).toBe(0);
    const compatible = await herald('check');
    expect(compatible.code, compatible.stdout + compatible.stderr).toBe(0);
    expect(compatible.stdout).toMatch(/baseline main \(/);
    expect(compatible.stdout).toMatch(/^\[breaking\] passed/m);
    expect(compatible.stdout).toMatch(/herald check passed\./);
    await git('checkout', '-q', '--', '.');

    // Breaking: the value type of Vehicle.labels, a map<string, string>, becomes int64.
    edit('proto/acme/fleet/vehicle/v1/vehicle.proto', 'map<string, string> labels = 4;', 'map<string, int64> labels = 4;');
    expect((await herald('generate')).code).toBe(0);
    const breaking = await herald('check', '--gate', 'breaking,asyncapi', '--format', 'json');
    expect(breaking.code).toBe(1);
    type Finding = { code: string; path: { file?: string; type?: string; field?: string; message?: string }; message: string; consumers?: string[]; messages?: string[]; subject?: string };
    const report = JSON.parse(breaking.stdout) as { ok: boolean; gates: { gate: string; status: string; diagnostics: Finding[] }[] };
    expect(report.ok).toBe(false);
    const gate = report.gates.find((g) => g.gate === 'breaking')!;
    expect(gate.status).toBe('failed');
    // The map entry's finding names the top-level message and the consumer it hurts, with a fully
    // qualified id (one allow-list entry must not match every `labels` map of every message).
    const finding = gate.diagnostics.find((d) => d.code === 'FIELD_WIRE_JSON_COMPATIBLE_TYPE');
    expect(finding).toMatchObject({
      path: { file: 'proto/acme/fleet/vehicle/v1/vehicle.proto', type: 'acme.fleet.vehicle.v1.Vehicle.LabelsEntry', field: 'value' },
      consumers: ['dispatch'], messages: ['VehicleRegistered'],
      subject: 'acme.fleet.vehicle.v1.Vehicle.LabelsEntry.value#2:string->int64',
    });
    expect(finding?.message).toMatch(/string.*int64.*dispatch, which reads vehicle\.labels/);
    // The AsyncAPI gate classifies the same change as an incompatible payload of that message.
    expect(report.gates.find((g) => g.gate === 'asyncapi')?.diagnostics).toContainEqual(expect.objectContaining({
      code: 'PAYLOAD_INCOMPATIBLE', consumers: ['dispatch'], path: expect.objectContaining({ message: 'VehicleRegistered' }),
    }));
    await git('checkout', '-q', '--', '.');
    expect((await herald('generate')).code).toBe(0);
  }, 180_000);

  it('runs the Pact gate with the project\'s own consumer pact and provider builders', async () => {
    // The consumer test regenerates exactly the committed pact, as CI checks.
    const consumer = await run(process.execPath, ['contract-tests/dispatch-fleet.pact.ts']);
    expect(consumer.code, consumer.stderr).toBe(0);
    await git('diff', '--exit-code', '--', 'pacts/');

    const verified = await herald('check', '--gate', 'pact');
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toContain('fleet: verified 2 interaction(s) from dispatch (pacts/dispatch-fleet.json).');

    // Fleet's builder stops filling the vehicle: the gate names the field and Dispatch, and verifies nothing.
    edit('src/fleet/vehicle-events.ts', 'version: tracked.version, vehicle: tracked.vehicle }', 'version: tracked.version }');
    const broken = await herald('check', '--gate', 'pact', '--format', 'json');
    expect(broken.code).toBe(1);
    const report = JSON.parse(broken.stdout) as { gates: { notes: string[]; diagnostics: { code: string; consumers?: string[]; path: { field?: string } }[] }[] };
    const findings = report.gates[0]!.diagnostics;
    expect(findings.map((d) => d.code)).toContain('PACT_FIELD_MISSING');
    expect(findings.every((d) => d.consumers?.join() === 'dispatch')).toBe(true);
    expect(JSON.stringify(findings)).toContain('a VehicleRegistered event');
    expect(findings.some((d) => d.path.field?.split(', ').includes('vehicle'))).toBe(true);
    expect(report.gates[0]!.notes.join('\n')).not.toMatch(/verified 2 interaction/);
    await git('checkout', '-q', '--', '.');
  }, 120_000);

  it('builds the docs portal, which Chromium shows with only the project\'s names', async () => {
    const missing = await herald('docs');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`Install them with: PUPPETEER_SKIP_DOWNLOAD=1 npm install -D ${pinned('@asyncapi/generator')} ${pinned('@asyncapi/html-template')}`);
    // The two peers are linked from this repository's install rather than installed again: they are
    // the same pinned versions, and installing them here would add about 40 s to the suite.
    mkdirSync(join(app, 'node_modules', '@asyncapi'), { recursive: true });
    for (const name of ['generator', 'html-template']) symlinkSync(join(repoRoot, 'node_modules', '@asyncapi', name), join(app, 'node_modules', '@asyncapi', name), 'dir');

    const server = spawn(process.execPath, [join(app, 'node_modules', 'herald', 'bin', 'herald.js'), 'docs', '--serve', '--port', '0'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(server);
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      server.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const found = /Serving the docs portal at (http:\/\/\S+)/.exec(output);
        if (found) resolve(found[1]!);
      });
      server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      server.once('exit', (code) => reject(new Error(`herald docs --serve exited with ${code}:\n${output}`)));
    });

    const chromiumPath = execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim().split('\n')[0]!;
    const context: BrowserContext = await chromium.launchPersistentContext(join(work, 'chromium-profile'), {
      executablePath: chromiumPath, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      // Every page the portal links to, breadth first from the landing page.
      const texts = new Map<string, string>();
      const queue = [`${url}/`];
      while (queue.length > 0 && texts.size < 60) {
        const next = queue.shift()!;
        if (texts.has(next)) continue;
        const response = await page.goto(next);
        expect(response?.status(), next).toBe(200);
        texts.set(next, await page.locator('body').innerText());
        // getAttribute, not .href: the flow graph's links are SVG anchors, whose href is not a string.
        const hrefs = await page.locator('a[href]').evaluateAll((anchors) => anchors.map((a) => a.getAttribute('href') ?? ''));
        const links = hrefs.map((href) => new URL(href, page.url()).href);
        for (const link of links) {
          const clean = link.split('#')[0]!;
          if (clean.startsWith(url) && !texts.has(clean) && !queue.includes(clean)) queue.push(clean);
        }
      }
      expect(texts.size).toBeGreaterThanOrEqual(8);
      const all = [...texts.values()].join('\n');
      for (const name of ['Acme fleet events', 'VehicleRegistered', 'VehicleMoved', 'TripAssigned', 'acme.fleet.vehicle.v1', 'fleet.vehicle.v1', 'dispatch']) expect(all, name).toContain(name);
      for (const [address, text] of texts) {
        expect(text, address).not.toMatch(/herald[./]catalog|herald\.sales|movie|purchase/i);
      }
      expect([...texts.keys()].some((address) => address.includes('/reference/'))).toBe(true);
    } finally {
      await context.close();
      server.kill('SIGTERM');
    }
  }, 180_000);
});
