//! The conversation log side of the handoff: which session a conversation belongs to
//! (`handoff:{conversation}`, written at the start and updated by a handoff; it has no
//! expiry and is deleted with the conversation by [`crate::retention::purge`], so a purge
//! always finds the session, whose record's expiry restarts at each write), writing
//! entries with an optional change of the session's status (and optional entries for other
//! logs, e.g. a webhook outbox) in the same write, and turning the visitor events of desk
//! notices into log entries (so every tab, a reload and the long-poll see them in seq order).
//! A write that comes after the conversation was deleted is undone ([`undo_if_deleted`]).

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use staffetta_handoff::ConversationId;
use staffetta_handoff::visitor_event::{ClosedReason, EndedBy, VisitorEvent};
use staffetta_widget::protocol::{Event, EventKind, Sender};

use crate::app::AppState;
use crate::error::ApiError;
use crate::store::{AppendBatch, AppendOutcome, CasOutcome, RecordWrite, SideAppend, Versioned};
use crate::visitor::bus::Notice as BusNotice;
use crate::visitor::conversation::{self, now};
use crate::visitor::record::{
    SESSION_RETENTION, SessionRecord, Status, conversation_log, session_key,
};
use crate::visitor::turn::encode_entries;

const CAS_ATTEMPTS: usize = 8;

/// What links a conversation to its session (written at the start, updated by a handoff).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffLink {
    /// The visitor session.
    pub session_id: String,
    /// The first seq written after the (last) handoff began; 0 = never handed over.
    pub handoff_seq: u64,
    /// The visitor's key (`u:`, `s:` or `a:`, what the erasure route takes), written with
    /// the conversation's first link; kept by every later write (links stored before it
    /// existed have none: the admin look-up then reads the session record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor: Option<String>,
}

fn link_key(conversation: &str) -> String {
    format!("handoff:{conversation}")
}

/// The session of a conversation that was handed off.
pub async fn link(state: &AppState, conversation: &str) -> Result<Option<HandoffLink>, ApiError> {
    let Some(found) = state.store.get(&link_key(conversation)).await? else {
        return Ok(None);
    };
    Ok(serde_json::from_slice(&found.value).ok())
}

/// Links a conversation to its session (the agent transcript, desk notices and a purge find
/// the session through it). No expiry: the link lives as long as the conversation (a write
/// clears the 30-day expiry links had before).
///
/// A read-modify-write under compare-and-set, tried again when another writer came in
/// between (two handoff requests of one visitor): the merged link keeps the later
/// `handoff_seq` of the two, so the start of the last handoff never moves back to an older
/// one and neither writer's is lost. A link deleted in between (the conversation was
/// erased or retention removed it) is not written again: 404 `session_not_found`, as for
/// any write to a deleted conversation. 503 `busy` after [`CAS_ATTEMPTS`] conflicts.
pub async fn write_link(
    state: &AppState,
    conversation: &str,
    link: &HandoffLink,
) -> Result<(), ApiError> {
    let key = link_key(conversation);
    let mut current = state.store.get(&key).await?;
    for _ in 0..CAS_ATTEMPTS {
        let stored = current.as_ref().and_then(decode_link);
        let merged = merge_link(stored.as_ref(), link);
        if stored.as_ref() == Some(&merged) {
            // Already there (say, a concurrent request of the same handoff wrote it): a
            // write would change nothing, and ten such requests would only conflict.
            return Ok(());
        }
        let write = RecordWrite {
            key: key.clone(),
            expected_version: current.as_ref().map(|c| c.version),
            value: Bytes::from(serde_json::to_vec(&merged).unwrap_or_default()),
            ttl: None,
        };
        match state.store.put(write).await? {
            CasOutcome::Written { .. } => return Ok(()),
            CasOutcome::Conflict { current: None } => {
                return Err(conversation::session_not_found());
            }
            CasOutcome::Conflict { current: now } => current = now,
        }
    }
    Err(ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "The conversation is busy; please retry.",
    ))
}

/// A stored link; `None` when it does not decode (then it is replaced).
fn decode_link(stored: &Versioned) -> Option<HandoffLink> {
    serde_json::from_slice(&stored.value).ok()
}

/// What [`write_link`] stores over the `stored` link: `link`, with the later `handoff_seq`
/// of the two.
fn merge_link(stored: Option<&HandoffLink>, link: &HandoffLink) -> HandoffLink {
    HandoffLink {
        session_id: link.session_id.clone(),
        handoff_seq: stored.map_or(link.handoff_seq, |s| s.handoff_seq.max(link.handoff_seq)),
        visitor: link
            .visitor
            .clone()
            .or_else(|| stored.and_then(|s| s.visitor.clone())),
    }
}

