// Runs Reporting as a process: `node services/reporting/main.ts [--roles=api,consumer]`. Starts tracing,
// listens, logs where, and closes gracefully on SIGINT/SIGTERM. It holds no logic of its own.
import { startTracing } from '../shared/tracing.ts';

// Before fastify is loaded: the HTTP instrumentation patches node:http when fastify requires it.
const tracing = startTracing({ service: 'reporting', instrumentHttp: true });
const { runService } = await import('../shared/process.ts');
const { buildApp } = await import('./app.ts');
const { loadReportingConfig } = await import('./config.ts');

const config = loadReportingConfig();
await runService('reporting', config, () => buildApp(config), async () => tracing?.shutdown());
