-- Reporting's Redis Functions (library `reporting`), installed by `herald redis setup` after the runtime's
-- prelude (src/runtime/redis/functions.ts: `herald.inbox_seen`, `herald.inbox_record`). Called only with FCALL.

-- reporting_record: adds one purchase's revenue line to its movie's totals, once. A purchase is counted
-- at most once: its event id in the inbox window, or its purchase id in the purchases hash, makes it a
-- duplicate. The revenue HINCRBY runs first, so an int64 overflow refuses the event before anything is
-- written (a function's writes before an error are not rolled back).
--   keys: inbox, purchases, movie, movies
--   args: eventId, purchaseId, lineJson, movieId, title, quantity, currencyCode, amountMinor, inboxWindow
redis.register_function('reporting_record', function(keys, args)
  local inbox, purchases, movie, movies = keys[1], keys[2], keys[3], keys[4]
  local event_id, purchase_id, line_json, movie_id, title = args[1], args[2], args[3], args[4], args[5]
  local quantity, currency, amount, window = args[6], args[7], args[8], args[9]
  if herald.inbox_seen(inbox, event_id) then return 'duplicate' end
  if redis.call('HEXISTS', purchases, purchase_id) == 1 then return 'duplicate' end
  redis.call('HINCRBY', movie, 'revenue:' .. currency, amount)
  redis.call('HSETNX', purchases, purchase_id, line_json)
  redis.call('HSET', movie, 'movieId', movie_id, 'title', title)
  redis.call('HINCRBY', movie, 'quantity', quantity)
  redis.call('HINCRBY', movie, 'purchases', 1)
  redis.call('ZADD', movies, 0, movie_id)
  herald.inbox_record(inbox, event_id, window)
  return 'applied'
end)
