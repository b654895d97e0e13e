-- Catalog's Redis Functions (library `catalog`), installed by `herald redis setup` after the runtime's
-- prelude (src/runtime/redis/functions.ts), which gives `herald.outbox_call`. Called only with FCALL.

-- catalog_append: appends one movie event if the movie is still at the expected version, together with
-- its snapshot (every `snapshotEvery` events), the read model, the creation index and the outbox entry.
-- All of it or none of it.
--   keys: events, snapshots, current, index, seq
--   args: movieId, expectedVersion, eventJson, stateJson, snapshotEvery
redis.register_function('catalog_append', function(keys, args)
  local outbox, k, a = herald.outbox_call(keys, args)
  local events, snapshots, current, index, seq = k[1], k[2], k[3], k[4], k[5]
  local movie_id, expected, event_json, state_json, every = a[1], tonumber(a[2]), a[3], a[4], tonumber(a[5])
  local at = redis.call('LLEN', events)
  if at ~= expected then return {'conflict', at} end
  redis.call('RPUSH', events, event_json)
  local version = at + 1
  if every > 0 and version % every == 0 then redis.call('ZADD', snapshots, version, state_json) end
  redis.call('HSET', current, movie_id, state_json)
  if version == 1 then redis.call('ZADD', index, redis.call('INCR', seq), movie_id) end
  return {'ok', version, outbox.append()}
end)
