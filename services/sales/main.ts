// Runs Sales as a process: `node services/sales/main.ts [--roles=...]`. Starts tracing, listens, logs
// where, and closes gracefully on SIGINT/SIGTERM. It holds no logic of its own.
import { startTracing } from '../shared/tracing.ts';

// Before fastify is loaded: the HTTP instrumentation patches node:http when fastify requires it.
const tracing = startTracing({ service: 'sales', instrumentHttp: true });
const { runService } = await import('../shared/process.ts');
const { buildApp } = await import('./app.ts');
const { loadSalesConfig } = await import('./config.ts');

const config = loadSalesConfig();
await runService('sales', config, () => buildApp(config), async () => tracing?.shutdown());
