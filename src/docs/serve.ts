// The built portal's static server (`herald docs --serve`): fastify with @fastify/static, localhost only.
// It serves files under the site folder and nothing else; @fastify/static refuses paths that leave it.
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';
import { extname, resolve } from 'node:path';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.yaml': 'text/yaml; charset=utf-8',
  '.proto': 'text/plain; charset=utf-8',
};

export interface SiteServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `siteDir` on 127.0.0.1; port 0 picks a free one. A folder means its index.html. A path out of
 * the folder is 403, a missing file 404, a malformed URL 400, a method other than GET or HEAD 405.
 */
export async function serveSite(siteDir: string, port = 4000, host = '127.0.0.1'): Promise<SiteServer> {
  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    // `//` is `/` (a portal opened at `http://host//` links to `//messages/…`); @fastify/static refuses
    // empty segments, so they are collapsed before routing. `..` is still refused after this.
    rewriteUrl: (request) => (request.url ?? '/').replace(/^[^?]*/, (path) => path.replace(/\/{2,}/g, '/')),
  });
  await app.register(fastifyStatic, {
    root: resolve(siteDir),
    index: 'index.html',
    // A folder without its trailing slash redirects to it, so the page's relative links resolve.
    redirect: true,
    // The site is rebuilt in place; never let a browser show a stale page.
    cacheControl: false,
    setHeaders: (reply, path) => {
      reply.header('content-type', contentTypes[extname(path).toLowerCase()] ?? 'application/octet-stream');
      reply.header('cache-control', 'no-cache');
    },
  });
  app.setNotFoundHandler((request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply.code(405).header('allow', 'GET, HEAD').send();
    return reply.code(404).type('text/plain; charset=utf-8').send('Not found\n');
  });
  await app.listen({ port, host });
  const actual = app.server.address() as { port: number };
  return {
    url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${actual.port}/`,
    port: actual.port,
    close: () => app.close(),
  };
}
