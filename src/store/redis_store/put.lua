-- Compare-and-set of one record, and optionally a deadline moved with it.
-- KEYS: record, version counter[, schedule (a sorted set)].
-- ARGV: expected version ('' = must not exist), value, ttl ms[, schedule change ('1' set,
--       '2' clear), member, deadline ms]. The deadline changes only when the record is written.
local conflict = record_conflict(KEYS[1], ARGV[1])
if conflict then return conflict end
local version = write_record(KEYS[1], KEYS[2], ARGV[2], ARGV[3])
if ARGV[4] == '1' then
  redis.call('ZADD', KEYS[3], ARGV[6], ARGV[5])
elseif ARGV[4] == '2' then
  redis.call('ZREM', KEYS[3], ARGV[5])
end
return {'written', version}
