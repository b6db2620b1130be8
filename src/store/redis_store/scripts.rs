//! The Lua scripts of the Redis backend, loaded once per store. Shared preludes
//! (`record.lua`, `log_format.lua`) are concatenated in front of the scripts that use them.

use redis::Script;

/// One [`Script`] per multi-key step; redis-rs sends `EVALSHA` and falls back to `EVAL`
/// (loading the script) when Redis does not know it yet.
pub(super) struct Scripts {
    pub(super) put: Script,
    pub(super) append: Script,
    pub(super) delete: Script,
    pub(super) incr: Script,
    pub(super) trim: Script,
    pub(super) read: Script,
    pub(super) head: Script,
    pub(super) set_replace: Script,
    pub(super) overwrite: Script,
    pub(super) reschedule: Script,
}

impl Scripts {
    pub(super) fn new() -> Self {
        let record = include_str!("record.lua");
        let log_format = include_str!("log_format.lua");
        Self {
            put: Script::new(&[record, include_str!("put.lua")].concat()),
            append: Script::new(&[record, log_format, include_str!("append.lua")].concat()),
            delete: Script::new(include_str!("delete.lua")),
            incr: Script::new(include_str!("incr.lua")),
            trim: Script::new(&[log_format, include_str!("trim.lua")].concat()),
            read: Script::new(&[log_format, include_str!("read.lua")].concat()),
            head: Script::new(&[log_format, include_str!("head.lua")].concat()),
            set_replace: Script::new(include_str!("set_replace.lua")),
            overwrite: Script::new(&[log_format, include_str!("overwrite.lua")].concat()),
            reschedule: Script::new(include_str!("reschedule.lua")),
        }
    }
}
