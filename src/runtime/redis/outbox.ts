// The transactional outbox as a runtime pattern: a service's atomic function writes its state and appends
// the encoded event to its outbox stream in one step; the relay (outbox-relay.ts) later publishes the entry
// to the channel the entry names. This module fixes the entry's shape and the one way a function appends.
// It never publishes to a channel itself.
import type { EncodedEvent } from '../core/envelope.ts';
import { encodedEventToFields } from '../core/envelope.ts';
import type { RedisConnection, RedisValue } from './connection.ts';
import { fcall, type WaitForReplicas } from './functions.ts';

/**
 * Field of an outbox entry that names the channel (stream address) the entry goes to. It comes first
 * and is dropped on publish: every field after it is the event's wire form, forwarded byte for byte.
 */
export const outboxChannelField = 'herald-channel';

/** The fields of one outbox entry: the channel, then the event's wire fields (envelope and data). */
export function outboxEntry(channel: string, event: EncodedEvent): RedisValue[] {
  return encodedEventToFields(event, [outboxChannelField, channel]);
}

/**
 * Lua of the prelude (functions.ts): `herald.outbox_call(keys, args)`, the one way a service function
 * appends to its outbox. fcallWithOutbox puts the outbox key first in KEYS and `n, field1..fieldn` first
 * in ARGV; the function gets back the outbox and its own keys and args, each numbered from 1, so no
 * function ever counts positional offsets:
 *
 *   redis.register_function('shop_order', function(keys, args)
 *     local outbox, k, a = herald.outbox_call(keys, args)
 *     redis.call('SET', k[1], a[1])
 *     return outbox.append()   -- the outbox entry id
 *   end)
 */
export const outboxLua = `function herald.outbox_call(keys, args)
  local n = tonumber(args[1])
  local outbox = { key = keys[1], fields = {} }
  for i = 1, n do outbox.fields[i] = args[i + 1] end
  local own_keys, own_args = {}, {}
  for i = 2, #keys do own_keys[i - 1] = keys[i] end
  for i = n + 2, #args do own_args[i - n - 1] = args[i] end
  outbox.append = function() return redis.call('XADD', outbox.key, '*', unpack(outbox.fields)) end
  return outbox, own_keys, own_args
end`;

export interface OutboxCall {
  /** The service's outbox stream key, for example `sales:outbox`. */
  outbox: string;
  /** The entry to append when the function decides to (outboxEntry()). */
  entry: readonly RedisValue[];
  /** The function's own keys and args, as it reads them (k[1], a[1], ...). */
  keys: readonly RedisValue[];
  args: readonly RedisValue[];
  /** Confirm the commit reached the replicas before answering (fcall's `waitForReplicas`). */
  waitForReplicas?: WaitForReplicas;
}

/** FCALLs a service function that uses `herald.outbox_call`. */
export async function fcallWithOutbox(redis: RedisConnection, name: string, call: OutboxCall): Promise<unknown> {
  return fcall(redis, name, [call.outbox, ...call.keys], [String(call.entry.length), ...call.entry, ...call.args], call.waitForReplicas ? { waitForReplicas: call.waitForReplicas } : {});
}
