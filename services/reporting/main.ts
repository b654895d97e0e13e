// Runs Reporting as a process: `node services/reporting/main.ts [--roles=api,consumer]`. Listens, logs
// where, and closes gracefully on SIGINT/SIGTERM. It holds no logic of its own.
import { runService } from '../shared/process.ts';
import { buildApp } from './app.ts';
import { loadReportingConfig } from './config.ts';

const config = loadReportingConfig();
await runService('reporting', config, () => buildApp(config));
