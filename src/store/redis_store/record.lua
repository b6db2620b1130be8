-- Record helpers shared by put.lua and append.lua. A record is a hash {v = version, d = data};
-- versions come from one counter so a version is never reused, not even after a delete.

-- nil when the compare-and-set may go ahead; otherwise the reply describing the record now.
-- expected == '' means the record must not exist.
local function record_conflict(key, expected)
  local current = redis.call('HMGET', key, 'v', 'd')
  local version, data = current[1], current[2]
  if expected == '' then
    if not version then return nil end
  elseif version == expected then
    return nil
  end
  if version then return {'conflict', version, data} end
  return {'conflict'}
end

-- Replaces the record (and its expiry) and returns the new version. ttl_ms '0' = no expiry.
local function write_record(key, version_key, value, ttl_ms)
  local version = redis.call('INCR', version_key)
  redis.call('DEL', key)
  redis.call('HSET', key, 'v', version, 'd', value)
  if ttl_ms ~= '0' then redis.call('PEXPIRE', key, ttl_ms) end
  return version
end
