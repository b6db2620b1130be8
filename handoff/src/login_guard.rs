//! Failed-login policy as pure logic: count failures per IP and per account, block after
//! too many.
//!
//! The edge stores one [`FailureCount`] per IP and one per account (site + login), passes
//! them to [`LoginFailurePolicy::check`] before verifying a password, and after a failure
//! stores what [`LoginFailurePolicy::record_failure`] returns. After a successful login it
//! deletes the account's counter (the IP's counter stays, so one IP cannot probe many
//! accounts). Counters can be dropped at [`LoginFailurePolicy::forget_at`].
//!
//! A blocked IP gets `429 ip_blocked`, a locked account `429 account_blocked`. The account limit is deliberately higher than the IP
//! limit: it slows a distributed guesser down without letting one stranger lock an agent
//! out for long.
//!
//! Blocks grow: a block that starts within [`BLOCK_MEMORY_S`] (a day) of the end of the
//! previous block of the same counter lasts twice as long as that one, up to
//! [`LoginFailurePolicy::max_block_s`]; after a quiet day the next block has the base length
//! again. The counter remembers its last block for that day ([`FailureCount::last_block`]),
//! so deleting the counter (an admin's new password) also resets the growth.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::time::after;

/// Failures counted for one IP or one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureCount {
    /// Failures since `window_start`.
    pub failures: u32,
    /// When the current counting window began.
    pub window_start: Timestamp,
    /// Logins are refused until this instant.
    pub blocked_until: Option<Timestamp>,
    /// The latest block of this counter (the current one while it lasts), kept for
    /// [`BLOCK_MEMORY_S`] after its end so that the next block can grow from it. Absent in
    /// counters stored before blocks grew.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_block: Option<PastBlock>,
}

/// A block a counter remembers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastBlock {
    /// When it ends (or ended).
    pub until: Timestamp,
    /// How long it lasts, in seconds.
    pub length_s: u32,
}

/// How long after a block ends the next block still grows from it: one day. A counter
/// without a block for that long starts again at [`LoginFailurePolicy::block_s`].
pub const BLOCK_MEMORY_S: u32 = 86_400;

/// Which counter blocked a login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockScope {
    /// The client IP made too many failed attempts (`429 ip_blocked`).
    Ip,
    /// The account had too many failed attempts from anywhere (`429 account_blocked`).
    Account,
}

/// The decision before a login attempt is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginGate {
    /// Go on and verify the password.
    Allow,
    /// Refuse without verifying.
    Blocked {
        /// Which counter blocked it.
        scope: BlockScope,
        /// When a new attempt is allowed.
        until: Timestamp,
    },
}

/// Limits for failed logins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoginFailurePolicy {
    /// Failures from one IP within the window that block the IP.
    pub max_failures_per_ip: u32,
    /// Failures on one account within the window that block the account.
    pub max_failures_per_account: u32,
    /// Length of the counting window, in seconds.
    pub window_s: u32,
    /// How long a first block lasts, in seconds.
    pub block_s: u32,
    /// The longest a block grows to, in seconds (each block within a day of the previous
    /// one's end lasts twice as long as that one, up to this).
    pub max_block_s: u32,
}

impl Default for LoginFailurePolicy {
    fn default() -> Self {
        Self {
            max_failures_per_ip: 10,
            max_failures_per_account: 20,
            window_s: 900,
            block_s: 900,
            max_block_s: 86_400,
        }
    }
}

impl LoginFailurePolicy {
    /// Decides whether a login attempt may be checked at all.
    pub fn check(
        &self,
        now: Timestamp,
        ip: Option<&FailureCount>,
        account: Option<&FailureCount>,
    ) -> LoginGate {
        let blocked = |count: Option<&FailureCount>, scope| {
            count
                .and_then(|c| c.blocked_until)
                .filter(|until| *until > now)
                .map(|until| LoginGate::Blocked { scope, until })
        };
        blocked(ip, BlockScope::Ip)
            .or_else(|| blocked(account, BlockScope::Account))
            .unwrap_or(LoginGate::Allow)
    }

