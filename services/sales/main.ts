// Runs Sales as a process: `node services/sales/main.ts [--roles=api,consumer,relay]`. Listens, logs
// where, and closes gracefully on SIGINT/SIGTERM. It holds no logic of its own.
import { runService } from '../shared/process.ts';
import { buildApp } from './app.ts';
import { loadSalesConfig } from './config.ts';

const config = loadSalesConfig();
await runService('sales', config, () => buildApp(config));
