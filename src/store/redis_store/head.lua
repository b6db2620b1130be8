-- The seq of a log's last entry: the entries trims removed (base) plus the list's length.
-- KEYS: log, base, moved list (see log_format.lua).
local list = entries_key(KEYS[1], KEYS[3])
return tonumber(redis.call('GET', KEYS[2]) or '0') + redis.call('LLEN', list)
