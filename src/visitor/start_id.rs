//! Idempotent session starts: a `client_start_id` in the body of `POST /sessions` makes a
//! repeat of the same start (its answer was lost, the network cut after the server created
//! the session) answer the same session instead of a second conversation.
//!
//! The first start with an id claims the record `start-id:{site}:{digest of the id}` (it
//! must not exist) for [`CLAIM_TTL`], starts the conversation and then keeps its answer
//! there for [`REPEAT_WINDOW`]. A repeat within the window, of the same visitor with the same
//! fields, is answered from the record (200 instead of 201): same session, same welcome,
//! nothing counted or written again. The same id with another visitor or other fields is
//! refused (409 `client_start_id_reused`); a repeat while the first is still running is
//! refused with 409 `start_in_progress` (retry in a moment). A start that fails deletes its
//! claim, so its retry starts afresh; a session that no longer exists (ended long ago,
//! erased) is not answered again: its record is dropped and the repeat starts a new one.
//!
//! The store never holds the id itself nor the session token in clear: the record is keyed
//! by the id's SHA-256 and the token is sealed with a key stream derived from the id, which
//! only the client has (the session record keeps only the token's digest, as ever).

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use staffetta_widget::protocol::{SessionStarted, StartSession};

use crate::app::AppState;
use crate::error::ApiError;
use crate::store::{CasOutcome, RecordWrite};

/// How long a repeat of a start answers the same session.
pub const REPEAT_WINDOW: Duration = Duration::from_secs(10 * 60);

/// How long a start in progress holds its id (a node that crashed mid-start lets go then).
pub const CLAIM_TTL: Duration = Duration::from_secs(30);

/// Accepted lengths of a `client_start_id`.
const LENGTH: std::ops::RangeInclusive<usize> = 16..=128;

/// A client-chosen start id: 16-128 of `[A-Za-z0-9_-]` (random, like the widget's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartId(String);

impl StartId {
    /// Checks the id's form (400 `invalid_client_start_id`).
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let valid = LENGTH.contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ApiError::bad_request(
                "invalid_client_start_id",
                "client_start_id must be 16-128 characters of A-Z, a-z, 0-9, `-` and `_`.",
            ))
        }
    }

    /// The record of this id on `site`.
    fn record_key(&self, site: &str) -> String {
        let digest = Sha256::digest(self.0.as_bytes());
        format!("start-id:{site}:{}", URL_SAFE_NO_PAD.encode(digest))
    }

    /// Seals (or unseals: the same operation) a token with a key stream derived from the id.
    fn seal(&self, token: &[u8]) -> Vec<u8> {
        let stream = (0u32..).flat_map(|block| {
            let mut hash = Sha256::new();
            hash.update(b"staffetta start token\0");
            hash.update(self.0.as_bytes());
            hash.update(block.to_be_bytes());
            hash.finalize().to_vec()
        });
        token.iter().zip(stream).map(|(b, k)| b ^ k).collect()
    }
}

/// What the record of a start id holds.
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    /// [`fingerprint`] of the start that claimed the id.
    fingerprint: String,
    /// The answer, once the session started (its `session_token` sealed, base64url).
    #[serde(default)]
    started: Option<SessionStarted>,
}

/// What [`claim`] found.
#[derive(Debug)]
pub enum Claim {
    /// The id is this start's: start the session, then [`settle`] (or [`release`]).
    New(Claimed),
    /// A repeat: the answer of the start that used the id first.
    Repeat(SessionStarted),
}

/// A start id claimed by this start.
#[derive(Debug)]
pub struct Claimed {
    id: StartId,
    key: String,
    version: u64,
    fingerprint: String,
}

/// What makes two starts the same: the site, the visitor (their identity key, whatever
/// token proved it) and the fields the session is started with.
pub fn fingerprint(site: &str, identity_key: &str, request: &StartSession) -> String {
    let fields = serde_json::json!([
        site,
        identity_key,
        request.locale,
        request.page_url,
        request.referrer,
        request.dispatch_to,
        request.restore,
    ]);
    URL_SAFE_NO_PAD.encode(Sha256::digest(fields.to_string().as_bytes()))
}