/// Links a new conversation to its session ([`write_link`]): one write, as no link of it
/// exists yet.
pub async fn create_link(
    state: &AppState,
    conversation: &str,
    link: &HandoffLink,
) -> Result<(), ApiError> {
    let write = RecordWrite {
        key: link_key(conversation),
        expected_version: None,
        value: Bytes::from(serde_json::to_vec(link).unwrap_or_default()),
        ttl: None,
    };
    match state.store.put(write).await? {
        CasOutcome::Written { .. } => Ok(()),
        CasOutcome::Conflict { .. } => Err(ApiError::internal(
            &"a new conversation was linked to a session already",
        )),
    }
}

/// Deletes the link of a deleted conversation; true when it existed.
pub async fn delete_link(state: &AppState, conversation: &str) -> Result<bool, ApiError> {
    Ok(state.store.delete(&link_key(conversation), None).await?)
}

/// Writes the visitor event of a desk notice into the conversation log.
pub async fn apply_event(
    state: &AppState,
    conversation: &ConversationId,
    event: VisitorEvent,
) -> Result<(), ApiError> {
    let id = conversation.as_str();
    let (entry, status) = match event {
        VisitorEvent::AgentTyping {
            display_name,
            typing,
        } => {
            let typing = Event {
                seq: None,
                kind: EventKind::Typing {
                    from: Sender::Agent,
                    typing,
                    agent_name: Some(display_name),
                },
            };
            state
                .bus
                .publish(id, BusNotice::Ephemeral(Box::new(typing)));
            return Ok(());
        }
        VisitorEvent::QueueUpdate {
            position,
            estimated_wait_s,
        } => (
            EventKind::QueueUpdate {
                position,
                estimated_wait_s: estimated_wait_s.map(u64::from),
            },
            None,
        ),
        VisitorEvent::AgentJoined { display_name } => (
            EventKind::AgentJoined {
                agent_name: display_name,
            },
            None,
        ),
        // Back in the queue (a transfer or a lost agent). A visitor who closed every tab
        // during the chat already has a look due (their lease was held through the chat),
        // or was found gone and the desk cancels instead (`VisitorGone`).
        VisitorEvent::AgentLeft { display_name } => (
            EventKind::AgentLeft {
                agent_name: display_name,
            },
            None,
        ),
        VisitorEvent::AgentReconnecting { display_name } => (
            EventKind::AgentReconnecting {
                agent_name: display_name,
            },
            None,
        ),
        VisitorEvent::AgentReconnected { display_name } => (
            EventKind::AgentReconnected {
                agent_name: display_name,
            },
            None,
        ),
        VisitorEvent::ConversationEnded { by: EndedBy::Agent } => (
            EventKind::ConversationEnded { by: Sender::Agent },
            Some(Status::Ended),
        ),
        // The visitor's own leave is written by `leave`, which knows whether the bot
        // takes over again or the conversation ends.
        VisitorEvent::ConversationEnded {
            by: EndedBy::Visitor,
        } => return Ok(()),
        VisitorEvent::VisitorGone => {
            let locale = locale_of(state, id).await?;
            (
                cancelled_entry(state, &locale, CancelReason::VisitorGone),
                Some(Status::Bot),
            )
        }
        VisitorEvent::QueueClosed { reason } => {
            let locale = locale_of(state, id).await?;
            (
                queue_closed_entry(state, &locale, reason, None),
                Some(Status::Bot),
            )
        }
    };
    append(state, id, vec![entry], status).await.map(|_| ())
}

/// The locale of the conversation's session ("" when unknown: the default one).
async fn locale_of(state: &AppState, conversation: &str) -> Result<String, ApiError> {
    Ok(match link(state, conversation).await? {
        Some(link) => conversation::load(state, &link.session_id)
            .await
            .map(|(r, _)| r.locale)
            .unwrap_or_default(),
        None => String::new(),
    })
}

/// Appends entries to a conversation's log, optionally changing its session's status in
/// the same write; publishes the new head. Returns the last seq.
pub async fn append(
    state: &AppState,
    conversation: &str,
    entries: Vec<EventKind>,
    status: Option<Status>,
) -> Result<u64, ApiError> {
    append_with(state, conversation, entries, status, Vec::new()).await
}

