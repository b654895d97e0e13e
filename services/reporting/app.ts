// Reporting as a fastify app: buildApp(config) opens Redis and, by role, registers the revenue routes and
// the sales purchase consumer. It is the third service of the repository: its folder, its manifest and
// the runtime's patterns (consumer, bounded inbox, Redis Functions) are all it needs. It never listens.
import type { FastifyInstance } from 'fastify';
import { traceLogging } from 'herald/runtime';
import { createReportingService } from '../../generated/services/reporting.ts';
import { consumerPlugin, openServiceApp, ownLibrary } from '../shared/bootstrap.ts';
import type { ReportingConfig } from './config.ts';
import { createSalesPurchaseHandlers } from './handlers.ts';
import { createRevenueLedger } from './ledger.ts';
import { registerReportingRoutes } from './routes.ts';

export async function buildApp(config: ReportingConfig): Promise<FastifyInstance> {
  const { app, redis, runtime } = await openServiceApp('reporting', config, ownLibrary('reporting', import.meta.url));
  const ledger = createRevenueLedger(redis, { inboxWindow: config.inboxWindow });

  if (config.roles.includes('api')) registerReportingRoutes(app, { ledger });
  if (config.roles.includes('consumer')) {
    const outcomes = 'Purchase events by outcome (applied, duplicate).';
    const consumer = createReportingService(redis).consumeSalesPurchase({
      consumer: config.consumerName,
      handlers: createSalesPurchaseHandlers(ledger, { outcome: (outcome) => runtime.metrics.inc('herald_revenue_events_total', outcomes, { outcome }) }),
      middleware: [traceLogging(app.log)],
      logger: runtime.quietLog,
      config: { minIdleMs: config.consumerMinIdleMs, batchSize: config.consumerBatch, claimIntervalMs: Math.min(5000, config.consumerMinIdleMs) },
    });
    await app.register(consumerPlugin(runtime, 'consumer', consumer));
  }
  return app;
}
