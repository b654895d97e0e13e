// Runs Catalog as a process: `node services/catalog/main.ts [--roles=...]`. Starts tracing, listens, logs
// where, and closes gracefully on SIGINT/SIGTERM. It holds no logic of its own.
import { startTracing } from '../shared/tracing.ts';

// Before fastify is loaded: the HTTP instrumentation patches node:http when fastify requires it.
const tracing = startTracing({ service: 'catalog', instrumentHttp: true });
const { runService } = await import('../shared/process.ts');
const { buildApp } = await import('./app.ts');
const { loadCatalogConfig } = await import('./config.ts');

const config = loadCatalogConfig();
await runService('catalog', config, () => buildApp(config), async () => tracing?.shutdown());
