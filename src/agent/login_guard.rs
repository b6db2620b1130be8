//! Failed-login counters in the store, per client IP and per account, applied with the
//! handoff crate's [`LoginFailurePolicy`]. A counter also remembers its last block for a day
//! after it ended, so that the next block lasts longer (see the policy); an admin's new
//! password deletes the account's counter ([`lift_account_lock`]), lock and growth both.
//!
//! The admin API counts its refused tokens against the same address counter
//! ([`gate_ip`], [`record_ip_failure`]): one client address has one budget of failed
//! credentials, whether it guesses agent passwords or the admin token. Both answer a block
//! the same way ([`blocked`]): 429 with `Retry-After`.

use std::net::IpAddr;
use std::time::Duration;

use bytes::Bytes;
use jiff::Timestamp;
use staffetta_handoff::login_guard::{BlockScope, FailureCount, LoginFailurePolicy, LoginGate};

use crate::error::ApiError;
use crate::store::{CasOutcome, RecordWrite, Store, StoreError};

/// The answer to a request refused by a block of `scope` that lasts until `until`: 429 with
/// `Retry-After` (at least 1 s), `ip_blocked` or `account_blocked`. The agent login and the
/// admin API give the same answer to a blocked address.
pub fn blocked(scope: BlockScope, now: Timestamp, until: Timestamp) -> ApiError {
    let retry_s = until.as_second().saturating_sub(now.as_second()).max(1);
    let (code, message) = match scope {
        BlockScope::Ip => (
            "ip_blocked",
            "Too many failed logins or refused admin tokens from this address; retry later.",
        ),
        BlockScope::Account => (
            "account_blocked",
            "Too many failed logins for this account; retry later.",
        ),
    };
    ApiError::too_many(code, message, u64::try_from(retry_s).unwrap_or(1))
}

fn ip_key(ip: IpAddr) -> String {
    format!("login_fail:ip:{ip}")
}

fn account_key(site: &str, login: &str) -> String {
    format!("login_fail:account:{site}:{login}")
}

async fn load(store: &dyn Store, key: &str) -> Result<Option<(FailureCount, u64)>, StoreError> {
    Ok(store.get(key).await?.and_then(|record| {
        serde_json::from_slice(&record.value)
            .ok()
            .map(|count| (count, record.version))
    }))
}

/// Whether a login from `ip` to `site`/`login` may be checked now.
pub async fn gate(
    store: &dyn Store,
    policy: &LoginFailurePolicy,
    now: Timestamp,
    ip: IpAddr,
    site: &str,
    login: &str,
) -> Result<LoginGate, StoreError> {
    let ip_count = load(store, &ip_key(ip)).await?.map(|(c, _)| c);
    let account = load(store, &account_key(site, login))
        .await?
        .map(|(c, _)| c);
    Ok(policy.check(now, ip_count.as_ref(), account.as_ref()))
}

/// When the address `ip` is blocked (its counter only, no account): the admin API's gate.
pub async fn gate_ip(
    store: &dyn Store,
    policy: &LoginFailurePolicy,
    now: Timestamp,
    ip: IpAddr,
) -> Result<Option<Timestamp>, StoreError> {
    let ip_count = load(store, &ip_key(ip)).await?.map(|(c, _)| c);
    Ok(match policy.check(now, ip_count.as_ref(), None) {
        LoginGate::Blocked { until, .. } => Some(until),
        LoginGate::Allow => None,
    })
}

/// Counts one failure against the address `ip` only (a refused admin token); the end of
/// the block it started, if it started one.
pub async fn record_ip_failure(
    store: &dyn Store,
    policy: &LoginFailurePolicy,
    now: Timestamp,
    ip: IpAddr,
) -> Result<Option<Timestamp>, StoreError> {
    bump(store, policy, now, BlockScope::Ip, &ip_key(ip)).await
}

/// The blocks one failure started (each `Some(until)`), for the audit log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NewBlocks {
    /// The client IP is now blocked until then.
    pub ip: Option<Timestamp>,
    /// The account is now locked until then.
    pub account: Option<Timestamp>,
}

/// Counts one failure against the IP and the account; says which of them it blocked.
pub async fn record_failure(
    store: &dyn Store,
    policy: &LoginFailurePolicy,
    now: Timestamp,
    ip: IpAddr,
    site: &str,
    login: &str,
) -> Result<NewBlocks, StoreError> {
    let ip = bump(store, policy, now, BlockScope::Ip, &ip_key(ip)).await?;
    let account = bump(
        store,
        policy,
        now,
        BlockScope::Account,
        &account_key(site, login),
    )
    .await?;
    Ok(NewBlocks { ip, account })
}

/// Clears the account's failures after a successful login (the IP counter stays). The
/// memory of the account's last block stays for its day, so a guesser's next lock still
/// grows: the agent logging in between two locks does not reset them to the base length.
pub async fn record_success(
    store: &dyn Store,
    policy: &LoginFailurePolicy,
    now: Timestamp,
    site: &str,
    login: &str,
) -> Result<(), StoreError> {
    let key = account_key(site, login);
    loop {
        let Some((count, version)) = load(store, &key).await? else {
            return Ok(());
        };
        let Some(kept) = policy.after_success(now, count) else {
            store.delete(&key, Some(version)).await?;
            return Ok(());
        };
        if count.failures == 0 && count.blocked_until.is_none() {
            // Nothing to clear (an earlier success did): no write per login.
            return Ok(());
        }
        if let CasOutcome::Written { .. } = store
            .put(counter_write(policy, now, &key, Some(version), &kept))
            .await?
        {
            return Ok(());
        }
    }
}

/// Lifts the account's lock and forgets its failures and past blocks (an admin set a new
/// password): the next lock, if any, has the base length again.
pub async fn lift_account_lock(
    store: &dyn Store,
    site: &str,
    login: &str,
) -> Result<(), StoreError> {
    store.delete(&account_key(site, login), None).await?;
    Ok(())
}

/// The compare-and-set that stores `count` under `key`, kept until the policy forgets it.
fn counter_write(
    policy: &LoginFailurePolicy,
    now: Timestamp,
    key: &str,
    expected_version: Option<u64>,
    count: &FailureCount,
) -> RecordWrite {
    let ttl_ms = policy
        .forget_at(count)
        .as_millisecond()
        .saturating_sub(now.as_millisecond())
        .max(1000);
    RecordWrite {
        key: key.to_owned(),
        expected_version,
        value: Bytes::from(serde_json::to_vec(count).unwrap_or_default()),
        ttl: Some(Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(1000))),
    }
}

async fn bump(
    store: &dyn Store,
    policy: &LoginFailurePolicy,
    now: Timestamp,
    scope: BlockScope,
    key: &str,
) -> Result<Option<Timestamp>, StoreError> {
    loop {
        let previous = load(store, key).await?;
        let version = previous.as_ref().map(|(_, v)| *v);
        let was_blocked = previous
            .as_ref()
            .and_then(|(c, _)| c.blocked_until)
            .is_some_and(|until| until > now);
        let count = policy.record_failure(now, scope, previous.map(|(c, _)| c));
        let write = counter_write(policy, now, key, version, &count);
        if let CasOutcome::Written { .. } = store.put(write).await? {
            return Ok(count.blocked_until.filter(|_| !was_blocked));
        }
    }
}
