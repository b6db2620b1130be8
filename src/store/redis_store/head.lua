-- The seq of a log's last entry: the entries trims removed (base) plus the list's length.
-- KEYS: log, base.
return tonumber(redis.call('GET', KEYS[2]) or '0') + redis.call('LLEN', KEYS[1])
