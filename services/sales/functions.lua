-- Sales' Redis Functions (library `sales`), installed by `herald redis setup` after the runtime's prelude
-- (src/runtime/redis/functions.ts: `herald.outbox_call`, `herald.inbox_seen`, `herald.inbox_record`).
-- Called only with FCALL.

-- sales_apply: applies one catalog event to the movie projection, following the projection rule that
-- applyToRow() in projection-rule.ts states in TypeScript (projection-rule.test.ts runs one table of cases
-- against both): the row's last event id again is a duplicate with the same content digest at the same
-- version and tampered otherwise; a known event id (the inbox window) or an old version is a duplicate;
-- another id at the row's version is a conflict; anything but the next version is early; a retire needs a
-- row. A first version also enters the id index that GET /movies pages through.
--   keys: movies, inbox, index (optional)   args: movieId, eventId, version, kind ('upsert'|'retire'), rowJson, inboxWindow, digest (optional)
redis.register_function('sales_apply', function(keys, args)
  local movies, inbox, index = keys[1], keys[2], keys[3]
  local movie_id, event_id, version, kind, row_json, window, digest = args[1], args[2], tonumber(args[3]), args[4], args[5], args[6], args[7] or ''
  local stored = redis.call('HGET', movies, movie_id)
  local row = nil
  local current = 0
  if stored then
    row = cjson.decode(stored)
    current = tonumber(row.version)
    if row.lastEventId == event_id then
      if version == current and (row.lastDigest == nil or digest == '' or row.lastDigest == digest) then return {'duplicate', current} end
      return {'tampered', current}
    end
  end
  if herald.inbox_seen(inbox, event_id) then return {'duplicate', -1} end
  if row and row.lastEventId and version == current then return {'conflict', current} end
  if version <= current then return {'duplicate', current} end
  if version > current + 1 then return {'early', current} end
  if kind == 'retire' then
    if not row then return {'early', current} end
    row.status = 'retired'
    row.version = version
    row.lastEventId = event_id
    if digest ~= '' then row.lastDigest = digest else row.lastDigest = nil end
    redis.call('HSET', movies, movie_id, cjson.encode(row))
  else
    redis.call('HSET', movies, movie_id, row_json)
    if version == 1 and index then redis.call('ZADD', index, 0, movie_id) end
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
-- The id indexes are merged too.
--   keys: live movies, live inbox, new movies, new inbox, live index, new index     args: inboxWindow
redis.register_function('sales_swap', function(keys, args)
  local live_movies, live_inbox, new_movies, new_inbox, live_index, new_index = keys[1], keys[2], keys[3], keys[4], keys[5], keys[6]
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
  if live_index and new_index then
    redis.call('ZUNIONSTORE', live_index, 2, live_index, new_index)
    redis.call('DEL', new_index)
  end
  return kept
end)

-- sales_repair: the drift check's repair of one row, a compare-and-set: rewrites the row only if it is
-- still exactly what the check compared ('' = absent), so a row the live consumer changed meanwhile is
-- left alone. An empty new row deletes the row and its index entry.
--   keys: movies, index     args: movieId, expected row JSON or '', new row JSON or ''
redis.register_function('sales_repair', function(keys, args)
  local movies, index = keys[1], keys[2]
  local movie_id, expected, replacement = args[1], args[2], args[3]
  local row = redis.call('HGET', movies, movie_id)
  if (row or '') ~= expected then return 0 end
  if replacement == '' then
    redis.call('HDEL', movies, movie_id)
    redis.call('ZREM', index, movie_id)
  else
    redis.call('HSET', movies, movie_id, replacement)
    redis.call('ZADD', index, 0, movie_id)
  end
  return 1
end)
