// Builds the static docs portal (site/) from asyncapi.yaml + proto/: landing, graph, message,
// channel and service pages, wire format, changelog and the official AsyncAPI reference.
// It only writes inside the output folder, and refuses a non-empty folder it did not create.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadContract, type Contract } from '../codegen/contract.ts';
import { HeraldError } from '../runtime/core/errors.ts';
import { buildChangelog } from './changelog.ts';
import { portalTitle, renderPage, type PortalPage } from './layout.ts';
import { changelogPage } from './pages/changelog-page.ts';
import { channelPage, servicePage } from './pages/entity-pages.ts';
import { messagePage } from './pages/message-page.ts';
import { graphPage, landingPage } from './pages/overview-pages.ts';
import { wireFormatPage } from './pages/wire-format-page.ts';
import { portalCss } from './portal-css.ts';
import { addPortalBar } from './reference-chrome.ts';
import { buildReferencePage, type ReferenceResult } from './reference-page.ts';

export interface BuildPortalOptions {
  /** Project root holding asyncapi.yaml and proto/. */
  readonly root: string;
  /** Output folder, relative to root unless absolute; default `site`. */
  readonly outDir?: string;
  /** Where the rendered AsyncAPI reference is cached by contract fingerprint. */
  readonly cacheDir?: string;
  /** Progress lines for the CLI (`reference: 3.1 s`). */
  readonly log?: (line: string) => void;
}

export interface BuildPortalResult {
  readonly outDir: string;
  /** Site-relative paths of every page written, reference included. */
  readonly pages: string[];
  readonly reference: ReferenceResult;
  readonly contract: Contract;
  readonly ms: number;
}

/** A file in the output folder that says herald docs owns it, so a rebuild may clear it. */
const ownerMarker = '.herald-docs';

function prepareOutDir(outDir: string): void {
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    if (!existsSync(join(outDir, ownerMarker))) {
      throw new HeraldError('HERALD_ERR_CONFIG', `${outDir} is not empty and was not written by herald docs; choose another --out or empty it`, { outDir });
    }
    rmSync(outDir, { recursive: true, force: true });
  }
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, ownerMarker), 'Written by `herald docs`; the whole folder is replaced on every build.\n');
}

function write(outDir: string, path: string, text: string): void {
  const file = join(outDir, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

export async function buildPortal(options: BuildPortalOptions): Promise<BuildPortalResult> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const root = resolve(options.root);
  const outDir = resolve(root, options.outDir ?? 'site');
  const contract = await loadContract(root);
  prepareOutDir(outDir);

  const changelog = await buildChangelog(root, contract);
  const pages: PortalPage[] = [
    landingPage(contract),
    graphPage(contract),
    wireFormatPage(contract),
    changelogPage(contract, changelog),
    ...contract.messages.map((m) => messagePage(contract, m)),
    ...contract.channels.map((c) => channelPage(contract, c)),
    ...contract.services.map((s) => servicePage(contract, s)),
  ];
  write(outDir, 'assets/portal.css', portalCss);
  for (const page of pages) write(outDir, page.path, renderPage(contract, page));
  log(`pages: ${pages.length} written`);

  const reference = await buildReferencePage({
    root,
    document: contract.bundledDocument,
    outDir: join(outDir, 'reference'),
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
  });
  writeFileSync(reference.file, addPortalBar(readFileSync(reference.file, 'utf8'), portalTitle(contract).title));
  log(`reference: ${reference.cached ? 'from cache' : 'rendered by @asyncapi/generator'} in ${(reference.ms / 1000).toFixed(1)} s`);

  return { outDir, pages: [...pages.map((p) => p.path), 'reference/index.html'], reference, contract, ms: Date.now() - started };
}
