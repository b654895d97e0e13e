// Channel definitions as generated code declares them, and the message lookups every transport needs.
// Keys derived from a channel (stream, dead-letter stream, groups) live in redis/stream-names.ts.
import { HeraldError } from './errors.ts';
import type { ChannelDefinition, MessageDefinition } from './types.ts';

/** Identity function that keeps the literal message names of a generated channel. */
export function defineChannel<const M extends Record<string, MessageDefinition<any>>>(definition: ChannelDefinition<M>): ChannelDefinition<M> {
  return Object.freeze(definition);
}

/** The message of `channel` called `name`, or a typed error naming the channel. */
export function messageByName(channel: ChannelDefinition, name: string): MessageDefinition<any> {
  const message = channel.messages[name];
  if (!message) {
    throw new HeraldError('HERALD_ERR_UNKNOWN_MESSAGE', `channel ${channel.address} has no message "${name}"`, { channel: channel.address, name });
  }
  return message;
}

const byTypeCache = new WeakMap<ChannelDefinition, Map<string, MessageDefinition<any>>>();

/** The message of `channel` whose CloudEvents `type` is `type`, or undefined. */
export function messageByType(channel: ChannelDefinition, type: string): MessageDefinition<any> | undefined {
  let index = byTypeCache.get(channel);
  if (!index) {
    index = new Map(Object.values(channel.messages).map((m) => [m.type, m]));
    byTypeCache.set(channel, index);
  }
  return index.get(type);
}