/// [`append`], with entries for other logs in the same write (`also`: the outbox item of an
/// agent's message for the site's external desk), stored exactly when the entries are.
pub async fn append_with(
    state: &AppState,
    conversation: &str,
    entries: Vec<EventKind>,
    status: Option<Status>,
    also: Vec<SideAppend>,
) -> Result<u64, ApiError> {
    let log = conversation_log(conversation);
    let entries = encode_entries(&entries);
    let session = match status {
        Some(_) => link(state, conversation).await?.map(|l| l.session_id),
        None => None,
    };
    for _ in 0..CAS_ATTEMPTS {
        let record = match (&session, status) {
            (Some(session_id), Some(status)) => {
                let (mut record, versioned) = conversation::load(state, session_id).await?;
                if record.status == Status::Ended {
                    // Never reopen an ended conversation; the entries still go in.
                    None
                } else {
                    let was_handoff = record.status == Status::Handoff;
                    record.status = status;
                    if status == Status::Bot && was_handoff {
                        // The bot takes over again: the idle clock restarts now.
                        record.bot.last_activity = now(state);
                        record.bot.warned = false;
                    }
                    Some((session_id.clone(), record, versioned))
                }
            }
            _ => None,
        };
        let write = record
            .as_ref()
            .map(|(session_id, record, versioned)| record_write(session_id, record, versioned));
        let deadline = record.as_ref().map(|(session_id, record, _)| {
            crate::visitor::timer::idle_deadline(state, session_id, record)
        });
        let wakes_timer = deadline.as_ref().is_some_and(|d| d.due_ms.is_some());
        let batch = AppendBatch {
            schedule: deadline,
            client_message_id: None,
            fingerprint: None,
            entries: entries.clone(),
            record: write,
            guard: None,
            also: also.clone(),
        };
        match state.store.append(&log, batch).await? {
            AppendOutcome::Appended {
                first_seq,
                last_seq,
                ..
            } => {
                undo_if_deleted(state, conversation, first_seq).await?;
                if wakes_timer {
                    state.timer.notify_one();
                }
                state
                    .bus
                    .publish(conversation, BusNotice::Appended { head: last_seq });
                return Ok(last_seq);
            }
            AppendOutcome::RecordConflict { .. } | AppendOutcome::GuardConflict { .. } => continue,
            AppendOutcome::Duplicate { last_seq, .. } => return Ok(last_seq),
            AppendOutcome::IdConflict => {
                return Err(ApiError::internal(&"id conflict on an append without id"));
            }
        }
    }
    Err(ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "The conversation is busy; please retry.",
    ))
}

/// After an append to a conversation's log that landed at `first_seq`: a log deleted
/// meanwhile is deleted again. Every conversation's log starts with the start's welcome, so
/// any other append that lands at seq 1 found the log gone: the conversation was deleted
/// (an erasure, retention) after the writer read its session, and the append started a new
/// log that nothing would ever delete. It is deleted and the writer gets 404
/// `session_not_found`, as if the session had been gone when it read it.
pub(crate) async fn undo_if_deleted(
    state: &AppState,
    conversation: &str,
    first_seq: u64,
) -> Result<(), ApiError> {
    if first_seq > 1 {
        return Ok(());
    }
    state
        .store
        .delete_log(&conversation_log(conversation))
        .await?;
    tracing::info!("a write to a deleted conversation was undone");
    Err(conversation::session_not_found())
}

pub(crate) async fn set_status(
    state: &AppState,
    session_id: &str,
    status: Status,
) -> Result<(), ApiError> {
    for _ in 0..CAS_ATTEMPTS {
        let (mut record, versioned) = conversation::load(state, session_id).await?;
        if record.status == Status::Ended || record.status == status {
            return Ok(());
        }
        record.status = status;
        let write = record_write(session_id, &record, &versioned);
        // The idle deadline follows the record in the same write (none in handoff): a
        // separate schedule write could land after another writer's and undo its deadline.
        let deadline = crate::visitor::timer::idle_deadline(state, session_id, &record);
        let due_ms = deadline.due_ms;
        if let CasOutcome::Written { .. } = state.store.put_scheduled(write, deadline).await? {
            if let Some(due_ms) = due_ms {
                crate::visitor::timer::wake_for(state, due_ms);
            }
            return Ok(());
        }
    }
    Err(ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "The conversation is busy; please retry.",
    ))
}

fn record_write(session_id: &str, record: &SessionRecord, versioned: &Versioned) -> RecordWrite {
    RecordWrite {
        key: session_key(session_id),
        expected_version: Some(versioned.version),
        value: Bytes::from(serde_json::to_vec(record).unwrap_or_default()),
        ttl: Some(SESSION_RETENTION),
    }
}

