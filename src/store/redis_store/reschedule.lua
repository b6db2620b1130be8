-- Compare-and-set of one deadline: when ARGV[1] is scheduled at exactly ARGV[2] (ms), its
-- deadline becomes ARGV[3] (ms), or it is removed when ARGV[3] is empty; otherwise nothing
-- is written.
-- KEYS: schedule. ARGV: member, expected deadline, new deadline or ''. Returns 1 when
-- changed, 0 when the member was absent or at another deadline.
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) ~= tonumber(ARGV[2]) then
  return 0
end
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
end
return 1
