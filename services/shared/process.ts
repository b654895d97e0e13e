// Process lifecycle shared by the services' main.ts: listen, announce, and close the app gracefully
// on SIGINT/SIGTERM (a second signal exits at once). It never swallows a start-up failure.
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { logFormat, safeRedisUrl } from './logging.ts';

export async function runService(
  service: string,
  config: { host: string; port: number; roles: readonly string[]; redisUrl: string },
  build: () => Promise<FastifyInstance>,
  /** Runs after the app closed (flushes buffered spans). */
  afterClose: () => Promise<void> = async () => {},
): Promise<void> {
  let app: FastifyInstance;
  try {
    app = await build();
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    process.stderr.write(`${service}: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // One line that people and the test harness both read, whatever LOG_LEVEL says. In the JSON stream it
  // is a JSON line like pino's, so a log pipeline never meets plain text.
  const url = `http://${config.host}:${port}`;
  const text = `${service} listening on ${url} roles=${config.roles.join(',')} redis=${safeRedisUrl(config.redisUrl)}`;
  process.stdout.write(logFormat() === 'pretty'
    ? `${text}\n`
    : `${JSON.stringify({ level: 30, time: Date.now(), service, pid: process.pid, hostname: hostname(), url, roles: config.roles, msg: text })}\n`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) process.exit(1);
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    app.close().then(afterClose).then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
