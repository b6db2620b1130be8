-- Where a log's entries are, shared by append.lua, read.lua, head.lua and trim.lua.
--
-- An untrimmed log is the list at its `stf:log:` key, as every build wrote it. A trim moves
-- the list to the log's `stf:tlog:` key and leaves TRIMMED_LOG_MARKER, a string, at the
-- `stf:log:` key: a build that knows no trims reads a log as that list (seq N at index N - 1)
-- and would renumber a trimmed one, but a string there answers its LLEN, LRANGE and RPUSH
-- with WRONGTYPE, which it reports as a corrupt store. A log trimmed before the marker
-- existed (the list at `stf:log:` with a base) is still read where it is; its next trim moves
-- it. Any other string at `stf:log:` is a format this build does not know: it is an error
-- (code STFFORMAT), never read as empty.
local TRIMMED_LOG_MARKER = 'staffetta:trimmed-log:1'

-- The key of the list holding the entries of the log at `log` (moved: its `stf:tlog:` key).
local function entries_key(log, moved)
  local kind = redis.call('TYPE', log)['ok']
  if kind ~= 'string' then return log end
  local marker = redis.call('GET', log)
  if marker ~= TRIMMED_LOG_MARKER then
    error({err = 'STFFORMAT ' .. log .. ' holds the format marker ' .. marker ..
      ', which this build does not know (written by a newer build?)'})
  end
  return moved
end
