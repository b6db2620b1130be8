-- Drops the entries of a log up to a seq. The log is a list whose first element is seq
-- base + 1, base being how many entries trims removed (kept in its own key, 0 when absent):
-- LTRIM removes the entries from the list's head and the base moves with them, so the kept
-- entries keep their seqs and the head (base + length) does not move.
-- KEYS: log, base. ARGV: through seq (a trim past the head stops at the head).
-- Returns how many entries were dropped.
local log, base_key = KEYS[1], KEYS[2]
local base = tonumber(redis.call('GET', base_key) or '0')
local head = base + redis.call('LLEN', log)
local through = math.min(tonumber(ARGV[1]), head)
if through <= base then return 0 end
redis.call('LTRIM', log, through - base, -1)
redis.call('SET', base_key, through)
return through - base
