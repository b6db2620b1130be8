//! "Continue" on the idle warning (`POST .../sessions/{id}/continue`, websocket frame
//! `continue`): visitor activity without a message. One engine turn with
//! [`Input::KeepAlive`] moves the session's last activity to now; the record is written
//! back with compare-and-set and the idle deadline rescheduled in that same write
//! ([`crate::store::Store::put_scheduled`]), so the warning and the expiry come `timeout`
//! after this moment, and a write that conflicts or fails moves neither. Nothing is appended to the conversation log
//! unless the keep-alive came too late: then the turn expires the session and the
//! `session_expired` notice is persisted as a timer tick would have done it.

use staffetta_engine::step::Input;

use super::bus::Notice;
use super::conversation::{self, load, now, record_write, run_step};
use super::record::{Status, conversation_log};
use super::timer::{idle_deadline, wake_for};
use super::turn::{encode_entries, turn_entries};
use crate::app::AppState;
use crate::error::ApiError;
use crate::store::{AppendBatch, AppendOutcome, CasOutcome};

/// How often a keep-alive retries when another tab wrote the session in between.
const CAS_ATTEMPTS: usize = 8;

/// Keeps the session alive. Errors: 404 `session_not_found`, 409 `conversation_ended`,
/// 410 `session_expired` (also when this call found the deadline passed and expired it),
/// 401 `identity_expired`, 503 `busy` / `unavailable`.
pub async fn keep_alive(state: &AppState, session_id: &str) -> Result<(), ApiError> {
    for _ in 0..CAS_ATTEMPTS {
        let (mut record, versioned) = load(state, session_id).await?;
        if record.status == Status::Ended {
            return Err(conversation_ended());
        }
        if record.bot.expired {
            return Err(conversation::session_expired());
        }
        let now = now(state);
        if super::identity_expiry::has_expired(record.identity_expires_at, now.as_millisecond()) {
            return Err(super::identity_expiry::expired_error());
        }
        let (bot, outputs) = run_step(
            state,
            &record.site,
            &record.locale,
            now,
            record.bot.clone(),
            Input::KeepAlive,
        );
        record.bot = bot;
        // The deadline is written with the record, in one compare-and-set: a conflict or a
        // failed write leaves the schedule as the stored record has it.
        let deadline = idle_deadline(state, session_id, &record);
        let due_ms = deadline.due_ms;
        let write = record_write(session_id, Some(versioned.version), &record);
        if outputs.is_empty() {
            match state.store.put_scheduled(write, deadline).await? {
                CasOutcome::Written { .. } => {
                    if let Some(at) = due_ms {
                        wake_for(state, at);
                    }
                    return Ok(());
                }
                CasOutcome::Conflict { .. } => continue,
            }
        }
        // Too late: the turn expired the session. Persist the notice with the record.
        let batch = AppendBatch {
            schedule: Some(deadline),
            client_message_id: None,
            fingerprint: None,
            entries: encode_entries(&turn_entries(now, None, &outputs)),
            record: Some(write),
            guard: None,
            also: Vec::new(),
        };
        match state
            .store
            .append(&conversation_log(&record.conversation_id), batch)
            .await?
        {
            AppendOutcome::Appended { last_seq, .. } => {
                if let Some(at) = due_ms {
                    wake_for(state, at);
                }
                state
                    .bus
                    .publish(&record.conversation_id, Notice::Appended { head: last_seq });
                return Err(conversation::session_expired());
            }
            AppendOutcome::RecordConflict { .. } | AppendOutcome::GuardConflict { .. } => continue,
            AppendOutcome::Duplicate { .. } | AppendOutcome::IdConflict => {
                return Err(conversation::session_expired());
            }
        }
    }
    Err(ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "The conversation is busy; please retry.",
    ))
}

/// 409 for a conversation that has ended (by the visitor, the bot or an agent).
fn conversation_ended() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::CONFLICT,
        "conversation_ended",
        "This conversation has ended; start a new session.",
    )
}
