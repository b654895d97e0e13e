// Wires the runtime's outbox relay (herald/runtime: createOutboxRelay) into a service: its counters and
// publish time on /metrics, and its progress on /health and /ready. It holds no relaying logic of its own.
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions, type RedisConnection } from 'herald/runtime';
import type { ServiceRuntime } from './bootstrap.ts';
import { observeRelay } from './observability.ts';

export function createServiceRelay(redis: RedisConnection, runtime: ServiceRuntime, options: Omit<OutboxRelayOptions, 'observer'>, probeName = 'relay'): OutboxRelay {
  const parked = runtime.metrics.counter('herald_outbox_parked_total', 'Outbox entries the relay could never publish, parked with a reason.', ['outbox', 'channel', 'reason']);
  const observation = observeRelay(runtime, { outbox: options.outboxKey }, probeName);
  const relay = createOutboxRelay(redis, {
    ...options,
    observer: {
      published: (channel, count, seconds) => observation.onPublished(count, seconds, channel),
      // A parked entry leaves the backlog: progress for /ready; the counter and the parked stream tell.
      parked: (reason, channel) => {
        parked.inc({ outbox: options.outboxKey, channel, reason });
        observation.onParked();
      },
    },
  });
  observation.watch(relay);
  return relay;
}
