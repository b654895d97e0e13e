// The retention trim's server side: trim a stream towards MAXLEN, but never past the first entry some
// consumer group has not yet delivered or acknowledged, atomically with the trim. Redis 7's XADD MAXLEN ~
// cannot express that. Installed as the function `herald_trim_safely` (functions.ts); never sent as EVAL.
// A group that stopped reading (every consumer idle for args[3] ms) no longer holds the stream back:
// `herald inspect` reports it as stalled. A group no one has read yet (just created) is waited for.

/**
 * Body of `herald_trim_safely(keys, args)`: keys[1] stream; args[1] max length; args[2] max ids to
 * examine; args[3] (optional) ms after which a group whose consumers are all idle is ignored. Returns the
 * entries removed.
 */
export const safeTrimLua = `local len = redis.call('XLEN', keys[1])
local maxlen = tonumber(args[1])
if len <= maxlen then return 0 end
local excess = math.min(len - maxlen, tonumber(args[2]))
local entries = redis.call('XRANGE', keys[1], '-', '+', 'COUNT', excess + 1)
if #entries == 0 then return 0 end
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function less(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
-- Cut before the first entry that must stay: the (excess+1)-th entry, or a group's first unfinished one.
local cut = entries[#entries][1]
if #entries <= excess then
  local ms, seq = parse(cut)
  cut = ms .. '-' .. (seq + 1)
end
local groups = redis.call('XINFO', 'GROUPS', keys[1])
for _, group in ipairs(groups) do
  local info = {}
  for i = 1, #group, 2 do info[group[i]] = group[i + 1] end
  local active = true
  if args[3] then
    local consumers = redis.call('XINFO', 'CONSUMERS', keys[1], info['name'])
    active = #consumers == 0
    for _, c in ipairs(consumers) do
      for i = 1, #c, 2 do
        if c[i] == 'idle' and tonumber(c[i + 1]) <= tonumber(args[3]) then active = true end
      end
    end
  end
  local keep = nil
  if not active then
    keep = nil
  elseif tonumber(info['pending']) > 0 then
    keep = redis.call('XPENDING', keys[1], info['name'])[2]
  else
    local ms, seq = parse(info['last-delivered-id'])
    keep = ms .. '-' .. (seq + 1)
  end
  if keep and less(keep, cut) then cut = keep end
end
return redis.call('XTRIM', keys[1], 'MINID', cut)`;
