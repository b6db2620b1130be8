//! Small helpers over [`jiff::Timestamp`] used by every state machine: deadlines that
//! saturate instead of failing, milliseconds since the Unix epoch for AgentDesktop events
//! and whole seconds between two instants.
//!
//! Time is never read here: every function takes the instants it works on.

use jiff::{SignedDuration, Timestamp};

/// The instant `seconds` after `from`, saturating at [`Timestamp::MAX`].
pub(crate) fn after(from: Timestamp, seconds: u32) -> Timestamp {
    from.checked_add(SignedDuration::from_secs(i64::from(seconds)))
        .unwrap_or(Timestamp::MAX)
}

/// Milliseconds since the Unix epoch, the unit of AgentDesktop time fields.
pub(crate) fn millis(at: Timestamp) -> i64 {
    at.as_millisecond()
}

/// Whole seconds from `earlier` to `later`, zero when `later` is not after `earlier`,
/// saturating at `u32::MAX`.
pub(crate) fn seconds_between(earlier: Timestamp, later: Timestamp) -> u32 {
    let seconds = later.duration_since(earlier).as_secs();
    u32::try_from(seconds.max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_saturates_at_the_end_of_time() {
        assert_eq!(after(Timestamp::MAX, 20), Timestamp::MAX);
    }

    #[test]
    fn seconds_between_is_zero_when_time_runs_backwards() {
        let t = Timestamp::from_second(1_000).unwrap();
        assert_eq!(seconds_between(after(t, 5), t), 0);
        assert_eq!(seconds_between(t, after(t, 5)), 5);
    }

    #[test]
    fn millis_counts_from_the_unix_epoch() {
        assert_eq!(millis(Timestamp::from_second(2).unwrap()), 2_000);
    }
}
