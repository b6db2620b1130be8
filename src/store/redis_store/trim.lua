-- Drops the entries of a log up to a seq. The log is a list whose first element is seq
-- base + 1, base being how many entries trims removed (kept in its own key, 0 when absent):
-- LTRIM removes the entries from the list's head and the base moves with them, so the kept
-- entries keep their seqs and the head (base + length) does not move. A log with a base is
-- left in the marked form of log_format.lua (list at the moved key, marker at the log key),
-- so that a build without trims fails on it instead of renumbering it.
-- KEYS: log, base, moved list. ARGV: through seq (a trim past the head stops at the head).
-- Returns how many entries were dropped.
local log, base_key, moved = KEYS[1], KEYS[2], KEYS[3]
local list = entries_key(log, moved)
local base = tonumber(redis.call('GET', base_key) or '0')
local head = base + redis.call('LLEN', list)
local through = math.min(tonumber(ARGV[1]), head)
local dropped = 0
if through > base then
  redis.call('LTRIM', list, through - base, -1)
  redis.call('SET', base_key, through)
  dropped = through - base
  base = through
end
if base > 0 and list == log then
  -- LTRIM deletes a list it empties: then there is nothing to move.
  if redis.call('EXISTS', log) == 1 then redis.call('RENAME', log, moved) end
  redis.call('SET', log, TRIMMED_LOG_MARKER)
end
return dropped
