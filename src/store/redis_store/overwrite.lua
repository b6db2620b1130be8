-- Replaces the body of one kept entry of a log: seq N is list index N - base - 1 (base: how
-- many entries trims removed, see trim.lua). An entry trimmed or past the head is left
-- alone. Reading the base and setting the element in one script keeps a concurrent trim
-- from shifting the index under the write.
-- KEYS: log, base, moved list (see log_format.lua). ARGV: seq (at least 1), body.
-- Returns 1 when the entry was replaced, 0 when it is not kept.
local list = entries_key(KEYS[1], KEYS[3])
local base = tonumber(redis.call('GET', KEYS[2]) or '0')
local index = tonumber(ARGV[1]) - base - 1
if index < 0 or index >= redis.call('LLEN', list) then return 0 end
redis.call('LSET', list, index, ARGV[2])
return 1