    /// The counter after one more failure of the given scope.
    pub fn record_failure(
        &self,
        now: Timestamp,
        scope: BlockScope,
        previous: Option<FailureCount>,
    ) -> FailureCount {
        let limit = match scope {
            BlockScope::Ip => self.max_failures_per_ip,
            BlockScope::Account => self.max_failures_per_account,
        };
        let fresh = FailureCount {
            failures: 0,
            window_start: now,
            blocked_until: None,
            last_block: previous.and_then(|c| c.last_block),
        };
        let mut count = match previous {
            Some(c) if c.blocked_until.is_some_and(|until| until > now) => c,
            Some(c) if c.blocked_until.is_none() && after(c.window_start, self.window_s) > now => c,
            _ => fresh,
        };
        count.failures = count.failures.saturating_add(1);
        if count.failures >= limit.max(1) && count.blocked_until.is_none_or(|until| until <= now) {
            let length_s = self.next_block_s(now, count.last_block);
            let until = after(now, length_s);
            count.blocked_until = Some(until);
            count.last_block = Some(PastBlock { until, length_s });
        }
        count
    }

    /// How long a block starting at `now` lasts after `last`: twice `last` when it ended
    /// less than [`BLOCK_MEMORY_S`] ago, otherwise [`Self::block_s`]; never more than
    /// [`Self::max_block_s`].
    pub fn next_block_s(&self, now: Timestamp, last: Option<PastBlock>) -> u32 {
        let length_s = match last {
            Some(last) if after(last.until, BLOCK_MEMORY_S) > now => {
                last.length_s.saturating_mul(2).max(self.block_s)
            }
            _ => self.block_s,
        };
        length_s.min(self.max_block_s.max(1))
    }

    /// The counter as a successful login leaves it: no failures and no block, but the
    /// memory of the last block (so that the next one still grows); `None` when there is
    /// nothing left to remember at `now` (delete the counter).
    pub fn after_success(&self, now: Timestamp, count: FailureCount) -> Option<FailureCount> {
        let last_block = count
            .last_block
            .filter(|last| after(last.until, BLOCK_MEMORY_S) > now)?;
        Some(FailureCount {
            failures: 0,
            window_start: now,
            blocked_until: None,
            last_block: Some(last_block),
        })
    }

