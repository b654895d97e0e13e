// Reporting as a fastify app: buildApp(config) opens Redis and, by role, registers the revenue routes and
// the sales purchase consumer. It is the third service of the repository: its folder, its manifest and
// the runtime's patterns (consumer, bounded inbox, Redis Functions) are all it needs. It never listens.
import type { FastifyInstance } from 'fastify';
import { isClusterConnection, traceLogging } from 'herald/runtime';
import { createReportingService } from '../../generated/services/reporting.ts';
import { salesPurchase } from '../../generated/channels/sales-purchase.ts';
import { consumerObservation, consumerPlugin, openServiceApp, ownLibrary } from '../shared/bootstrap.ts';
import type { ReportingConfig } from './config.ts';
import { createSalesPurchaseHandlers } from './handlers.ts';
import { createRevenueLedger, reportingKeysFor, reportingLayout } from './ledger.ts';
import { registerReportingRoutes } from './routes.ts';

export async function buildApp(config: ReportingConfig): Promise<FastifyInstance> {
  const { app, redis, runtime } = await openServiceApp('reporting', config, ownLibrary('reporting', import.meta.url));
  const ledger = createRevenueLedger(redis, { inboxWindow: config.inboxWindow, keys: reportingKeysFor(reportingLayout({ cluster: isClusterConnection(redis) })), ...(config.waitForReplicas ? { waitForReplicas: config.waitForReplicas } : {}) });

  if (config.roles.includes('api')) registerReportingRoutes(app, { ledger });
  if (config.roles.includes('consumer')) {
    const outcomes = runtime.metrics.counter('herald_revenue_events_total', 'Purchase events by outcome (applied, duplicate).', ['outcome']);
    const observation = consumerObservation(runtime, redis, salesPurchase, { group: 'reporting', consumer: config.consumerName });
    const consumer = createReportingService(redis).consumeSalesPurchase({
      group: 'reporting',
      consumer: config.consumerName,
      handlers: createSalesPurchaseHandlers(ledger, { outcome: (outcome) => outcomes.inc({ outcome }) }),
      // Each purchase is handled in its own span (a child of Sales' producer span), timed, and logged with its trace ids.
      middleware: [...observation.middleware, traceLogging(app.log)],
      onOutcome: observation.onOutcome,
      logger: runtime.quietLog,
      config: { minIdleMs: config.consumerMinIdleMs, batchSize: config.consumerBatch, claimIntervalMs: Math.min(5000, config.consumerMinIdleMs) },
    });
    await app.register(consumerPlugin(observation, consumer));
  }
  return app;
}
