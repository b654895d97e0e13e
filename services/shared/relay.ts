// Wires the runtime's outbox relay (herald/runtime: createOutboxRelay) into a service: its counters on
// /metrics and its status on /health. It holds no relaying logic of its own.
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions, type RedisConnection } from 'herald/runtime';
import type { MetricsRegistry } from './metrics.ts';
import type { HealthCheck } from './observability.ts';

export function createServiceRelay(
  redis: RedisConnection,
  options: Omit<OutboxRelayOptions, 'observer'> & { metrics: MetricsRegistry },
): { relay: OutboxRelay; health: HealthCheck } {
  const { metrics, ...relayOptions } = options;
  const published = 'Outbox entries published to their channel.';
  const parked = 'Outbox entries the relay could never publish, parked with a reason.';
  metrics.declare('herald_outbox_published_total', published);
  metrics.declare('herald_outbox_parked_total', parked);
  const relay = createOutboxRelay(redis, {
    ...relayOptions,
    observer: {
      published: (_channel, count) => metrics.inc('herald_outbox_published_total', published, {}, count),
      parked: (reason, channel) => metrics.inc('herald_outbox_parked_total', parked, { reason, channel }),
    },
  });
  metrics.collect(async () => {
    metrics.set('herald_outbox_backlog', 'Outbox entries waiting to be published.', await relay.backlog(), { outbox: options.outboxKey });
  });
  // A parked entry does not fail /health: the relay goes on; the counter and the parked stream tell.
  const health: HealthCheck = { name: 'relay', check: async () => {
    const status = await relay.status();
    return { ok: status.running, ...status };
  } };
  return { relay, health };
}
