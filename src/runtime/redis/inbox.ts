// A bounded inbox as a runtime pattern: the ids of the events a consumer applied recently, kept in a
// sorted set cut to a window, written in the same atomic function as the effect. Together with a
// per-aggregate "last applied" mark (a version, an id) it catches every redelivery without growing
// forever: a redelivery inside the window is caught by its id, an older one by the aggregate's mark.
// It never decides what an event does; the service function does.

/**
 * 100 000 ids: a redelivery comes from a crash or a duplicate publish within minutes; at 100 events/s
 * the window still spans over 15 minutes, for about 13.6 MB of Redis memory (measured: 136 B per id).
 */
export const defaultInboxWindow = 100_000;

/**
 * Lua of the prelude (functions.ts):
 * - `herald.inbox_seen(key, id)`: true when `id` is in the window;
 * - `herald.inbox_record(key, id, window)`: adds `id` (scored by the server clock) and cuts the set
 *   to the newest `window` ids.
 */
export const inboxLua = `function herald.inbox_seen(key, id)
  return redis.call('ZSCORE', key, id) ~= false
end
function herald.inbox_record(key, id, window)
  local now = redis.call('TIME')
  redis.call('ZADD', key, tonumber(now[1]) * 1000000 + tonumber(now[2]), id)
  redis.call('ZREMRANGEBYRANK', key, 0, -(tonumber(window) + 1))
end`;
