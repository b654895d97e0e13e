// Retention that never loses work: trim a stream towards MAXLEN, but never past the first entry that
// some consumer group has not yet delivered or acknowledged. Redis 7's XADD MAXLEN ~ cannot express
// that, so the cut is computed in one Lua script, atomically with the trim.

import type { RedisConnection } from './connection.ts';

// KEYS[1] stream; ARGV[1] max length; ARGV[2] max ids to examine in one call.
// Returns the number of entries removed.
const SAFE_TRIM = `
local len = redis.call('XLEN', KEYS[1])
local maxlen = tonumber(ARGV[1])
if len <= maxlen then return 0 end
local excess = math.min(len - maxlen, tonumber(ARGV[2]))
local entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', excess + 1)
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
local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
for _, group in ipairs(groups) do
  local info = {}
  for i = 1, #group, 2 do info[group[i]] = group[i + 1] end
  local keep
  if tonumber(info['pending']) > 0 then
    keep = redis.call('XPENDING', KEYS[1], info['name'])[2]
  else
    local ms, seq = parse(info['last-delivered-id'])
    keep = ms .. '-' .. (seq + 1)
  end
  if less(keep, cut) then cut = keep end
end
return redis.call('XTRIM', KEYS[1], 'MINID', cut)
`;

/** Trims `stream` towards `maxLen` without dropping entries a group still needs. */
export async function trimSafely(redis: RedisConnection, stream: string, maxLen: number, scanLimit = 10_000): Promise<number> {
  const removed = await redis.eval(SAFE_TRIM, { keys: [stream], arguments: [String(maxLen), String(scanLimit)] });
  return Number(removed);
}
