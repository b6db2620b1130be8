//! `[agent]`: agent sessions (token secret and lifetimes), password hashing and the
//! failed-login policy of the agent console.

use serde::Deserialize;
use staffetta_handoff::login_guard::LoginFailurePolicy;
use staffetta_handoff::password::PasswordPolicy;

use crate::secret::Secret;

/// Which Argon2id parameters new operator passwords are hashed with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordHashing {
    /// OWASP parameters (19 MiB, 2 passes). The only choice for production.
    #[default]
    Recommended,
    /// The cheapest valid parameters: for automated tests only.
    TestCheap,
}

impl PasswordHashing {
    /// The handoff crate's policy for this choice.
    pub fn policy(self) -> PasswordPolicy {
        match self {
            Self::Recommended => PasswordPolicy::recommended(),
            Self::TestCheap => PasswordPolicy::test_cheap(),
        }
    }
}

/// Failed-login limits (see `LoginFailurePolicy`).
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoginFailureSettings {
    /// Failures from one IP within the window that block the IP.
    pub max_failures_per_ip: u32,
    /// Failures on one account within the window that block the account.
    pub max_failures_per_account: u32,
    /// Counting window in seconds.
    pub window_s: u32,
    /// Duration of a first block in seconds.
    pub block_s: u32,
    /// The longest block in seconds: a block within a day of the end of the previous one
    /// (same account, or same address) lasts twice as long as that one, up to this.
    pub max_block_s: u32,
}

impl Default for LoginFailureSettings {
    fn default() -> Self {
        let policy = LoginFailurePolicy::default();
        Self {
            max_failures_per_ip: policy.max_failures_per_ip,
            max_failures_per_account: policy.max_failures_per_account,
            window_s: policy.window_s,
            block_s: policy.block_s,
            max_block_s: policy.max_block_s,
        }
    }
}

/// The largest accepted failure threshold: beyond it the counter no longer slows a guesser.
const MAX_FAILURES: u32 = 10_000;
/// The longest accepted window and block, in seconds (one day): a longer account lock would
/// let a stranger keep an agent out with a few guesses a day (blocks that grow stop at
/// `max_block_s`, at most this).
const MAX_SECONDS: u32 = 86_400;

impl LoginFailureSettings {
    /// Checks the ranges; the message names the key, the accepted range and the value.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let checks = [
            (
                "max_failures_per_ip",
                self.max_failures_per_ip,
                MAX_FAILURES,
                "",
            ),
            (
                "max_failures_per_account",
                self.max_failures_per_account,
                MAX_FAILURES,
                "",
            ),
            ("window_s", self.window_s, MAX_SECONDS, " seconds"),
            ("block_s", self.block_s, MAX_SECONDS, " seconds"),
            ("max_block_s", self.max_block_s, MAX_SECONDS, " seconds"),
        ];
        for (key, value, max, unit) in checks {
            if !(1..=max).contains(&value) {
                return Err(format!(
                    "key `agent.login_failures.{key}`: expected 1 to {max}{unit}, got {value}"
                ));
            }
        }
        if self.max_block_s < self.block_s {
            return Err(format!(
                "key `agent.login_failures.max_block_s`: expected at least `block_s` ({}) to \
                 {MAX_SECONDS} seconds, got {}",
                self.block_s, self.max_block_s
            ));
        }
        Ok(())
    }

    /// The handoff crate's policy.
    pub fn policy(&self) -> LoginFailurePolicy {
        LoginFailurePolicy {
            max_failures_per_ip: self.max_failures_per_ip,
            max_failures_per_account: self.max_failures_per_account,
            window_s: self.window_s,
            block_s: self.block_s,
            max_block_s: self.max_block_s,
        }
    }
}

/// The agent side of a node.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgentSettings {
    /// HS256 key of access tokens. Empty: generated once and kept in the store, so every
    /// node sharing the store (and every restart) accepts the same tokens.
    pub token_secret: Secret,
    /// Lifetime of an access token in seconds.
    pub access_token_ttl_s: u32,
    /// Lifetime of a refresh token (the console cookie) in seconds.
    pub refresh_token_ttl_s: u32,
    /// Argon2id parameters for new passwords.
    pub password_hashing: PasswordHashing,
    /// Failed-login limits.
    pub login_failures: LoginFailureSettings,
    /// Create `demo-admin` and `demo-agent` on the `demo` site when it has no operators.
    pub demo_operators: bool,
}

impl Default for AgentSettings {
    fn default() -> Self {
        Self {
            token_secret: Secret::default(),
            access_token_ttl_s: 900,
            refresh_token_ttl_s: 7 * 24 * 3600,
            password_hashing: PasswordHashing::Recommended,
            login_failures: LoginFailureSettings::default(),
            demo_operators: true,
        }
    }
}
