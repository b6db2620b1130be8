//! Agent session tokens: short-lived HS256 access tokens (JWT) and rotating refresh tokens
//! kept in the store as SHA-256 digests.
//!
//! Expiry of access tokens is checked against the node's [`Clock`], not the OS clock, so
//! tests can move time. A refresh token is single use: [`rotate`] deletes it before a new one
//! is issued, and a token that was already used is refused.

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

/// 64 hex digits from the OS random source (two UUID v4, 244 random bits).
pub fn random_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// What a refresh token stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshGrant {
    /// The site.
    pub site: String,
    /// The login.
    pub login: String,
}

/// The store key of a refresh token (a digest: the token itself is never stored).
pub fn refresh_key_of(token: &str) -> String {
    refresh_key(token)
}

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
    fn access_token_signed_with_another_key_is_invalid() {
        let token = TokenKeys::new(&Secret::new("a")).issue(&claims(1000));
        let other = TokenKeys::new(&Secret::new("b"));
        assert_eq!(other.verify(&token, 0), Err(TokenError::Invalid));
        assert_eq!(other.verify("garbage", 0), Err(TokenError::Invalid));
    }
}
