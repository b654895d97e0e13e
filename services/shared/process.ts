// Process lifecycle shared by the services' main.ts: listen, announce, and close the app gracefully
// on SIGINT/SIGTERM (a second signal exits at once). It never swallows a start-up failure.
import type { FastifyInstance } from 'fastify';
import { safeRedisUrl } from './logging.ts';

export async function runService(
  service: string,
  config: { host: string; port: number; roles: readonly string[]; redisUrl: string },
  build: () => Promise<FastifyInstance>,
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
  // One plain line that people and the test harness both read.
  process.stdout.write(`${service} listening on http://${config.host}:${port} roles=${config.roles.join(',')} redis=${safeRedisUrl(config.redisUrl)}\n`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) process.exit(1);
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    app.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
