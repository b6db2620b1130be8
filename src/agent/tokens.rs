//! Agent session tokens: short-lived HS256 access tokens (JWT) and rotating refresh tokens
//! kept in the store as SHA-256 digests.
//!
//! Expiry of access tokens is checked against the node's [`Clock`], not the OS clock, so
//! tests can move time.
//!
//! Refresh tokens rotate: [`rotate_refresh`] marks a token as used before a new one is issued.
//! Every token descends from one login, its *family*. Two console tabs of one browser share
//! the cookie and may both refresh with the same token at once, so a token used again within
//! [`REUSE_WINDOW_MS`] of its rotation is still exchanged (for a fresh token of the same
//! family). Used again later, it is taken as stolen: the whole family is revoked and every
//! token of it, the newest included, is refused from then on.

use std::time::Duration;

use bytes::Bytes;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::secret::Secret;
use crate::store::{CasOutcome, Clock, RecordWrite, Store, StoreError};

const SECRET_KEY: &str = "agent:token_secret";

/// Who a token speaks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentClaims {
    /// The agent (operator) id.
    pub sub: String,
    /// The site.
    pub site: String,
    /// The login.
    pub login: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// The login (refresh-token family) this token descends from: revoking the family at
    /// logout, or after a refresh token was replayed, refuses its access tokens too. Empty in
    /// tokens issued before families were carried.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fam: String,
    /// [`password_version`] of the operator's password when the token was issued: a new
    /// password refuses every token issued before it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pwv: String,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Malformed or signed with another key.
    #[error("the token is not valid")]
    Invalid,
    /// Past its expiry.
    #[error("the token has expired")]
    Expired,
}

/// The HS256 key of this node (shared by every node of one store).
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys([redacted])")
    }
}

impl TokenKeys {
    /// Keys from a secret.
    pub fn new(secret: &Secret) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
        }
    }

    /// The configured secret, or the one kept in the store (created on first start).
    pub async fn resolve(configured: &Secret, store: &dyn Store) -> Result<Self, StoreError> {
        if !configured.is_empty() {
            return Ok(Self::new(configured));
        }
        loop {
            if let Some(record) = store.get(SECRET_KEY).await? {
                let secret = Secret::new(String::from_utf8_lossy(&record.value).into_owned());
                return Ok(Self::new(&secret));
            }
            let fresh = random_token();
            let write = RecordWrite {
                key: SECRET_KEY.to_owned(),
                expected_version: None,
                value: Bytes::from(fresh),
                ttl: None,
            };
            // On a conflict another node won the race: loop and read its secret.
            store.put(write).await?;
        }
    }

    /// Signs an access token.
    pub fn issue(&self, claims: &AgentClaims) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .unwrap_or_default()
    }

    /// Verifies an access token at `now_ms`.
    pub fn verify(&self, token: &str, now_ms: i64) -> Result<AgentClaims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked below against the node's clock.
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<AgentClaims>(token, &self.decoding, &validation)
            .map_err(|_| TokenError::Invalid)?;
        if data.claims.exp.saturating_mul(1000) <= now_ms {
            return Err(TokenError::Expired);
        }
        Ok(data.claims)
    }
}

/// A short fingerprint of a password hash (16 hex digits of its SHA-256), carried in tokens:
/// when an admin sets a new password the fingerprint changes and every earlier token of the
/// operator is refused. The hash itself never leaves the server.
pub fn password_version(hash: &staffetta_handoff::password::PasswordHash) -> String {
    let digest = Sha256::digest(hash.as_phc().as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Whether `family` was revoked (logout, or a refresh token replayed after its rotation).
pub async fn family_revoked(store: &dyn Store, family: &str) -> Result<bool, StoreError> {
    if family.is_empty() {
        return Ok(false);
    }
    Ok(store.get(&revoked_key(family)).await?.is_some())
}

pub use crate::secret::random_token;

/// How long a rotated refresh token may still be exchanged (concurrent refreshes of two tabs).
pub const REUSE_WINDOW_MS: i64 = 30_000;

/// What a refresh token stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshGrant {
    /// The site.
    pub site: String,
    /// The login.
    pub login: String,
    /// The login this token descends from (empty for tokens issued before families).
    #[serde(default)]
    pub family: String,
    /// [`password_version`] of the operator's password at login (empty for tokens issued
    /// before it was recorded): a new password refuses the refresh token.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pwv: String,
}

/// A stored refresh token: its grant and, once used, when it was rotated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct RefreshRecord {
    #[serde(flatten)]
    grant: RefreshGrant,
    /// Milliseconds since the epoch of the first exchange.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rotated_at: Option<i64>,
}

