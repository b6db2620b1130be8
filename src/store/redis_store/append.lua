-- One atomic append: dedupe by client message id, optional version guard (read only),
-- optional record compare-and-set, then the entries at the next seqs, the optional side
-- entries and the optional deadline. The log is a list whose first element is seq base + 1
-- (base: how many entries trims removed, see trim.lua; 0 when the key is absent), so seq N is
-- list index N - base - 1 and seqs are gapless.
-- The entries live in the list entries_key() names (log_format.lua: the log key, or the
-- moved list once the log was trimmed); so do each side log's.
-- KEYS: log, dedupe hash, record, version counter, schedule (a sorted set), log base, moved
--       list, guarded record, then for each side log, if any, its log key and its moved list.
-- ARGV: has id ('0'/'1'), client message id, has fingerprint ('0'/'1'), fingerprint,
--       has record ('0'/'1'), expected version ('' = must not exist), record value,
--       record ttl ms ('0' = none), schedule change ('0' none, '1' set, '2' clear),
--       scheduled member, deadline ms, has guard ('0'/'1'), guarded version ('' = must not
--       exist), then
--       without side logs: the entries...;
--       with side logs: the number of entries, the number of entries of each side log, the
--       entries..., then each side log's entries in turn.
-- The dedupe hash maps an id to 'first:last' or, with a fingerprint, 'first:last:fingerprint'.
-- The guard is checked after the dedupe hash (a retry of a stored append is a duplicate
-- whatever the guarded record holds now) and compared with the record's 'v' field as
-- record.lua writes it; the guarded record is never written.
-- Side entries go to the tail of their list: seq base + list length, whatever that log's
-- base, so the script needs no side base key. The side logs are keys of their own that may
-- hash to other slots: this needs one Redis (or a primary with replicas), not Redis Cluster.
local dedupe, record, versions, schedule = KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local log = entries_key(KEYS[1], KEYS[7])
local base = tonumber(redis.call('GET', KEYS[6]) or '0')
local has_fingerprint = ARGV[3] == '1'
local sides = (#KEYS - 8) / 2
-- Every list is found before anything is written: an unknown format fails the whole append.
local side_lists = {}
for side = 1, sides do
  side_lists[side] = entries_key(KEYS[7 + 2 * side], KEYS[8 + 2 * side])
end
local first_entry = 14
local count = #ARGV - first_entry + 1
if sides > 0 then
  first_entry = 15 + sides
  count = tonumber(ARGV[14])
end
local last_entry = first_entry + count - 1

if ARGV[1] == '1' then
  local seen = redis.call('HGET', dedupe, ARGV[2])
  if seen then
    local sep = string.find(seen, ':', 1, true)
    local sep2 = string.find(seen, ':', sep + 1, true)
    local first = tonumber(string.sub(seen, 1, sep - 1))
    local last = tonumber(string.sub(seen, sep + 1, (sep2 or 0) - 1))
    if sep2 or has_fingerprint then
      if sep2 and has_fingerprint and string.sub(seen, sep2 + 1) == ARGV[4] then
        return {'duplicate', first, last}
      end
      return {'id_conflict'}
    end
    if last - first + 1 ~= count then return {'id_conflict'} end
    -- Entries at or below the base were trimmed and cannot be compared; the kept ones are.
    local from = math.max(first, base + 1)
    if from <= last then
      local stored = redis.call('LRANGE', log, from - base - 1, last - base - 1)
      for i = 1, last - from + 1 do
        if stored[i] ~= ARGV[first_entry + from - first + i - 1] then return {'id_conflict'} end
      end
    end
    return {'duplicate', first, last}
  end
end

if ARGV[12] == '1' then
  local version = redis.call('HGET', KEYS[8], 'v')
  local held
  if ARGV[13] == '' then held = not version else held = version == ARGV[13] end
  if not held then
    if version then return {'guard_conflict', version} end
    return {'guard_conflict'}
  end
end

if ARGV[5] == '1' then
  local conflict = record_conflict(record, ARGV[6])
  if conflict then return conflict end
end

local length = 0
for i = first_entry, last_entry, 500 do
  length = redis.call('RPUSH', log, unpack(ARGV, i, math.min(i + 499, last_entry)))
end
if sides > 0 then
  local from = last_entry + 1
  for side = 1, sides do
    local to = from + tonumber(ARGV[14 + side]) - 1
    for i = from, to, 500 do
      redis.call('RPUSH', side_lists[side], unpack(ARGV, i, math.min(i + 499, to)))
    end
    from = to + 1
  end
end
local last = base + length
local first = last - count + 1
if ARGV[1] == '1' then
  local seen = string.format('%d:%d', first, last)
  if has_fingerprint then seen = seen .. ':' .. ARGV[4] end
  redis.call('HSET', dedupe, ARGV[2], seen)
end
local version = 0
if ARGV[5] == '1' then version = write_record(record, versions, ARGV[7], ARGV[8]) end
if ARGV[9] == '1' then
  redis.call('ZADD', schedule, ARGV[11], ARGV[10])
elseif ARGV[9] == '2' then
  redis.call('ZREM', schedule, ARGV[10])
end
return {'appended', first, last, version}
