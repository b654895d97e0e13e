// The docs portal as a reader meets it: built from this repo's contract, served over HTTP and opened
// in real headless Chromium (Debian's package, driven by playwright-core; never a browser download).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContract } from '../codegen/contract.ts';
import { buildPortal, type BuildPortalResult } from './build-portal.ts';
import { channelPage } from './pages/entity-pages.ts';
import { messagePage } from './pages/message-page.ts';
import { wireFormatPage } from './pages/wire-format-page.ts';
import { serveSite, type SiteServer } from './serve.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const resultsDir = join(repoRoot, 'test-results');
const chromiumFlags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function chromiumPath(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim().split('\n')[0]!;
  } catch {
    throw new Error('chromium is not installed: run scripts/ensure-chromium.sh (apt-get install -y chromium)');
  }
}

let work: string;
let built: BuildPortalResult;
let server: SiteServer;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];
const external: string[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'herald-portal-test-'));
  built = await buildPortal({ root: repoRoot, outDir: join(work, 'site') });
  server = await serveSite(built.outDir, 0);
  context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: chromiumPath(),
    headless: true,
    args: chromiumFlags,
    viewport: { width: 1280, height: 900 },
  });
  // The portal must work offline: anything not served by our own server is recorded and refused.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(server.url) || url.startsWith('data:')) return route.continue();
    external.push(url);
    return route.abort();
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error on ${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error on ${page.url()}: ${error.message}`));
  mkdirSync(resultsDir, { recursive: true });
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('docs portal in Chromium', () => {
  it('lists every message and channel on the landing page and on their own pages', async () => {
    await page.goto(server.url);
    await expect(page.title()).resolves.toContain('Herald movie store contracts');
    for (const message of built.contract.messages) {
      await page.goto(server.url);
      await expect(page.locator('[data-testid=message-card]', { hasText: message.name }).isVisible()).resolves.toBe(true);
      await page.goto(`${server.url}messages/${message.name}.html`);
      await expect(page.getByTestId('message-title').innerText()).resolves.toBe(message.name);
      await expect(page.getByTestId('fingerprint').innerText()).resolves.toBe(message.fingerprint);
      const rows = await page.locator('table.fields tbody tr').allInnerTexts();
      expect(rows.map((r) => r.split('\t')[1]?.trim().split('\n')[0])).toEqual(message.fields.map((f) => f.name));
      await expect(page.locator('pre.proto').first().isVisible()).resolves.toBe(true);
    }
    for (const channel of built.contract.channels) {
      await page.goto(server.url);
      await expect(page.locator('[data-testid=channel-card]', { hasText: channel.address }).isVisible()).resolves.toBe(true);
      await page.goto(`${server.url}channels/${channel.id}.html`);
      await expect(page.getByTestId('channel-title').innerText()).resolves.toBe(channel.address);
    }
  });

  it('navigates by clicking: landing -> message page -> graph -> reference', async () => {
    const [first] = built.contract.messages;
    await page.goto(server.url);
    await page.screenshot({ path: join(resultsDir, 'docs-portal.png') });
    await page.locator('[data-testid=message-card]', { hasText: first!.name }).click();
    await page.waitForURL(`**/messages/${first!.name}.html`);
    await expect(page.getByTestId('message-title').innerText()).resolves.toBe(first!.name);
    await page.screenshot({ path: join(resultsDir, 'docs-portal-message.png'), fullPage: true });

    await page.locator('.topnav a', { hasText: 'Graph' }).click();
    await page.waitForURL('**/graph.html');
    const nodes = await page.locator('[data-testid=flow-graph] a.node').evaluateAll((els) => els.map((e) => e.getAttribute('data-node')));
    for (const service of built.contract.services) expect(nodes).toContain(`service:${service.name}`);
    for (const channel of built.contract.channels) expect(nodes).toContain(`channel:${channel.id}`);
    for (const message of built.contract.messages) expect(nodes).toContain(`message:${message.name}`);
    await expect(page.locator('[data-testid=flow-graph] path.edge').count()).resolves.toBeGreaterThan(0);
    await page.screenshot({ path: join(resultsDir, 'docs-portal-graph.png'), fullPage: true });

    // A graph node is a link to its page.
    await page.locator(`a.node[data-node="channel:${built.contract.channels[0]!.id}"]`).click();
    await page.waitForURL(`**/channels/${built.contract.channels[0]!.id}.html`);
    await page.goBack();

    await page.locator('.topnav a', { hasText: 'Reference' }).click();
    await page.waitForURL('**/reference/index.html');
    await page.getByTestId('portal-bar').waitFor();
    for (const message of built.contract.messages) {
      await expect(page.locator(`#message-${message.name}`).first().isVisible()).resolves.toBe(true);
    }
    for (const operation of built.contract.operations) {
      await expect(page.locator(`[id="operation-${operation.action}-${operation.id}"]`).first().isVisible()).resolves.toBe(true);
    }
    for (const server of Object.keys(built.contract.bundledDocument['servers'] as object)) {
      await expect(page.locator(`[id="server-${server}"]`).first().isVisible()).resolves.toBe(true);
    }
    const text = await page.locator('#root').innerText();
    for (const channel of built.contract.channels) expect(text).toContain(channel.address);
    expect(text).toContain('specversion');
    await page.screenshot({ path: join(resultsDir, 'docs-portal-reference.png') });

    await page.getByTestId('portal-bar').locator('a', { hasText: 'Wire format' }).click();
    await page.waitForURL('**/wire-format.html');
    const wire = await page.getByTestId('wire-fields').innerText();
    for (const field of ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema', 'sequence', 'traceparent', 'tracestate', 'correlationid', 'causationid', 'data']) {
      expect(wire).toContain(field);
    }
    const go = await page.getByTestId('snippet-go').innerText();
    const sample = built.contract.messages.find((m) => m.name === built.contract.channels[0]!.messages[0])!;
    expect(go).toContain(`var ev moviev1.${sample.name}`);
    expect(go).toContain(`ev.Get${sample.fields[0]!.name.replace(/(^|_)([a-z])/g, (_, _s, c: string) => c.toUpperCase())}()`);
    await page.screenshot({ path: join(resultsDir, 'docs-portal-wire-format.png'), fullPage: true });
    await page.locator('.sidebar a', { hasText: 'Changelog' }).click();
    await page.waitForURL('**/changelog.html');
    await expect(page.getByTestId('changelog-section').count()).resolves.toBeGreaterThan(0);
  });

  it('logs no console errors and loads nothing from the network', () => {
    expect(problems).toEqual([]);
    expect(external).toEqual([]);
  });
});