/// Why a refresh token was not exchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RefreshRefusal {
    /// Unknown, expired, logged out or malformed.
    #[error("the refresh token is not known")]
    Unknown,
    /// Its family was revoked after a reuse.
    #[error("the refresh token's family was revoked")]
    Revoked,
    /// Used again after the reuse window: taken as stolen, the family is now revoked.
    #[error("the refresh token was used again after its rotation")]
    Reused,
}

/// What a stored token allows at `now_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// First use: mark it rotated, then exchange it.
    Rotate,
    /// Rotated moments ago (another tab): exchange it again.
    WithinWindow,
    /// Rotated earlier than the window allows.
    Reuse,
}

fn verdict(rotated_at: Option<i64>, now_ms: i64) -> Verdict {
    match rotated_at {
        None => Verdict::Rotate,
        Some(at) if now_ms.saturating_sub(at) <= REUSE_WINDOW_MS => Verdict::WithinWindow,
        Some(_) => Verdict::Reuse,
    }
}

/// A new family id (one per login).
pub fn new_family() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn revoked_key(family: &str) -> String {
    format!("agent_refresh_revoked:{family}")
}

/// The store key of a refresh token (a digest: the token itself is never stored).
fn refresh_key(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("agent_refresh:{hex}")
}

/// Stores a new refresh token for `grant`; returns the token for the cookie.
pub async fn issue_refresh(
    store: &dyn Store,
    grant: &RefreshGrant,
    ttl: Duration,
) -> Result<String, StoreError> {
    let token = random_token();
    let write = RecordWrite {
        key: refresh_key(&token),
        expected_version: None,
        value: Bytes::from(serde_json::to_vec(grant).unwrap_or_default()),
        ttl: Some(ttl),
    };
    match store.put(write).await? {
        CasOutcome::Written { .. } | CasOutcome::Conflict { .. } => Ok(token),
    }
}

/// Exchanges a refresh token at `now_ms`: its grant, for a new token of the same family.
/// The used token stays stored (for `ttl`) as rotated, so a late reuse is recognised and
/// revokes the family.
pub async fn rotate_refresh(
    store: &dyn Store,
    token: &str,
    now_ms: i64,
    ttl: Duration,
) -> Result<Result<RefreshGrant, RefreshRefusal>, StoreError> {
    let key = refresh_key(token);
    loop {
        let Some(stored) = store.get(&key).await? else {
            return Ok(Err(RefreshRefusal::Unknown));
        };
        let Ok(record) = serde_json::from_slice::<RefreshRecord>(&stored.value) else {
            return Ok(Err(RefreshRefusal::Unknown));
        };
        let family = record.grant.family.clone();
        if !family.is_empty() && store.get(&revoked_key(&family)).await?.is_some() {
            return Ok(Err(RefreshRefusal::Revoked));
        }
        match verdict(record.rotated_at, now_ms) {
            Verdict::WithinWindow => return Ok(Ok(record.grant)),
            Verdict::Reuse => {
                revoke_family(store, &family, ttl).await?;
                return Ok(Err(RefreshRefusal::Reused));
            }
            Verdict::Rotate => {
                let rotated = RefreshRecord {
                    rotated_at: Some(now_ms),
                    ..record
                };
                let write = RecordWrite {
                    key: key.clone(),
                    expected_version: Some(stored.version),
                    value: Bytes::from(serde_json::to_vec(&rotated).unwrap_or_default()),
                    ttl: Some(ttl),
                };
                // On a conflict another tab rotated it first: read again (within the window).
                if let CasOutcome::Written { .. } = store.put(write).await? {
                    return Ok(Ok(rotated.grant));
                }
            }
        }
    }
}

/// Revokes every refresh token of `family` (logout, or a reuse taken as theft).
pub async fn revoke_family(
    store: &dyn Store,
    family: &str,
    ttl: Duration,
) -> Result<(), StoreError> {
    if family.is_empty() {
        return Ok(());
    }
    let write = RecordWrite {
        key: revoked_key(family),
        expected_version: None,
        value: Bytes::from_static(b"1"),
        ttl: Some(ttl),
    };
    // A conflict means it is revoked already.
    store.put(write).await?;
    Ok(())
}

