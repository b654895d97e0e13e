// Runs Catalog as a process: `node services/catalog/main.ts [--roles=api,relay]`. Listens, logs where,
// and closes gracefully on SIGINT/SIGTERM. It holds no logic of its own.
import { runService } from '../shared/process.ts';
import { buildApp } from './app.ts';
import { loadCatalogConfig } from './config.ts';

const config = loadCatalogConfig();
await runService('catalog', config, () => buildApp(config));
