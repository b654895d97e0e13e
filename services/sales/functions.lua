-- Sales' Redis Functions (library `sales`), installed by `herald redis setup` after the runtime's prelude
-- (src/runtime/redis/functions.ts: `herald.outbox_call`, `herald.inbox_seen`, `herald.inbox_record`).
-- Called only with FCALL.

-- sales_apply: applies one catalog event to the movie projection, following the projection rule that
-- applyToRow() in projection-rule.ts states in TypeScript (projection-rule.test.ts runs one table of cases
-- against both): a known event id (the inbox window, or the row's last applied id) or an old version is a
-- duplicate; anything but the next version is early; a retire needs a row.
--   keys: movies, inbox        args: movieId, eventId, version, kind ('upsert'|'retire'), rowJson, inboxWindow
redis.register_function('sales_apply', function(keys, args)
  local movies, inbox = keys[1], keys[2]
  local movie_id, event_id, version, kind, row_json, window = args[1], args[2], tonumber(args[3]), args[4], args[5], args[6]
  if herald.inbox_seen(inbox, event_id) then return {'duplicate', -1} end
  local stored = redis.call('HGET', movies, movie_id)
  local row = nil
  local current = 0
  if stored then
    row = cjson.decode(stored)
    current = tonumber(row.version)
    if row.lastEventId == event_id then return {'duplicate', current} end
  end
  if version <= current then return {'duplicate', current} end
  if version > current + 1 then return {'early', current} end
  if kind == 'retire' then
    if not row then return {'early', current} end
    row.status = 'retired'
    row.version = version
    row.lastEventId = event_id
    redis.call('HSET', movies, movie_id, cjson.encode(row))
  else
    redis.call('HSET', movies, movie_id, row_json)
  end
  herald.inbox_record(inbox, event_id, window)
  return {'applied', version}
end)

-- sales_purchase: re-checks the projection row (still active, same version), stores the purchase once
-- (SET NX, never rewritten) and appends PurchaseCompleted to the outbox.
--   keys: movies, purchase     args: movieId, expectedVersion, purchaseJson
redis.register_function('sales_purchase', function(keys, args)
  local outbox, k, a = herald.outbox_call(keys, args)
  local movies, purchase = k[1], k[2]
  local movie_id, expected, purchase_json = a[1], tonumber(a[2]), a[3]
  local stored = redis.call('HGET', movies, movie_id)
  if not stored then return {'missing'} end
  local movie = cjson.decode(stored)
  if movie.status ~= 'active' then return {'retired'} end
  if tonumber(movie.version) ~= expected then return {'stale'} end
  if not redis.call('SET', purchase, purchase_json, 'NX') then return {'exists'} end
  outbox.append()
  return {'ok'}
end)

-- sales_swap: swaps a rebuilt projection in. Live rows the consumer applied after the replay's end (a
-- higher version) are carried over, so the swap never moves a movie backwards; the inboxes are merged and
-- cut to the window.
--   keys: live movies, live inbox, new movies, new inbox     args: inboxWindow
redis.register_function('sales_swap', function(keys, args)
  local live_movies, live_inbox, new_movies, new_inbox = keys[1], keys[2], keys[3], keys[4]
  local window = tonumber(args[1])
  local live = redis.call('HGETALL', live_movies)
  local kept = 0
  for i = 1, #live, 2 do
    local rebuilt = redis.call('HGET', new_movies, live[i])
    if (not rebuilt) or tonumber(cjson.decode(live[i + 1]).version) > tonumber(cjson.decode(rebuilt).version) then
      redis.call('HSET', new_movies, live[i], live[i + 1])
      kept = kept + 1
    end
  end
  if redis.call('EXISTS', new_movies) == 1 then redis.call('RENAME', new_movies, live_movies) end
  if redis.call('EXISTS', new_inbox) == 1 then
    redis.call('ZUNIONSTORE', live_inbox, 2, live_inbox, new_inbox, 'AGGREGATE', 'MAX')
    redis.call('ZREMRANGEBYRANK', live_inbox, 0, -(window + 1))
    redis.call('DEL', new_inbox)
  end
  return kept
end)
