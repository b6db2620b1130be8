//! Identity tokens that expire mid-conversation: at `exp` the visitor's tabs get an
//! `identity_expired` event (from the idle timer's second schedule), messages are refused
//! with 401 `identity_expired` until the widget sends a fresh token, and the fresh token
//! (same visitor) continues the same conversation.

use bytes::Bytes;
use serde::Deserialize;
use staffetta_widget::protocol::EventKind;

use super::bus::Notice;
use super::conversation::{self, now};
use super::identity::{IdentityKind, VisitorIdentity};
use super::record::{SESSION_RETENTION, Status, conversation_log, session_key};
use crate::app::AppState;
use crate::error::ApiError;
use crate::store::{AppendBatch, CasOutcome, RecordWrite};

/// Deadlines of identity tokens (member = session id).
pub const IDENTITY_SCHEDULE: &str = "identity-expiry";

/// Body of `PUT .../sessions/{id}/identity`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityRefresh {
    /// The fresh RS256 JWT.
    pub identity_token: String,
}

/// 401 for a message sent with an expired identity token.
pub fn expired_error() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::UNAUTHORIZED,
        "identity_expired",
        "The identity token expired; send a fresh one to continue this conversation.",
    )
}

/// Whether the session's identity token has expired at `now_ms`.
pub fn has_expired(expires_at: Option<i64>, now_ms: i64) -> bool {
    expires_at.is_some_and(|exp| now_ms >= exp)
}

/// Schedules the `identity_expired` event of a session.
pub async fn schedule(
    state: &AppState,
    session_id: &str,
    expires_at: Option<i64>,
) -> Result<(), ApiError> {
    if let Some(exp) = expires_at {
        state
            .store
            .schedule(IDENTITY_SCHEDULE, session_id, exp)
            .await?;
        state.timer.notify_one();
    }
    Ok(())
}

/// Applies a due identity deadline: appends `identity_expired` unless the token was
/// refreshed meanwhile or the conversation ended.
pub async fn apply(state: &AppState, session_id: &str) -> Result<(), ApiError> {
    let loaded = conversation::load(state, session_id).await;
    state
        .store
        .unschedule(IDENTITY_SCHEDULE, session_id)
        .await?;
    let Ok((record, _)) = loaded else {
        return Ok(());
    };
    let now_ms = now(state).as_millisecond();
    if record.status == Status::Ended || !has_expired(record.identity_expires_at, now_ms) {
        // Refreshed: the new deadline was scheduled by the refresh.
        if let Some(exp) = record.identity_expires_at.filter(|exp| *exp > now_ms) {
            state
                .store
                .schedule(IDENTITY_SCHEDULE, session_id, exp)
                .await?;
        }
        return Ok(());
    }
    let body = serde_json::to_vec(&EventKind::IdentityExpired {}).unwrap_or_default();
    let batch = AppendBatch {
        schedule: None,
        client_message_id: None,
        fingerprint: None,
        entries: vec![Bytes::from(body)],
        record: None,
        guard: None,
        also: Vec::new(),
    };
    if let crate::store::AppendOutcome::Appended {
        first_seq,
        last_seq,
        ..
    } = state
        .store
        .append(&conversation_log(&record.conversation_id), batch)
        .await?
    {
        // Deleted after the record was read (an erasure, retention): the event must not
        // start the conversation's log again.
        let undone = crate::desk::conversation_log::undo_if_deleted(
            state,
            &record.conversation_id,
            first_seq,
        );
        match undone.await {
            Ok(()) => {}
            Err(err) if err.code() == "session_not_found" => return Ok(()),
            Err(err) => return Err(err),
        }
        state
            .bus
            .publish(&record.conversation_id, Notice::Appended { head: last_seq });
    }
    Ok(())
}

/// Checks a fresh token for the same visitor and stores its expiry.
pub async fn refresh(state: &AppState, session_id: &str, token: &str) -> Result<(), ApiError> {
    for _ in 0..8 {
        let (mut record, versioned) = conversation::load(state, session_id).await?;
        let current = VisitorIdentity {
            kind: IdentityKind::Verified,
            key: record.identity_key.clone(),
            expires_at: None,
        };
        let fresh = state
            .identity
            .refresh(&record.site, &current, token, now(state))?;
        record.identity_expires_at = fresh.expires_at.map(|t| t.as_millisecond());
        let write = RecordWrite {
            key: session_key(session_id),
            expected_version: Some(versioned.version),
            value: Bytes::from(serde_json::to_vec(&record).unwrap_or_default()),
            ttl: Some(SESSION_RETENTION),
        };
        if let CasOutcome::Written { .. } = state.store.put(write).await? {
            schedule(state, session_id, record.identity_expires_at).await?;
            return Ok(());
        }
    }
    Err(ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "The conversation is busy; please retry.",
    ))
}
