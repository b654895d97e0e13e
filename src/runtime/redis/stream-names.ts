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