pub(crate) fn queue_closed_entry(
    state: &AppState,
    locale: &str,
    reason: ClosedReason,
    next_opening: Option<jiff::Timestamp>,
) -> EventKind {
    let (code, text_id) = match reason {
        ClosedReason::OutsideHours => ("outside_hours", "handoff-closed-outside-hours"),
        ClosedReason::NobodyAvailable => ("nobody_available", "handoff-closed-nobody-available"),
        ClosedReason::WaitTooLong => ("wait_too_long", "handoff-closed-wait-too-long"),
    };
    EventKind::QueueClosed {
        reason: code.to_owned(),
        next_opening: next_opening.map(jiff::Timestamp::as_millisecond),
        text: system_text(state, locale, text_id),
    }
}

/// Why a wait for an agent was cancelled (the `reason` of `handoff_cancelled`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelReason {
    /// The visitor stopped waiting ("Stop waiting", `DELETE .../handoff`).
    VisitorCancelled,
    /// Every connection of the visitor was gone for the site's `handoff.visitor_gone_s`.
    VisitorGone,
}

impl CancelReason {
    /// The stable code written into the event.
    pub fn code(self) -> &'static str {
        match self {
            Self::VisitorCancelled => "visitor_cancelled",
            Self::VisitorGone => "visitor_gone",
        }
    }

    /// Who cancelled: the visitor, or Staffetta on their behalf.
    pub fn by(self) -> Sender {
        match self {
            Self::VisitorCancelled => Sender::Visitor,
            Self::VisitorGone => Sender::System,
        }
    }

    fn text_id(self) -> &'static str {
        match self {
            Self::VisitorCancelled => "handoff-cancelled",
            Self::VisitorGone => "handoff-cancelled-gone",
        }
    }
}

/// The `handoff_cancelled` entry, with the notice in the visitor's locale.
pub(crate) fn cancelled_entry(state: &AppState, locale: &str, reason: CancelReason) -> EventKind {
    EventKind::HandoffCancelled {
        by: reason.by(),
        reason: reason.code().to_owned(),
        text: system_text(state, locale, reason.text_id()),
    }
}

pub(crate) fn system_text(state: &AppState, locale: &str, id: &str) -> String {
    let locale = if locale.is_empty() { "en" } else { locale };
    state.bots.localizer().format_id(locale, id, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancelled_wait_says_who_and_why_in_a_stable_shape() {
        let cases = [
            (
                CancelReason::VisitorCancelled,
                "visitor",
                "visitor_cancelled",
            ),
            (CancelReason::VisitorGone, "system", "visitor_gone"),
        ];
        for (reason, by, code) in cases {
            assert_eq!(reason.code(), code);
            let entry = EventKind::HandoffCancelled {
                by: reason.by(),
                reason: reason.code().to_owned(),
                text: "You left the queue.".to_owned(),
            };
            let json = serde_json::to_value(&entry).unwrap();
            assert_eq!(
                json,
                serde_json::json!({
                    "type": "handoff_cancelled", "by": by, "reason": code,
                    "text": "You left the queue.",
                })
            );
            let back: EventKind = serde_json::from_value(json).unwrap();
            assert_eq!(back, entry);
            assert!(back.is_persistent());
        }
    }

    #[test]
    fn a_merged_link_keeps_the_later_handoff_seq_of_the_two() {
        let stored = |seq: u64| Versioned {
            version: 7,
            value: Bytes::from(
                serde_json::to_vec(&HandoffLink {
                    session_id: "s".to_owned(),
                    handoff_seq: seq,
                    visitor: Some("a:x".to_owned()),
                })
                .unwrap(),
            ),
        };
        let ours = HandoffLink {
            session_id: "s".to_owned(),
            handoff_seq: 9,
            visitor: None,
        };
        let merged = |stored: &Versioned| merge_link(decode_link(stored).as_ref(), &ours);
        assert_eq!(merged(&stored(4)).handoff_seq, 9);
        assert_eq!(merged(&stored(4)).visitor.as_deref(), Some("a:x"));
        assert_eq!(merged(&stored(12)).handoff_seq, 12);
        assert_eq!(merge_link(None, &ours).handoff_seq, 9);
        let garbage = Versioned {
            version: 1,
            value: Bytes::from_static(b"not json"),
        };
        assert_eq!(merged(&garbage).handoff_seq, 9);
    }

    #[test]
    fn each_reason_has_its_own_localized_text() {
        assert_ne!(
            CancelReason::VisitorCancelled.text_id(),
            CancelReason::VisitorGone.text_id()
        );
    }
}
