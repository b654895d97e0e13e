// The portal's static server maps URLs to files inside the site folder and nowhere else.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSitePath } from './serve.ts';

const parent = mkdtempSync(join(tmpdir(), 'herald-serve-'));
const site = join(parent, 'site');
mkdirSync(join(site, 'reference'), { recursive: true });
writeFileSync(join(site, 'index.html'), 'home');
writeFileSync(join(site, 'reference', 'index.html'), 'reference');
writeFileSync(join(parent, 'secret.txt'), 'outside');

afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('resolveSitePath', () => {
  it.each([
    { url: '/', file: join(site, 'index.html') },
    { url: '/reference/', file: join(site, 'reference', 'index.html') },
    { url: '/reference?x=1#top', file: join(site, 'reference', 'index.html') },
    { url: '/../secret.txt', file: undefined },
    { url: '/%2e%2e/secret.txt', file: undefined },
    { url: '/..%2fsecret.txt', file: undefined },
    { url: '/missing.html', file: undefined },
    { url: '/%E0%A4%A', file: undefined },
  ])('maps $url to $file', ({ url, file }) => {
    expect(resolveSitePath(site, url)).toBe(file);
  });
});
