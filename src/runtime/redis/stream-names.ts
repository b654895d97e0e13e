// Every Redis key derived from a channel, in one place: its stream, its dead-letter stream, the outbox
// that feeds it, and the consumer group of a service. Nothing else builds one of these by hand.
// It never touches Redis. Partitions (DESIGN.md §4) will change only this file: partition p of channel
// `a` becomes `{a}:p` (hash tag first), so the partition's stream, DLQ and outbox share a cluster slot;
// with one partition (the default) the keys are today's.
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

/** The consumer group of a consuming service on a channel: one per service, named after it. */
export function groupName(service: string): string {
  return service;
}
