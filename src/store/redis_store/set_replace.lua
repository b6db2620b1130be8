-- Replaces a set member in one step: when ARGV[1] is a member, it is removed and ARGV[2]
-- added; otherwise nothing is written.
-- KEYS: set. ARGV: old member, new member. Returns 1 when replaced, 0 when old was absent.
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('SADD', KEYS[1], ARGV[2])
return 1
