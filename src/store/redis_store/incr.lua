-- Fixed-window counter: the window starts when the counter is created and Redis drops the
-- key when it ends, so the next increment starts again from 0.
-- KEYS: counter. ARGV: increment, window ms.
redis.call('SET', KEYS[1], 0, 'NX', 'PX', ARGV[2])
return redis.call('INCRBY', KEYS[1], ARGV[1])