/// The grant of a stored refresh token, used or not.
pub async fn peek_refresh(
    store: &dyn Store,
    token: &str,
) -> Result<Option<RefreshGrant>, StoreError> {
    Ok(store
        .get(&refresh_key(token))
        .await?
        .and_then(|record| serde_json::from_slice(&record.value).ok()))
}

/// Consumes a refresh token: returns its grant once; a second use finds nothing.
pub async fn consume_refresh(
    store: &dyn Store,
    token: &str,
) -> Result<Option<RefreshGrant>, StoreError> {
    let key = refresh_key(token);
    let Some(record) = store.get(&key).await? else {
        return Ok(None);
    };
    if !store.delete(&key, Some(record.version)).await? {
        return Ok(None);
    }
    Ok(serde_json::from_slice(&record.value).ok())
}

/// Access-token expiry for a token issued at `now_ms`.
pub fn expiry(clock: &Clock, ttl_s: u32) -> i64 {
    clock.now_ms() / 1000 + i64::from(ttl_s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> AgentClaims {
        AgentClaims {
            sub: "op-1".into(),
            site: "demo".into(),
            login: "ada".into(),
            exp,
            fam: "f1".into(),
            pwv: "0123456789abcdef".into(),
        }
    }

    #[test]
    fn access_token_is_accepted_until_it_expires() {
        let keys = TokenKeys::new(&Secret::new("k"));
        let token = keys.issue(&claims(1000));
        assert_eq!(keys.verify(&token, 999_000).unwrap(), claims(1000));
        assert_eq!(keys.verify(&token, 1_000_000), Err(TokenError::Expired));
    }

    #[test]
    fn a_rotated_token_may_be_exchanged_again_only_within_the_window() {
        assert_eq!(verdict(None, 5_000), Verdict::Rotate);
        assert_eq!(verdict(Some(5_000), 5_000), Verdict::WithinWindow);
        assert_eq!(
            verdict(Some(5_000), 5_000 + REUSE_WINDOW_MS),
            Verdict::WithinWindow
        );
        assert_eq!(
            verdict(Some(5_000), 5_001 + REUSE_WINDOW_MS),
            Verdict::Reuse
        );
    }

    #[test]
    fn records_without_a_family_or_rotation_still_read() {
        let old: RefreshRecord = serde_json::from_str(r#"{"site":"demo","login":"ada"}"#).unwrap();
        assert_eq!((old.grant.family.as_str(), old.rotated_at), ("", None));
        let grant = RefreshGrant {
            site: "demo".into(),
            login: "ada".into(),
            family: "f1".into(),
            pwv: String::new(),
        };
        let rotated = RefreshRecord {
            grant: grant.clone(),
            rotated_at: Some(7),
        };
        let text = serde_json::to_string(&rotated).unwrap();
        assert_eq!(
            serde_json::from_str::<RefreshGrant>(&text).unwrap(),
            grant,
            "a rotated record still reads as its grant"
        );
    }

    #[test]
    fn a_new_password_has_another_version() {
        let policy = staffetta_handoff::password::PasswordPolicy::test_cheap();
        let one = policy.hash("first pass").unwrap();
        let two = policy.hash("first pass").unwrap();
        assert_eq!(password_version(&one), password_version(&one.clone()));
        assert_ne!(password_version(&one), password_version(&two));
        assert_eq!(password_version(&one).len(), 16);
    }

    #[test]
    fn access_tokens_issued_before_families_and_versions_still_verify() {
        let keys = TokenKeys::new(&Secret::new("k"));
        let old = serde_json::json!({"sub": "op-1", "site": "demo", "login": "ada", "exp": 1000});
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &old,
            &EncodingKey::from_secret(b"k"),
        )
        .unwrap();
        let claims = keys.verify(&token, 0).unwrap();
        assert_eq!((claims.fam.as_str(), claims.pwv.as_str()), ("", ""));
    }

    #[test]
    fn access_token_signed_with_another_key_is_invalid() {
        let token = TokenKeys::new(&Secret::new("a")).issue(&claims(1000));
        let other = TokenKeys::new(&Secret::new("b"));
        assert_eq!(other.verify(&token, 0), Err(TokenError::Invalid));
        assert_eq!(other.verify("garbage", 0), Err(TokenError::Invalid));
    }
}
