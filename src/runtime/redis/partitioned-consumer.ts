// A consumer of a partitioned channel: it joins the group's membership (partition-group.ts) and runs one
// ordinary consumer (consumer.ts) per partition it owns. On assignment it first takes over the
// partition's pending entries left by the previous owner, so they are handled before anything new; on
// revocation it stops that partition's consumer, which finishes and acks what is in flight. With one
// partition it is exactly the ordinary consumer: same keys, no group membership.
import type { ChannelDefinition, ConsumerStats } from '../core/types.ts';
import { createConsumer, type Consumer, type ConsumerOptions } from './consumer.ts';
import type { RedisConnection } from './connection.ts';
import { createPartitionGroup, readGroupOwnership, type GroupOwnership, type PartitionGroup, type RevokeReason } from './partition-group.ts';
import { partitionStreamKey } from './stream-names.ts';

export interface PartitionedConsumerOptions<C extends ChannelDefinition> extends ConsumerOptions<C> {
  /** Group timing; see partition-group.ts for the defaults and why. */
  sessionTimeoutMs?: number;
  heartbeatMs?: number;
}

export interface PartitionedConsumer<C extends ChannelDefinition> extends Consumer<C> {
  /** Partitions this instance owns now. */
  owned(): number[];
  /** Members and owners of the whole group. */
  ownership(): Promise<GroupOwnership>;
  /** Stats of each owned partition. */
  partitionStats(): Promise<Map<number, ConsumerStats>>;
  /**
   * Calls `listener` once this instance has started to own a partition ('assigned') and once it has
   * given one up (the revoke reason); returns the unsubscribe. A one-partition consumer never calls it.
   * Listener errors are swallowed: they must not stop the group.
   */
  onPartitionChange(listener: (partition: number, change: PartitionChange) => void): () => void;
}

/** What happened to a partition this instance owns: it was assigned, or revoked for a reason. */
export type PartitionChange = 'assigned' | RevokeReason;

/** Entries moved per XAUTOCLAIM page when a partition changes hands. */
const TAKEOVER_PAGE = 500;

export function createPartitionedConsumer<C extends ChannelDefinition>(
  redis: RedisConnection,
  channel: C,
  options: PartitionedConsumerOptions<C>,
): PartitionedConsumer<C> {
  const partitions = channel.partitions ?? 1;
  const running = new Map<number, Consumer<C>>();
  const partitionChannel = (p: number): C => ({ ...channel, address: partitionStreamKey(channel, p, partitions), partitions: 1 });
  const { group, consumer: member } = options;
  const listeners = new Set<(partition: number, change: PartitionChange) => void>();
  const changed = (p: number, change: PartitionChange) => {
    for (const listener of listeners) {
      try {
        listener(p, change);
      } catch {
        // A listener (metrics) never breaks the group.
      }
    }
  };

  /** Moves every pending entry of the partition to this member: the lease says no one else works on it. */
  const takeOver = async (stream: string) => {
    let cursor = '0-0';
    do {
      const reply = await redis
        .sendCommand(['XAUTOCLAIM', stream, group, member, '0', cursor, 'COUNT', String(TAKEOVER_PAGE), 'JUSTID'])
        .catch((error: unknown) => (String(error).includes('NOGROUP') ? null : Promise.reject(error)));
      if (reply === null) return;
      // JUSTID: only ownership moves; the delivery is counted when the consumer reads them.
      cursor = String((reply as unknown as unknown[])[0]);
    } while (cursor !== '0-0');
  };

  const membership: PartitionGroup | undefined =
    partitions === 1
      ? undefined
      : createPartitionGroup(redis, {
          channel: channel.address,
          group,
          member,
          partitions,
          ...(options.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
          ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
          ...(options.logger ? { logger: options.logger } : {}),
          async onAssign(p) {
            const partition = partitionChannel(p);
            const consumer = createConsumer(redis, partition, options);
            running.set(p, consumer);
            await consumer.start();
            // After start (the group exists): the previous owner's pending entries become this member's
            // own, which the consumer handles first, in stream order, on its next claim pass.
            await takeOver(partition.address);
            changed(p, 'assigned');
          },
          async onRevoke(p, reason) {
            const consumer = running.get(p);
            running.delete(p);
            await consumer?.stop();
            changed(p, reason);
          },
        });
  const single = membership ? undefined : createConsumer(redis, channel, options);

  return {
    channel,
    async start() {
      if (single) return single.start();
      await membership!.start();
    },
    async stop() {
      if (single) return single.stop();
      await membership!.stop();
    },
    owned: () => (membership ? membership.owned() : [0]),
    onPartitionChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    ownership: () => readGroupOwnership(redis, channel.address, group, partitions),
    async partitionStats() {
      const stats = new Map<number, ConsumerStats>();
      if (single) stats.set(0, await single.stats());
      for (const [p, consumer] of running) stats.set(p, await consumer.stats());
      return stats;
    },
    async stats() {
      const all = [...(await this.partitionStats()).values()];
      const sum = (pick: (s: ConsumerStats) => number) => all.reduce((total, s) => total + pick(s), 0);
      const lags = all.map((s) => s.lag);
      return {
        handled: sum((s) => s.handled),
        failed: sum((s) => s.failed),
        infraFailed: sum((s) => s.infraFailed),
        deadLettered: sum((s) => s.deadLettered),
        reclaimed: sum((s) => s.reclaimed),
        held: sum((s) => s.held),
        pending: sum((s) => s.pending),
        lag: lags.some((l) => l === null) ? null : lags.reduce<number>((t, l) => t + (l ?? 0), 0),
        running: all.some((s) => s.running) || (membership !== undefined && all.length === 0),
        deadLetters: sum((s) => s.deadLetters),
        deadLetterAlarm: all.some((s) => s.deadLetterAlarm),
      };
    },
  };
}
