//! How values become script and command arguments of the Redis backend: keys, integers,
//! TTLs, expected versions, deadline changes, and sorted-set scores back to milliseconds.

use std::time::Duration;

use crate::store::{ScheduleWrite, StoreResult};

/// The Redis key of `name` of one kind (`rec`, `log`, `sched`, ...).
pub(super) fn key(kind: &str, name: &str) -> String {
    format!("stf:{kind}:{name}")
}

/// `n` as a Redis integer argument, saturating.
pub(super) fn redis_int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) fn ttl_arg(ttl: Option<Duration>) -> StoreResult<String> {
    Ok(match ttl {
        None => "0".to_owned(),
        Some(ttl) => crate::store::ttl_ms(ttl)?.to_string(),
    })
}

pub(super) fn version_arg(expected: Option<u64>) -> String {
    expected
        .map(|version| version.to_string())
        .unwrap_or_default()
}

/// A sorted-set score back to milliseconds (scores we write are whole numbers).
#[expect(
    clippy::cast_possible_truncation,
    reason = "scores are whole milliseconds we wrote"
)]
pub(super) fn score_ms(score: f64) -> i64 {
    score as i64
}

/// The three script arguments of a deadline change (`'1'` set, `'2'` clear, `'0'` none; the
/// member; the deadline in ms), as put.lua and append.lua read them.
pub(super) fn schedule_args(
    invocation: &mut redis::ScriptInvocation<'_>,
    change: Option<&ScheduleWrite>,
) {
    match change {
        Some(change) => match change.due_ms {
            Some(due_ms) => invocation.arg("1").arg(change.member.as_str()).arg(due_ms),
            None => invocation.arg("2").arg(change.member.as_str()).arg("0"),
        },
        None => invocation.arg("0").arg("").arg("0"),
    };
}
