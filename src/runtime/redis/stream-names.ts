// Every Redis key derived from a channel, in one place: its stream, its dead-letter stream, the outbox
// that feeds it, and the consumer group of a service. Nothing else builds one of these by hand.
// It never touches Redis. Partitions (DESIGN.md §4): partition p of channel `a` is the stream `{a#p}`,
// whose hash tag `a#p` also tags its DLQ, its group lease and the outbox partition that feeds it, so they
// share one cluster slot while different partitions spread over the cluster. With one partition (the
// default) the keys are today's.
import type { ChannelDefinition } from '../core/types.ts';

/** Suffix of a dead-letter stream: `<stream>.dlq`. */
export const DEAD_LETTER_SUFFIX = '.dlq';

type ChannelRef = Pick<ChannelDefinition, 'address'> | string;

const addressOf = (channel: ChannelRef): string => (typeof channel === 'string' ? channel : channel.address);

/** The stream a channel's events are published to (its AsyncAPI address). */
export function streamKey(channel: ChannelRef): string {
  return addressOf(channel);
}

/** The dead-letter stream of a channel: entries its consumers could not process, with the reason. */
export function deadLetterKey(channel: ChannelRef): string {
  return `${streamKey(channel)}${DEAD_LETTER_SUFFIX}`;
}

/** True for a dead-letter stream's key. */
export function isDeadLetterKey(key: string): boolean {
  return key.endsWith(DEAD_LETTER_SUFFIX);
}

/** The stream whose dead letters `key` holds. */
export function streamOfDeadLetterKey(key: string): string {
  return isDeadLetterKey(key) ? key.slice(0, -DEAD_LETTER_SUFFIX.length) : key;
}

/** A service's outbox stream: the events its commands committed, waiting for the relay. */
export function outboxKey(service: string): string {
  return `${service}:outbox`;
}

/** Where a relay parks the outbox entries it can never publish: beside the outbox, under its key prefix. */
export function parkedStream(outbox: string): string {
  return `${outbox}:parked`;
}

/** The consumer group of a consuming service on a channel: one per service, named after it. */
export function groupName(service: string): string {
  return service;
}

/** The hash tag of partition `partition` of a channel: `a#p`. Keys that must share its slot embed `{a#p}`. */
export function partitionTag(channel: ChannelRef, partition: number): string {
  return `${addressOf(channel)}#${partition}`;
}

/**
 * The stream of one partition: `{a#p}` when the channel has more than one partition; the plain address
 * when it has one, so single-partition channels keep their keys.
 */
export function partitionStreamKey(channel: ChannelRef, partition: number, partitions: number): string {
  return partitions <= 1 ? streamKey(channel) : `{${partitionTag(channel, partition)}}`;
}

/** The sorted set of a group's live members on a partitioned channel (member -> heartbeat expiry, ms). */
export function groupMembersKey(channel: ChannelRef, group: string): string {
  return `herald:group:{${addressOf(channel)}}:${group}:members`;
}

/** The lease that makes one member of `group` the owner of a partition; shares the partition's slot. */
export function partitionLeaseKey(channel: ChannelRef, group: string, partition: number): string {
  return `herald:lease:{${partitionTag(channel, partition)}}:${group}`;
}

/** Every stream of a channel: its address with one partition, `{a#0}` ... `{a#n-1}` with more. */
export function channelStreamKeys(channel: ChannelRef, partitions: number): string[] {
  return Array.from({ length: Math.max(1, partitions) }, (_, p) => partitionStreamKey(channel, p, partitions));
}

/**
 * How a service lays out the keys it writes together with a channel's outbox (DESIGN.md §4, docs/scale-out.md):
 * `partitions` of the channel its aggregates map to, and whether the keys carry a hash tag. Untagged (one
 * partition on a single node) keeps today's keys; tagged keys of partition p embed `{a#p}`, so one
 * aggregate's keys, the outbox partition they feed and that outbox's parked stream share one cluster slot.
 */
export interface ServiceKeyLayout {
  /** The service, the first segment of every key (its ACL key prefix). */
  readonly service: string;
  /** The channel whose partitions the service's aggregates follow (Catalog: its own; Sales: its purchases'). */
  readonly channel: string;
  readonly partitions: number;
  /** True when the keys carry the partition's hash tag: more than one partition, or any Redis Cluster. */
  readonly tagged: boolean;
}

/** The layout of `service`'s keys along `channel`: tagged when it has partitions or runs on a cluster. */
export function serviceKeyLayout(service: string, channel: Pick<ChannelDefinition, 'address' | 'partitions'>, options: { cluster?: boolean } = {}): ServiceKeyLayout {
  const partitions = Math.max(1, channel.partitions ?? 1);
  return { service, channel: channel.address, partitions, tagged: partitions > 1 || options.cluster === true };
}

/** The partitions of a layout, 0 ... n-1. */
export function layoutPartitions(layout: ServiceKeyLayout): number[] {
  return Array.from({ length: layout.partitions }, (_, p) => p);
}

/**
 * One of a service's keys in partition `partition`: `<service>:{a#p}:<parts>` when the layout is tagged,
 * `<service>:<parts>` (today's key) when not.
 */
export function servicePartitionKey(layout: ServiceKeyLayout, partition: number, ...parts: string[]): string {
  return layout.tagged ? `${layout.service}:{${partitionTag(layout.channel, partition)}}:${parts.join(':')}` : `${layout.service}:${parts.join(':')}`;
}

/** The outbox of partition `partition`: `<service>:outbox:{a#p}` when tagged, `<service>:outbox` when not. */
export function partitionOutboxKey(layout: ServiceKeyLayout, partition: number): string {
  return layout.tagged ? `${outboxKey(layout.service)}:{${partitionTag(layout.channel, partition)}}` : outboxKey(layout.service);
}

/** Every outbox of a layout, one per partition (one relay reads each). */
export function layoutOutboxKeys(layout: ServiceKeyLayout): string[] {
  return layoutPartitions(layout).map((p) => partitionOutboxKey(layout, p));
}