/// Claims `id` for a start with `fingerprint`, or finds the start that has it.
pub async fn claim(
    state: &AppState,
    site: &str,
    id: StartId,
    fingerprint: String,
) -> Result<Claim, ApiError> {
    let key = id.record_key(site);
    let value = serde_json::to_vec(&Stored {
        fingerprint: fingerprint.clone(),
        started: None,
    })
    .map_err(|e| ApiError::internal(&e))?;
    // A record that expires or is dropped between the write and the read is claimed again.
    for _ in 0..3 {
        let outcome = state
            .store
            .put(RecordWrite {
                key: key.clone(),
                expected_version: None,
                value: Bytes::from(value.clone()),
                ttl: Some(CLAIM_TTL),
            })
            .await?;
        let current = match outcome {
            CasOutcome::Written { version } => {
                return Ok(Claim::New(Claimed {
                    id,
                    key,
                    version,
                    fingerprint,
                }));
            }
            CasOutcome::Conflict { current: None } => continue,
            CasOutcome::Conflict {
                current: Some(current),
            } => current,
        };
        let stored: Stored =
            serde_json::from_slice(&current.value).map_err(|e| ApiError::internal(&e))?;
        if stored.fingerprint != fingerprint {
            return Err(reused());
        }
        let Some(mut started) = stored.started else {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "start_in_progress",
                "A start with this client_start_id is still in progress; retry in a moment.",
            )
            .with_retry_after(1));
        };
        if super::conversation::load(state, &started.session_id)
            .await
            .is_err_and(|e| e.code() == "session_not_found")
        {
            // The session is gone (erased, deleted): nothing to answer again.
            state.store.delete(&key, Some(current.version)).await?;
            continue;
        }
        let sealed = URL_SAFE_NO_PAD
            .decode(started.session_token.as_bytes())
            .map_err(|e| ApiError::internal(&e))?;
        started.session_token =
            String::from_utf8(id.seal(&sealed)).map_err(|e| ApiError::internal(&e))?;
        return Ok(Claim::Repeat(started));
    }
    Err(ApiError::new(
        axum::http::StatusCode::CONFLICT,
        "start_in_progress",
        "A start with this client_start_id is still in progress; retry in a moment.",
    )
    .with_retry_after(1))
}

/// 409 `client_start_id_reused`.
fn reused() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::CONFLICT,
        "client_start_id_reused",
        "This client_start_id was used by another session start (another visitor, or other \
         fields); use a new id for a new start.",
    )
}

/// Keeps the answer of a started session for repeats ([`REPEAT_WINDOW`]). A failure only
/// costs the idempotency (logged): the session is started and is answered.
pub async fn settle(state: &AppState, claimed: Claimed, answer: &SessionStarted) {
    let mut kept = answer.clone();
    kept.session_token = URL_SAFE_NO_PAD.encode(claimed.id.seal(answer.session_token.as_bytes()));
    let stored = Stored {
        fingerprint: claimed.fingerprint,
        started: Some(kept),
    };
    let value = match serde_json::to_vec(&stored) {
        Ok(value) => value,
        Err(error) => {
            tracing::warn!(%error, "a session start's answer could not be kept for repeats");
            return;
        }
    };
    let write = RecordWrite {
        key: claimed.key,
        expected_version: Some(claimed.version),
        value: Bytes::from(value),
        ttl: Some(REPEAT_WINDOW),
    };
    match state.store.put(write).await {
        Ok(CasOutcome::Written { .. }) => {}
        Ok(CasOutcome::Conflict { .. }) => {
            tracing::warn!("a session start's claim expired before its answer could be kept");
        }
        Err(error) => {
            tracing::warn!(%error, "a session start's answer could not be kept for repeats");
        }
    }
}

/// Lets go of the id of a start that failed, so that its retry starts afresh.
pub async fn release(state: &AppState, claimed: Claimed) {
    if let Err(error) = state
        .store
        .delete(&claimed.key, Some(claimed.version))
        .await
    {
        // The claim expires by itself after CLAIM_TTL.
        tracing::warn!(%error, "a failed session start could not release its client_start_id");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_id_has_the_form_of_an_anonymous_id() {
        assert!(StartId::parse("0123456789abcdef").is_ok());
        assert!(StartId::parse(&"a".repeat(128)).is_ok());
        for bad in ["short", "0123456789abcde!", &"a".repeat(129)] {
            assert_eq!(
                StartId::parse(bad).unwrap_err().code(),
                "invalid_client_start_id"
            );
        }
    }

    #[test]
    fn a_sealed_token_opens_with_its_id_only() {
        let id = StartId::parse("0123456789abcdef0123").unwrap();
        let token = "f".repeat(64);
        let sealed = id.seal(token.as_bytes());
        assert_ne!(sealed, token.as_bytes());
        assert_eq!(id.seal(&sealed), token.as_bytes());
        let other = StartId::parse("0123456789abcdef0124").unwrap();
        assert_ne!(other.seal(&sealed), token.as_bytes());
    }
}
