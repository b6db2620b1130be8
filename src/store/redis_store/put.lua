-- Compare-and-set of one record.
-- KEYS: record, version counter. ARGV: expected version ('' = must not exist), value, ttl ms.
local conflict = record_conflict(KEYS[1], ARGV[1])
if conflict then return conflict end
return {'written', write_record(KEYS[1], KEYS[2], ARGV[2], ARGV[3])}
