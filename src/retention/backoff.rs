//! How the retention task retries a site whose pass failed (the store is away, or refuses):
//! pure rules, so they are tested without a store or a clock.
//!
//! After `n` failures in a row the next try waits [`FIRST_RETRY_MS`] `* 2^(n-1)`, at most
//! [`MAX_RETRY_MS`] (of the node's clock): 1 s, 2 s, 4 s, ... 4 min 16 s, then every 5 min.
//! A warning is due when a site starts failing, when the wait changes step, and otherwise
//! at most once per [`MAX_RETRY_MS`], so an outage of hours costs a few lines per site, not
//! one per second. The first pass that succeeds again says how many tries failed before it,
//! and the next failure starts again from the first step.

/// Wait before the first retry of a failed pass (ms of the node's clock).
pub const FIRST_RETRY_MS: i64 = 1_000;

/// Longest wait between two tries, and shortest time between two warnings about the same
/// wait (ms of the node's clock).
pub const MAX_RETRY_MS: i64 = 300_000;

/// The failures in a row of one site's passes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Backoff {
    /// Passes that failed since the last one that succeeded.
    failures: u32,
    /// The wait last warned about, and when (node's clock).
    warned: Option<(i64, i64)>,
}

/// What to do after a failed pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    /// Failures in a row, this one included.
    pub failures: u32,
    /// Wait before the next try (ms of the node's clock).
    pub delay_ms: i64,
    /// Whether this failure is worth a warning (see the module doc).
    pub warn: bool,
}

impl Backoff {
    /// The wait after `failures` (1 or more) failures in a row.
    pub fn delay_after(failures: u32) -> i64 {
        let doublings = failures.saturating_sub(1).min(30);
        FIRST_RETRY_MS
            .saturating_mul(1_i64 << doublings)
            .min(MAX_RETRY_MS)
    }

    /// Notes a pass that failed at `now_ms`; when to try again and whether to warn.
    pub fn failed(&mut self, now_ms: i64) -> Retry {
        self.failures = self.failures.saturating_add(1);
        let delay_ms = Self::delay_after(self.failures);
        let warn = match self.warned {
            None => true,
            Some((warned_delay, warned_at)) => {
                warned_delay != delay_ms || now_ms.saturating_sub(warned_at) >= MAX_RETRY_MS
            }
        };
        if warn {
            self.warned = Some((delay_ms, now_ms));
        }
        Retry {
            failures: self.failures,
            delay_ms,
            warn,
        }
    }

    /// Notes a pass that succeeded; how many failed in a row before it (0: none).
    pub fn succeeded(&mut self) -> u32 {
        std::mem::take(self).failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_a_second_up_to_five_minutes() {
        let waits: Vec<i64> = (1..=12).map(Backoff::delay_after).collect();
        assert_eq!(
            waits,
            [
                1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000,
                300_000, 300_000
            ]
        );
        assert_eq!(Backoff::delay_after(u32::MAX), MAX_RETRY_MS);
    }

    #[test]
    fn a_long_outage_warns_at_each_step_then_once_per_five_minutes() {
        let mut backoff = Backoff::default();
        let mut now = 0;
        let mut warned_at = Vec::new();
        // Two hours of failures, each try when the wait is over.
        while now < 7_200_000 {
            let retry = backoff.failed(now);
            if retry.warn {
                warned_at.push(now);
            }
            now += retry.delay_ms;
        }
        // 1 s ... 256 s: nine steps, then 300 s, then one per cap period.
        let steps = 10;
        let at_cap = (7_200_000 - 511_000) / MAX_RETRY_MS + 1;
        assert_eq!(warned_at.len() as i64, steps + at_cap - 1, "{warned_at:?}");
        assert!(
            warned_at
                .windows(2)
                .skip(steps as usize)
                .all(|pair| pair[1] - pair[0] >= MAX_RETRY_MS),
            "{warned_at:?}"
        );
    }

    #[test]
    fn tries_closer_than_the_wait_warn_once_per_step() {
        let mut backoff = Backoff::default();
        assert!(backoff.failed(0).warn);
        // A second failure a moment later (the same pass retried early) moves to 2 s: a step.
        assert!(backoff.failed(10).warn);
        // The cap reached, failures within five minutes of the last warning stay quiet.
        for _ in 0..20 {
            backoff.failed(20);
        }
        assert_eq!(backoff.failed(30).delay_ms, MAX_RETRY_MS);
        assert!(!backoff.failed(40).warn);
        assert!(backoff.failed(20 + MAX_RETRY_MS).warn);
    }

    #[test]
    fn a_success_reports_the_failures_and_starts_the_steps_again() {
        let mut backoff = Backoff::default();
        assert_eq!(backoff.succeeded(), 0);
        for at in [0, 1_000, 3_000] {
            backoff.failed(at);
        }
        assert_eq!(backoff.succeeded(), 3);
        assert_eq!(backoff.succeeded(), 0);
        let retry = backoff.failed(10_000);
        assert_eq!(
            (retry.failures, retry.delay_ms, retry.warn),
            (1, 1_000, true)
        );
    }
}