    /// When the edge may delete a stored counter because it no longer matters: after its
    /// window, its block and the memory of its last block have all passed.
    pub fn forget_at(&self, count: &FailureCount) -> Timestamp {
        let window_end = after(count.window_start, self.window_s);
        let block_end = count
            .blocked_until
            .map_or(window_end, |until| until.max(window_end));
        count.last_block.map_or(block_end, |last| {
            after(last.until, BLOCK_MEMORY_S).max(block_end)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + second).unwrap()
    }

    fn policy() -> LoginFailurePolicy {
        LoginFailurePolicy {
            max_failures_per_ip: 3,
            max_failures_per_account: 5,
            window_s: 60,
            block_s: 300,
            max_block_s: 1_000,
        }
    }

    #[test]
    fn the_ip_is_blocked_after_the_configured_failures() {
        let policy = policy();
        let mut count = None;
        for second in 0..3 {
            assert_eq!(
                policy.check(at(second), count.as_ref(), None),
                LoginGate::Allow
            );
            count = Some(policy.record_failure(at(second), BlockScope::Ip, count));
        }
        assert_eq!(
            policy.check(at(3), count.as_ref(), None),
            LoginGate::Blocked {
                scope: BlockScope::Ip,
                until: at(302)
            }
        );
        assert_eq!(
            policy.check(at(302), count.as_ref(), None),
            LoginGate::Allow
        );
    }

    #[test]
    fn failures_outside_the_window_start_a_new_count() {
        let policy = policy();
        let first = policy.record_failure(at(0), BlockScope::Ip, None);
        let second = policy.record_failure(at(30), BlockScope::Ip, Some(first));
        assert_eq!(second.failures, 2);
        let later = policy.record_failure(at(61), BlockScope::Ip, Some(second));
        assert_eq!(
            later,
            FailureCount {
                failures: 1,
                window_start: at(61),
                blocked_until: None,
                last_block: None,
            }
        );
    }

    #[test]
    fn the_account_limit_is_separate_from_the_ip_limit() {
        let policy = policy();
        let mut account = None;
        for second in 0..4 {
            account = Some(policy.record_failure(at(second), BlockScope::Account, account));
        }
        assert_eq!(
            policy.check(at(4), None, account.as_ref()),
            LoginGate::Allow
        );
        account = Some(policy.record_failure(at(4), BlockScope::Account, account));
        assert_eq!(
            policy.check(at(5), None, account.as_ref()),
            LoginGate::Blocked {
                scope: BlockScope::Account,
                until: at(304)
            }
        );
    }

    #[test]
    fn an_expired_block_starts_counting_again() {
        let policy = policy();
        let blocked = FailureCount {
            failures: 3,
            window_start: at(0),
            blocked_until: Some(at(300)),
            last_block: None,
        };
        let next = policy.record_failure(at(400), BlockScope::Ip, Some(blocked));
        assert_eq!(
            next,
            FailureCount {
                failures: 1,
                window_start: at(400),
                blocked_until: None,
                last_block: None,
            }
        );
        assert_eq!(policy.forget_at(&blocked), at(300));
        assert_eq!(policy.forget_at(&next), at(460));
    }

    #[test]
    fn the_ip_block_is_reported_before_the_account_block() {
        let policy = policy();
        let ip = FailureCount {
            failures: 3,
            window_start: at(0),
            blocked_until: Some(at(100)),
            last_block: None,
        };
        let account = FailureCount {
            failures: 5,
            window_start: at(0),
            blocked_until: Some(at(200)),
            last_block: None,
        };
        assert_eq!(
            policy.check(at(1), Some(&ip), Some(&account)),
            LoginGate::Blocked {
                scope: BlockScope::Ip,
                until: at(100)
            }
        );
    }

    /// The IP counter after enough failures at `second` to block it.
    fn blocked_at(
        policy: &LoginFailurePolicy,
        second: i64,
        count: Option<FailureCount>,
    ) -> FailureCount {
        let mut count = count;
        for _ in 0..policy.max_failures_per_ip {
            count = Some(policy.record_failure(at(second), BlockScope::Ip, count));
        }
        count.unwrap()
    }

    fn block_length_s(count: &FailureCount, second: i64) -> i64 {
        count.blocked_until.unwrap().as_second() - at(second).as_second()
    }

    #[test]
    fn a_block_within_a_day_of_the_previous_one_lasts_twice_as_long() {
        let policy = policy();
        let first = blocked_at(&policy, 0, None);
        assert_eq!(block_length_s(&first, 0), 300);
        // An hour after the first block ended.
        let second = blocked_at(&policy, 300 + 3_600, Some(first));
        assert_eq!(block_length_s(&second, 3_900), 600);
        assert_eq!(
            second.last_block,
            Some(PastBlock {
                until: at(3_900 + 600),
                length_s: 600
            })
        );
    }

    #[test]
    fn blocks_grow_up_to_the_longest_block_and_no_further() {
        let policy = policy();
        let mut count = None;
        let mut second = 0;
        let mut lengths = Vec::new();
        for _ in 0..4 {
            let blocked = blocked_at(&policy, second, count);
            lengths.push(block_length_s(&blocked, second));
            second = blocked.blocked_until.unwrap().as_second() - at(0).as_second() + 10;
            count = Some(blocked);
        }
        assert_eq!(lengths, [300, 600, 1_000, 1_000]);
    }

    #[test]
    fn a_quiet_day_after_a_block_starts_again_at_the_base_length() {
        let policy = policy();
        let first = blocked_at(&policy, 0, None);
        let second = blocked_at(&policy, 400, Some(first));
        assert_eq!(block_length_s(&second, 400), 600);
        let ended = second.blocked_until.unwrap().as_second() - at(0).as_second();
        let almost = blocked_at(&policy, ended + 86_399, Some(second));
        assert_eq!(
            block_length_s(&almost, ended + 86_399),
            1_000,
            "within the day"
        );
        let quiet = blocked_at(&policy, ended + 86_400, Some(second));
        assert_eq!(
            block_length_s(&quiet, ended + 86_400),
            300,
            "after a quiet day"
        );
    }

    #[test]
    fn failures_during_a_block_do_not_lengthen_it() {
        let policy = policy();
        let blocked = blocked_at(&policy, 0, None);
        let again = policy.record_failure(at(100), BlockScope::Ip, Some(blocked));
        assert_eq!(again.blocked_until, Some(at(300)));
        assert_eq!(again.last_block, blocked.last_block);
    }

    #[test]
    fn a_counter_remembers_its_last_block_for_a_day_even_after_a_success() {
        let policy = policy();
        let blocked = blocked_at(&policy, 0, None);
        assert_eq!(policy.forget_at(&blocked), at(300 + 86_400));
        let kept = policy.after_success(at(400), blocked).unwrap();
        assert_eq!(
            (kept.failures, kept.blocked_until, kept.last_block),
            (0, None, blocked.last_block)
        );
        assert_eq!(policy.forget_at(&kept), at(300 + 86_400));
        let next = blocked_at(&policy, 500, Some(kept));
        assert_eq!(
            block_length_s(&next, 500),
            600,
            "the success did not reset the growth"
        );
        assert_eq!(policy.after_success(at(300 + 86_400), blocked), None);
        let never_blocked = policy.record_failure(at(0), BlockScope::Ip, None);
        assert_eq!(policy.after_success(at(1), never_blocked), None);
    }
}
