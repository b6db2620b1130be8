//! When a webhook delivery is tried again, and how long to wait first: pure rules, so they
//! are tested without a network or a clock.
//!
//! An attempt that gets no HTTP answer (no connection, a timeout, a TLS handshake that fails:
//! unknown issuer, expired certificate, host name mismatch) is always a transient failure:
//! certificates get fixed (renewed on the receiver, or its CA added to `webhook.ca_file` and
//! the server restarted), and an item refused for good would be lost for good. The outbox
//! keeps the item at its head meanwhile, so nothing behind it is lost either; the failure is
//! logged every round with its reason.

use std::time::Duration;

use axum::http::StatusCode;

/// Longest wait between two attempts, whatever the configured backoff.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Shortest pause of the outbox between two failed rounds of attempts, even with a zero
/// backoff, so a dead receiver is never polled in a busy loop.
pub const MIN_ROUND_PAUSE: Duration = Duration::from_millis(100);

/// Attempts and waits of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// Wait before the second attempt; it doubles for each further one, up to [`MAX_BACKOFF`].
    pub first_backoff: Duration,
}

/// What one attempt's outcome means for the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Delivered.
    Delivered,
    /// A transient failure: try again if attempts are left.
    Retry,
    /// The receiver refused for good: do not try again.
    Refused,
}

impl RetryPolicy {
    /// The wait before attempt `next` (2 for the first retry), or `None` when no attempt is
    /// left.
    pub fn backoff_before(&self, next: u32) -> Option<Duration> {
        if next < 2 || next > self.max_attempts {
            return None;
        }
        let doublings = next - 2;
        let factor = 2u32.checked_pow(doublings).unwrap_or(u32::MAX);
        Some(
            self.first_backoff
                .checked_mul(factor)
                .unwrap_or(MAX_BACKOFF)
                .min(MAX_BACKOFF),
        )
    }

    /// The outbox's pause after `failed_rounds` (1 or more) rounds of `max_attempts`
    /// attempts each failed: the doubling goes on where the round stopped (the wait an
    /// attempt `max_attempts + failed_rounds` would have had), from at least
    /// [`MIN_ROUND_PAUSE`], up to [`MAX_BACKOFF`].
    pub fn pause_after_failed_rounds(&self, failed_rounds: u32) -> Duration {
        let base = self.first_backoff.max(MIN_ROUND_PAUSE);
        let doublings = self
            .max_attempts
            .saturating_sub(1)
            .saturating_add(failed_rounds.saturating_sub(1));
        let factor = 2u32.checked_pow(doublings).unwrap_or(u32::MAX);
        base.checked_mul(factor)
            .unwrap_or(MAX_BACKOFF)
            .min(MAX_BACKOFF)
    }
}

/// What an HTTP answer means: 2xx delivered; 408, 429 and 5xx transient; anything else
/// (redirects included, which are not followed) a refusal.
pub fn verdict_for(status: StatusCode) -> Verdict {
    if status.is_success() {
        Verdict::Delivered
    } else if status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
    {
        Verdict::Retry
    } else {
        Verdict::Refused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max_attempts: u32, first_ms: u64) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            first_backoff: Duration::from_millis(first_ms),
        }
    }

    #[test]
    fn the_backoff_doubles_until_attempts_run_out() {
        let policy = policy(4, 500);
        assert_eq!(policy.backoff_before(1), None);
        assert_eq!(policy.backoff_before(2), Some(Duration::from_millis(500)));
        assert_eq!(policy.backoff_before(3), Some(Duration::from_millis(1_000)));
        assert_eq!(policy.backoff_before(4), Some(Duration::from_millis(2_000)));
        assert_eq!(policy.backoff_before(5), None);
    }

    #[test]
    fn a_single_attempt_never_waits() {
        assert_eq!(policy(1, 500).backoff_before(2), None);
    }

    #[test]
    fn the_backoff_is_capped() {
        let policy = policy(10, 60_000);
        assert_eq!(policy.backoff_before(2), Some(MAX_BACKOFF));
        assert_eq!(policy.backoff_before(10), Some(MAX_BACKOFF));
        let huge = RetryPolicy {
            max_attempts: u32::MAX,
            first_backoff: Duration::from_secs(1),
        };
        assert_eq!(huge.backoff_before(u32::MAX), Some(MAX_BACKOFF));
    }

    #[test]
    fn the_outbox_pause_goes_on_doubling_after_each_failed_round_up_to_the_cap() {
        let policy = policy(3, 500);
        assert_eq!(
            policy.pause_after_failed_rounds(1),
            Duration::from_millis(2_000)
        );
        assert_eq!(
            policy.pause_after_failed_rounds(2),
            Duration::from_millis(4_000)
        );
        assert_eq!(policy.pause_after_failed_rounds(5), MAX_BACKOFF);
        assert_eq!(policy.pause_after_failed_rounds(u32::MAX), MAX_BACKOFF);
    }

    #[test]
    fn a_zero_backoff_still_pauses_between_rounds() {
        assert_eq!(policy(1, 0).pause_after_failed_rounds(1), MIN_ROUND_PAUSE);
        assert_eq!(
            policy(1, 0).pause_after_failed_rounds(2),
            MIN_ROUND_PAUSE * 2
        );
    }

    #[test]
    fn server_errors_timeouts_and_rate_limits_are_retried_other_answers_are_final() {
        for (status, verdict) in [
            (200, Verdict::Delivered),
            (202, Verdict::Delivered),
            (204, Verdict::Delivered),
            (500, Verdict::Retry),
            (502, Verdict::Retry),
            (503, Verdict::Retry),
            (408, Verdict::Retry),
            (429, Verdict::Retry),
            (301, Verdict::Refused),
            (400, Verdict::Refused),
            (401, Verdict::Refused),
            (404, Verdict::Refused),
            (413, Verdict::Refused),
        ] {
            assert_eq!(
                verdict_for(StatusCode::from_u16(status).unwrap()),
                verdict,
                "{status}"
            );
        }
    }
}
