//! Failed-login policy as pure logic: count failures per IP and per account, block after
//! too many.
//!
//! The edge stores one [`FailureCount`] per IP and one per account (site + login), passes
//! them to [`LoginFailurePolicy::check`] before verifying a password, and after a failure
//! stores what [`LoginFailurePolicy::record_failure`] returns. After a successful login it
//! deletes the account's counter (the IP's counter stays, so one IP cannot probe many
//! accounts). Counters can be dropped at [`LoginFailurePolicy::forget_at`].
//!
//! A blocked IP gets `403 ip_blocked`. The account limit is deliberately higher than the IP
//! limit: it slows a distributed guesser down without letting one stranger lock an agent
//! out for long.

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
}

/// Which counter blocked a login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockScope {
    /// The client IP made too many failed attempts (`403 ip_blocked`).
    Ip,
    /// The account had too many failed attempts from anywhere (`403 account_blocked`).
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
    /// How long a block lasts, in seconds.
    pub block_s: u32,
}

impl Default for LoginFailurePolicy {
    fn default() -> Self {
        Self {
            max_failures_per_ip: 10,
            max_failures_per_account: 20,
            window_s: 900,
            block_s: 900,
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
        };
        let mut count = match previous {
            Some(c) if c.blocked_until.is_some_and(|until| until > now) => c,
            Some(c) if c.blocked_until.is_none() && after(c.window_start, self.window_s) > now => c,
            _ => fresh,
        };
        count.failures = count.failures.saturating_add(1);
        if count.failures >= limit.max(1) {
            count.blocked_until = Some(after(now, self.block_s));
        }
        count
    }

    /// When the edge may delete a stored counter because it no longer matters.
    pub fn forget_at(&self, count: &FailureCount) -> Timestamp {
        let window_end = after(count.window_start, self.window_s);
        count
            .blocked_until
            .map_or(window_end, |until| until.max(window_end))
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
                blocked_until: None
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
        };
        let next = policy.record_failure(at(400), BlockScope::Ip, Some(blocked));
        assert_eq!(
            next,
            FailureCount {
                failures: 1,
                window_start: at(400),
                blocked_until: None
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
        };
        let account = FailureCount {
            failures: 5,
            window_start: at(0),
            blocked_until: Some(at(200)),
        };
        assert_eq!(
            policy.check(at(1), Some(&ip), Some(&account)),
            LoginGate::Blocked {
                scope: BlockScope::Ip,
                until: at(100)
            }
        );
    }
}
