// The authored asyncapi.yaml as its users meet it: through the official AsyncAPI CLI (the engine of
// Studio and the editor previews), not through Herald. validate, diff and an HTML template must accept it.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { command as generate } from '../../src/cli/commands/generate.ts';

const repoRoot = join(import.meta.dirname, '..', '..');
const cli = join(repoRoot, 'node_modules', '@asyncapi', 'cli', 'bin', 'run_bin');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-asyncapi-cli-'));
  dirs.push(dir);
  return dir;
}

/** Runs `asyncapi <args>` with analytics off; resolves with the exit code instead of throwing. */
async function asyncapi(args: string[], cwd = repoRoot): Promise<{ code: number; out: string; stdout: string }> {
  const env = { ...process.env, CI: 'true', SUPPRESS_NO_CONFIG_WARNING: '1', NODE_ENV: 'test', NO_COLOR: '1' };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], { cwd, env, maxBuffer: 32 << 20 });
    return { code: 0, out: `${stdout}${stderr}`, stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}`, stdout: e.stdout ?? '' };
  }
}

describe('asyncapi.yaml through the official AsyncAPI CLI 6', () => {
  it('validates with no error and no warning', async () => {
    const result = await asyncapi(['validate', 'asyncapi.yaml', '--fail-severity', 'warn']);
    expect(result.out).toContain('File asyncapi.yaml is valid');
    expect(result.out).not.toMatch(/\d+:\d+\s+(error|warning)\s/);
    expect(result.code).toBe(0);
  });

  it('diffs the document against itself with no change', async () => {
    const result = await asyncapi(['diff', 'asyncapi.yaml', 'asyncapi.yaml', '-f', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ changes: [] });
  });

  it('diffs against a changed copy and classifies a channel address change as breaking', async () => {
    const dir = tempDir();
    const changed = join(dir, 'asyncapi.yaml');
    writeFileSync(changed, readFileSync(join(repoRoot, 'asyncapi.yaml'), 'utf8').replace('address: sales.purchase.v1', 'address: sales.purchase.v2'));
    const result = await asyncapi(['diff', 'asyncapi.yaml', changed, '-f', 'json', '-t', 'breaking', '--no-error']);
    expect(result.out).not.toContain('ValidationError');
    expect(result.code).toBe(0);
    const breaking = JSON.parse(result.stdout) as Array<{ path: string; type: string }>;
    expect(breaking).toContainEqual(expect.objectContaining({ path: '/channels/salesPurchase/address', type: 'breaking' }));
  });

  it('renders the HTML template offline, with each payload parsed from its inline proto', { timeout: 180_000 }, async () => {
    const out = tempDir();
    const template = join(repoRoot, 'node_modules', '@asyncapi', 'html-template');
    const result = await asyncapi(['generate', 'fromTemplate', 'asyncapi.yaml', template, '-o', out, '--force-write']);
    expect(result.code, result.out).toBe(0);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('Herald movie store contracts');
    for (const name of ['MovieCreated', 'MovieUpdated', 'MovieRetired', 'PurchaseCompleted']) expect(html).toContain(`object [${name}]`);
    // The parsed schema (proto field names) travels in the page's script.
    expect(readFileSync(join(out, 'js', 'app.js'), 'utf8')).toContain('purchased_at');
  });
});

describe('a downstream contract written by the docs, through the official AsyncAPI CLI 6', () => {
  it('fails validation with $ref payloads, and passes once herald generate has filled the managed blocks', async () => {
    // test/fixtures/shop: several packages, imports, nested types, oneof, maps; payloads as `$ref: ./proto/...`.
    const dir = tempDir();
    for (const path of ['asyncapi.yaml', 'buf.yaml', 'proto']) cpSync(join(repoRoot, 'test', 'fixtures', 'shop', path), join(dir, path), { recursive: true });
    const before = await asyncapi(['validate', 'asyncapi.yaml'], dir);
    expect(before.code).not.toBe(0);
    expect(before.out).toContain('Expected a single document in the stream');

    const quiet = new Writable({ write(_chunk, _enc, done) { done(); } });
    await expect(generate.run(['--no-validate'], { cwd: dir, verbose: false, stdout: quiet, stderr: quiet })).resolves.toBe(0);
    const after = await asyncapi(['validate', 'asyncapi.yaml', '--fail-severity', 'warn'], dir);
    expect(after.out).toContain('File asyncapi.yaml is valid');
    expect(after.code).toBe(0);
  });
});
