-- Up to a limit of entries after a seq: seq N is list index N - base - 1 (base: how many
-- entries trims removed, see trim.lua). Reading from before the trimmed point starts at the
-- first kept entry. Reading the base and the list in one script keeps a concurrent trim from
-- shifting the seqs under the read.
-- KEYS: log, base, moved list (see log_format.lua). ARGV: after seq, limit (at least 1).
-- Returns {seq of the first entry returned (0: none), {bodies...}}.
local list = entries_key(KEYS[1], KEYS[3])
local base = tonumber(redis.call('GET', KEYS[2]) or '0')
local length = redis.call('LLEN', list)
local start = math.max(tonumber(ARGV[1]) - base, 0)
if start >= length then return {0, {}} end
local stop = math.min(start + tonumber(ARGV[2]), length) - 1
return {base + start + 1, redis.call('LRANGE', list, start, stop)}
