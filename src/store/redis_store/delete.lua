-- Deletes a record, only at the expected version when one is given.
-- KEYS: record. ARGV: expected version ('' = any).
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
