// The portal's static server serves files inside the site folder and nowhere else, with the content type
// of each file and no caching, and stops when closed (as `herald docs --serve` does on Ctrl-C).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveSite, type SiteServer } from './serve.ts';

const parent = mkdtempSync(join(tmpdir(), 'herald-serve-'));
const site = join(parent, 'site');
mkdirSync(join(site, 'reference'), { recursive: true });
writeFileSync(join(site, 'index.html'), 'home');
writeFileSync(join(site, 'reference', 'index.html'), 'reference');
writeFileSync(join(site, 'style.css'), 'body {}');
writeFileSync(join(site, 'asyncapi.yaml'), 'asyncapi: 3.0.0');
writeFileSync(join(site, 'movie.proto'), 'syntax = "proto3";');
writeFileSync(join(site, 'blob.bin'), 'x');
writeFileSync(join(parent, 'secret.txt'), 'outside');

let server: SiteServer;
beforeAll(async () => {
  server = await serveSite(site, 0);
});
afterAll(async () => {
  await server?.close();
  rmSync(parent, { recursive: true, force: true });
});

/** Sends `path` exactly as written (fetch would normalise `..` away before it left the client). */
function get(path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveSite', () => {
  it.each([
    { url: '/', body: 'home' },
    { url: '/reference/', body: 'reference' },
    { url: '/reference/?x=1', body: 'reference' },
    { url: '//', body: 'home' },
    { url: '//reference//index.html', body: 'reference' },
  ])('serves $url', async ({ url, body }) => {
    const response = await get(url);
    expect(response).toMatchObject({ status: 200, body });
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
  });

  it('redirects a folder without its trailing slash to it', async () => {
    expect((await get('/reference?x=1')).headers.location).toBe('/reference/?x=1');
  });

  it.each([
    { url: '/../secret.txt', status: 403 },
    { url: '/%2e%2e/secret.txt', status: 403 },
    { url: '/reference/../../secret.txt', status: 403 },
    { url: '//..//secret.txt', status: 403 },
    { url: '/..%2fsecret.txt', status: 404 },
    { url: '/missing.html', status: 404 },
    { url: '/%E0%A4%A', status: 400 },
  ])('refuses $url with $status', async ({ url, status }) => {
    const response = await get(url);
    expect(response.status).toBe(status);
    expect(response.body).not.toContain('outside');
  });

  it.each([
    { url: '/style.css', type: 'text/css; charset=utf-8' },
    { url: '/asyncapi.yaml', type: 'text/yaml; charset=utf-8' },
    { url: '/movie.proto', type: 'text/plain; charset=utf-8' },
    { url: '/blob.bin', type: 'application/octet-stream' },
  ])('gives $url the content type $type', async ({ url, type }) => {
    expect((await get(url)).headers['content-type']).toBe(type);
  });

  it('answers HEAD without a body and refuses other methods with 405', async () => {
    expect(await get('/', 'HEAD')).toMatchObject({ status: 200, body: '' });
    const post = await get('/', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('stops listening once closed', async () => {
    const other = await serveSite(site, 0);
    await other.close();
    await expect(fetch(other.url)).rejects.toThrow();
  });
});