describe('portal pages built from another contract', () => {
  const shopRoot = join(repoRoot, 'test', 'fixtures', 'shop');
  const thisRepo = /herald\/catalog|herald\.catalog|herald\.sales|catalog\.movie|MovieCreated|GetMovieId|moviev1|movie_id/;

  it('writes the wire-format page in the names of that contract only', async () => {
    const shop = await loadContract(shopRoot);
    const body = String(wireFormatPage(shop).body);
    expect(body).not.toMatch(thisRepo);
    const channel = shop.channels.find((c) => c.messages.length > 0)!;
    const first = shop.messages.find((m) => m.name === channel.messages[0])!;
    const sender = shop.operations.find((o) => o.action === 'send' && o.channel === channel.id)!.service;
    expect(body).toContain(`<code>herald/${sender}</code>`);
    expect(body).toContain(`<code>${first.dataschema}</code>`);
    expect(body).toContain(`redis-cli XRANGE ${channel.address} - + COUNT 1`);
    expect(body).toContain(`protoc --decode=${first.protoType} -I proto -I /usr/include ${first.protoFile}`);
    const module = first.protoFile.replace(/\.proto$/, '_pb2').split('/');
    expect(body).toContain(`from ${module.slice(0, -1).join('.')} import ${module.at(-1)}`);
    for (const name of channel.messages) {
      const message = shop.messages.find((m) => m.name === name)!;
      expect(body).toContain(`&quot;${message.protoType}&quot;: `);
    }
    const getter = `Get${first.fields[0]!.name.replace(/(^|_)([a-z])/g, (_, _s, c: string) => c.toUpperCase())}()`;
    expect(body).toContain(`ev.${getter}`);
  });

  it('shows a partitioned channel\'s partitions and works the partition hash through for it', async () => {
    const shop = await loadContract(shopRoot);
    const orders = shop.channels.find((c) => c.id === 'shopOrders')!;
    const channelBody = String(channelPage(shop, orders).body);
    expect(channelBody).toContain('data-testid="channel-partitions">4:');
    expect(channelBody).toContain('<code>{shop.orders.v1#0}</code> … <code>{shop.orders.v1#3}</code>');
    const wire = String(wireFormatPage(shop).body);
    // crc32("subject-42") = 3629561697 (python3 -c 'import zlib; print(zlib.crc32(b"subject-42"))'); mod 4 = 1.
    expect(wire).toContain('<code>crc32("subject-42") = 3629561697</code>, and <code>3629561697 mod 4 = 1</code>');
    expect(wire).toContain('<code>{shop.orders.v1#1}</code>');
  });

  it('shows the real dataschema in an example written with a placeholder fingerprint, never both', async () => {
    const contract = await loadContract(repoRoot);
    const message = contract.messages[0]!;
    const placeholder = `herald:${message.protoType}#sha256-0000000000000000`;
    const example = { name: 'written by hand', headers: { type: message.protoType, dataschema: placeholder }, payload: {} };
    const body = String(messagePage(contract, { ...message, examples: [example] }).body);
    expect(body).not.toContain('0000000000000000');
    const shown = body.slice(body.indexOf('<h2>Examples</h2>'));
    expect(shown).toContain(`&quot;dataschema&quot;: &quot;${message.dataschema}&quot;`);
  });
});

describe('herald docs --serve', () => {
  it('builds, prints the URL, serves the portal and stops on Ctrl-C', async () => {
    const out = join(work, 'cli-site');
    const child = spawn(process.execPath, ['--conditions=herald-source', join(repoRoot, 'bin/herald.js'), 'docs', '--out', out, '--serve', '--port', '0'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const url = await new Promise<string>((resolveUrl, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Serving the docs portal at (http:\/\/\S+)/.exec(output);
        if (match) resolveUrl(match[1]!);
      });
      child.on('exit', (code) => reject(new Error(`herald docs exited early (${code}): ${output}`)));
    });
    const index = await fetch(url);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('Event flow graph');
    const css = await fetch(`${url}assets/portal.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await fetch(`${url}nothing-here.html`)).status).toBe(404);
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    child.kill('SIGINT');
    await expect(exited).resolves.toBe(0);
    expect(output).toContain('Stopped.');
  });
});
