//! The visitor's side of a handoff at the edge: asking for a human, leaving, messages while
//! an agent has the conversation, and the visitor events of desk notices written into the
//! conversation log (so every tab, a reload and the long-poll see them in seq order).
//!
//! A conversation in handoff is linked to its session under `handoff:{conversation}`, so
//! desk notices (which name conversations) can reach the session record.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use staffetta_handoff::connector::{Author, ChatMessage, Outbound};
use staffetta_handoff::desk::{HandoffRequest, RequestOutcome};
use staffetta_handoff::visitor_event::{ClosedReason, EndedBy, VisitorEvent};
use staffetta_handoff::{ConversationId, DeskError, ResourceId};
use staffetta_widget::protocol::{
    Event, EventKind, MessageInput, MessageRequest, MessageResponse, OutputBody, Sender,
};

use super::{deliver, site_desk};
use crate::app::AppState;
use crate::error::ApiError;
use crate::store::{AppendBatch, AppendOutcome, RecordWrite, Versioned};
use crate::visitor::bus::Notice as BusNotice;
use crate::visitor::conversation::{self, now};
use crate::visitor::record::{
    IDLE_SCHEDULE, SESSION_RETENTION, SessionRecord, Status, conversation_log, session_key,
};
use crate::visitor::turn::encode_entries;

const CAS_ATTEMPTS: usize = 8;
/// Log entries summarised for the agent when the handoff starts.
const SUMMARY_ENTRIES: usize = 60;

/// What links a conversation to its session (written at the start, updated by a handoff).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HandoffLink {
    /// The visitor session.
    pub session_id: String,
    /// The first seq written after the (last) handoff began; 0 = never handed over.
    pub handoff_seq: u64,
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

/// Links a conversation to its session (the agent transcript and desk notices find the
/// session through it).
pub async fn write_link(
    state: &AppState,
    conversation: &str,
    link: &HandoffLink,
) -> Result<(), ApiError> {
    let current = state.store.get(&link_key(conversation)).await?;
    let write = RecordWrite {
        key: link_key(conversation),
        expected_version: current.map(|c| c.version),
        value: Bytes::from(serde_json::to_vec(link).unwrap_or_default()),
        ttl: Some(SESSION_RETENTION),
    };
    state.store.put(write).await?;
    Ok(())
}

/// The answer to a handoff request, as the visitor API returns it.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum HandoffAnswer {
    /// Waiting in the queue.
    Queued {
        /// 1 = next.
        position: u32,
        /// Estimated seconds until an agent joins.
        estimated_wait_s: u32,
    },
    /// Offered to an agent right away.
    Offered,
    /// Nobody will answer now; a request can be left instead.
    Closed {
        /// `outside_hours`, `nobody_available` or `wait_too_long`.
        reason: ClosedReason,
        /// When the resource opens next (ms since the Unix epoch), if known.
        #[serde(skip_serializing_if = "Option::is_none")]
        next_opening: Option<i64>,
    },
}

/// The visitor (or the dialog) asks for a human.
pub async fn request(
    state: &AppState,
    session_id: &str,
    resource: Option<String>,
    note: Option<&str>,
) -> Result<HandoffAnswer, ApiError> {
    let (record, _) = conversation::load(state, session_id).await?;
    if record.bot.expired {
        return Err(conversation::session_expired());
    }
    match record.status {
        Status::Ended => return Err(conversation_ended()),
        Status::Handoff => {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "already_in_handoff",
                "This conversation is already with the team or waiting for it.",
            ));
        }
        Status::Bot => {}
    }
    let dispatch_to = resource
        .or_else(|| record.dispatch_to.clone())
        .map(|r| ResourceId::parse(&r))
        .transpose()
        .map_err(|_| {
            ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_resource",
                "No such resource on this site.",
            )
        })?;
    let conversation =
        ConversationId::parse(&record.conversation_id).map_err(|e| ApiError::internal(&e))?;
    let log = conversation_log(&record.conversation_id);
    let head = state.store.log_head(&log).await?;
    let summary = summary(state, &log, head, note).await?;
    write_link(
        state,
        &record.conversation_id,
        &HandoffLink {
            session_id: session_id.to_owned(),
            handoff_seq: head + 1,
        },
    )
    .await?;
    let handoff = HandoffRequest {
        conversation,
        dispatch_to,
        summary,
    };
    // The session is in handoff before the desk can offer it, so an agent who accepts at
    // once finds it ready for their messages; a refusal below puts the bot back.
    set_status(state, session_id, Status::Handoff).await?;
    let outcome = match site_desk::update(state, &record.site, |desk, now| {
        desk.request(now, handoff.clone())
    })
    .await
    {
        Ok(outcome) => outcome,
        Err(err) => {
            set_status(state, session_id, Status::Bot).await?;
            return Err(err);
        }
    };
    if outcome.is_err() {
        set_status(state, session_id, Status::Bot).await?;
    }
    let (outcome, notices) = outcome.map_err(|e| request_refusal(&e))?;
    let answer = match outcome {
        RequestOutcome::Queued(status) => HandoffAnswer::Queued {
            position: status.position,
            estimated_wait_s: status.estimated_wait_s,
        },
        RequestOutcome::Offered => {
            // Every tab learns the visitor is waiting, even when an agent is offered the
            // conversation at once: first in line, no wait expected.
            let next = EventKind::QueueUpdate {
                position: 1,
                estimated_wait_s: 0,
            };
            append(state, &record.conversation_id, vec![next], None).await?;
            HandoffAnswer::Offered
        }
        RequestOutcome::Closed {
            reason,
            next_opening,
        } => {
            let closed = queue_closed_entry(state, &record.locale, reason, next_opening);
            append(
                state,
                &record.conversation_id,
                vec![closed],
                Some(Status::Bot),
            )
            .await?;
            return Ok(HandoffAnswer::Closed {
                reason,
                next_opening: next_opening.map(jiff::Timestamp::as_millisecond),
            });
        }
    };
    deliver::deliver(state, &record.site, notices).await;
    Ok(answer)
}

/// The visitor cancels waiting (back to the bot) or leaves the agent (the conversation
/// ends). A conversation not in handoff is left as it is.
pub async fn leave(state: &AppState, session_id: &str) -> Result<(), ApiError> {
    let (record, _) = conversation::load(state, session_id).await?;
    if record.status != Status::Handoff {
        return Ok(());
    }
    let conversation =
        ConversationId::parse(&record.conversation_id).map_err(|e| ApiError::internal(&e))?;
    let outcome = site_desk::update(state, &record.site, |desk, now| {
        let had_agent = desk.owner_of(&conversation).is_some();
        let notices = desk.end_by_visitor(now, &conversation)?;
        Ok((had_agent, notices))
    })
    .await?;
    let had_agent = match outcome {
        Ok((had_agent, notices)) => {
            deliver::deliver(state, &record.site, notices).await;
            had_agent
        }
        // Not at the desk any more (the agent ended it a moment ago): nothing to cancel.
        Err(DeskError::UnknownConversation(_)) => false,
        Err(other) => return Err(desk_refusal(&other)),
    };
    if had_agent {
        let entry = EventKind::ConversationEnded {
            by: Sender::Visitor,
        };
        append(
            state,
            &record.conversation_id,
            vec![entry],
            Some(Status::Ended),
        )
        .await?;
    } else {
        let text = system_text(state, &record.locale, "handoff-cancelled");
        append(
            state,
            &record.conversation_id,
            vec![system_message(state, text)],
            Some(Status::Bot),
        )
        .await?;
    }
    Ok(())
}

/// The visitor ends the whole conversation while in handoff: the desk lets go of it.
pub async fn end_conversation(state: &AppState, record: &SessionRecord) {
    let Ok(conversation) = ConversationId::parse(&record.conversation_id) else {
        return;
    };
    let outcome = site_desk::update(state, &record.site, |desk, now| {
        Ok(((), desk.end_by_visitor(now, &conversation)?))
    })
    .await;
    if let Ok(Ok(((), notices))) = outcome {
        deliver::deliver(state, &record.site, notices).await;
    }
}

/// A visitor message while the conversation is in handoff: stored (idempotent by
/// `client_message_id`) and passed to the agent who has it. The bot stays silent.
pub async fn visitor_message(
    state: &AppState,
    record: &SessionRecord,
    request: &MessageRequest,
    fingerprint: Bytes,
) -> Result<MessageResponse, ApiError> {
    let now = now(state);
    let entry = EventKind::Message {
        from: Sender::Visitor,
        at: now.as_millisecond(),
        client_message_id: Some(request.client_message_id.clone()),
        input: Some(request.input.clone()),
        output: None,
        agent_name: None,
    };
    let log = conversation_log(&record.conversation_id);
    let batch = AppendBatch {
        client_message_id: Some(request.client_message_id.clone()),
        fingerprint: Some(fingerprint),
        entries: encode_entries(&[entry]),
        record: None,
    };
    let seq = match state.store.append(&log, batch).await? {
        AppendOutcome::Appended {
            first_seq,
            last_seq,
            ..
        } => {
            state.bus.publish(
                &record.conversation_id,
                BusNotice::Appended { head: last_seq },
            );
            forward_to_agent(state, record, &request.input, first_seq, now).await;
            first_seq
        }
        AppendOutcome::Duplicate { first_seq, .. } => first_seq,
        AppendOutcome::IdConflict => {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "client_message_id_conflict",
                "This client_message_id was already used for a different message.",
            ));
        }
        AppendOutcome::RecordConflict { .. } => {
            return Err(ApiError::internal(
                &"record conflict on an append without record",
            ));
        }
    };
    let dialog = conversation::dialog_of(state, &record.site)?;
    let public = record.bot.public_state(dialog);
    Ok(MessageResponse {
        seq,
        output: OutputBody {
            generic: Vec::new(),
        },
        context: serde_json::to_value(&public).unwrap_or_default(),
        state: crate::visitor::record::encode_restore_state(&record.site, &public),
    })
}

async fn forward_to_agent(
    state: &AppState,
    record: &SessionRecord,
    input: &MessageInput,
    seq: u64,
    now: jiff::Timestamp,
) {
    let Ok(conversation) = ConversationId::parse(&record.conversation_id) else {
        return;
    };
    let Ok(desk) = site_desk::read(state, &record.site).await else {
        return;
    };
    let Some(agent) = desk.owner_of(&conversation).cloned() else {
        return;
    };
    let message = ChatMessage {
        conversation,
        from: Author::Visitor,
        text: input_text(input),
        at: now,
    };
    deliver::to_agent(
        state,
        &record.site,
        &agent,
        &Outbound::Message(message),
        Some(seq),
    )
    .await;
}

/// The visitor is typing while an agent has the conversation.
pub async fn visitor_typing(state: &AppState, record: &SessionRecord, typing: bool) {
    if record.status != Status::Handoff {
        return;
    }
    let Ok(conversation) = ConversationId::parse(&record.conversation_id) else {
        return;
    };
    let Ok(desk) = site_desk::read(state, &record.site).await else {
        return;
    };
    if let Some(agent) = desk.owner_of(&conversation) {
        let frame = serde_json::json!({
            "event": "TYPING", "chat_id": record.conversation_id, "typing": typing,
        });
        state
            .agents
            .connections
            .send(&record.site, agent.as_str(), &frame);
    }
}

/// What a visitor input says, as plain text for the agent.
pub fn input_text(input: &MessageInput) -> String {
    input
        .text
        .clone()
        .or_else(|| input.option.clone())
        .or_else(|| input.date.clone())
        .unwrap_or_default()
}

/// Writes the visitor event of a desk notice into the conversation log.
pub async fn apply_event(
    state: &AppState,
    conversation: &ConversationId,
    event: VisitorEvent,
) -> Result<(), ApiError> {
    let id = conversation.as_str();
    let (entry, status) = match event {
        VisitorEvent::AgentTyping { .. } => {
            let typing = Event {
                seq: None,
                kind: EventKind::Typing {
                    from: Sender::Agent,
                    typing: true,
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
                estimated_wait_s: u64::from(estimated_wait_s),
            },
            None,
        ),
        VisitorEvent::AgentJoined { display_name } => (
            EventKind::AgentJoined {
                agent_name: display_name,
            },
            None,
        ),
        VisitorEvent::AgentLeft { display_name } => (
            EventKind::AgentLeft {
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
        VisitorEvent::QueueClosed { reason } => {
            let locale = match link(state, id).await? {
                Some(link) => conversation::load(state, &link.session_id)
                    .await
                    .map(|(r, _)| r.locale)
                    .unwrap_or_default(),
                None => String::new(),
            };
            (
                queue_closed_entry(state, &locale, reason, None),
                Some(Status::Bot),
            )
        }
    };
    append(state, id, vec![entry], status).await.map(|_| ())
}

/// Appends entries to a conversation's log, optionally changing its session's status in
/// the same write; publishes the new head. Returns the last seq.
pub async fn append(
    state: &AppState,
    conversation: &str,
    entries: Vec<EventKind>,
    status: Option<Status>,
) -> Result<u64, ApiError> {
    let log = conversation_log(conversation);
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
        let batch = AppendBatch {
            client_message_id: None,
            fingerprint: None,
            entries: encode_entries(&entries),
            record: write,
        };
        match state.store.append(&log, batch).await? {
            AppendOutcome::Appended { last_seq, .. } => {
                if let Some((session_id, record, _)) = &record {
                    conversation::schedule_deadline(state, session_id, record).await?;
                }
                state
                    .bus
                    .publish(conversation, BusNotice::Appended { head: last_seq });
                return Ok(last_seq);
            }
            AppendOutcome::RecordConflict { .. } => continue,
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

async fn set_status(state: &AppState, session_id: &str, status: Status) -> Result<(), ApiError> {
    for _ in 0..CAS_ATTEMPTS {
        let (mut record, versioned) = conversation::load(state, session_id).await?;
        if record.status == Status::Ended || record.status == status {
            return Ok(());
        }
        record.status = status;
        let write = record_write(session_id, &record, &versioned);
        if let crate::store::CasOutcome::Written { .. } = state.store.put(write).await? {
            if status == Status::Handoff {
                state.store.unschedule(IDLE_SCHEDULE, session_id).await?;
            } else {
                conversation::schedule_deadline(state, session_id, &record).await?;
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

fn queue_closed_entry(
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

fn system_text(state: &AppState, locale: &str, id: &str) -> String {
    let locale = if locale.is_empty() { "en" } else { locale };
    state.bots.localizer().format_id(locale, id, &[])
}

fn system_message(state: &AppState, text: String) -> EventKind {
    let html = staffetta_engine::markdown::render(&text).unwrap_or_default();
    EventKind::Message {
        from: Sender::System,
        at: now(state).as_millisecond(),
        client_message_id: None,
        input: None,
        output: Some(OutputBody {
            generic: vec![staffetta_widget::protocol::GenericItem::Text { text, html }],
        }),
        agent_name: None,
    }
}

/// A summary of the bot part of the transcript for the agent: the last visitor and bot
/// lines, then the dialog's note for the agent.
async fn summary(
    state: &AppState,
    log: &str,
    head: u64,
    note: Option<&str>,
) -> Result<String, ApiError> {
    let after = head.saturating_sub(SUMMARY_ENTRIES as u64);
    let entries = state.store.read_log(log, after, SUMMARY_ENTRIES).await?;
    let mut lines = Vec::new();
    for entry in entries {
        let Ok(EventKind::Message {
            from,
            input,
            output,
            ..
        }) = serde_json::from_slice::<EventKind>(&entry.body)
        else {
            continue;
        };
        let text = match (from, input, output) {
            (Sender::Visitor, Some(input), _) => format!("Visitor: {}", input_text(&input)),
            (Sender::Bot, _, Some(output)) => {
                let texts: Vec<String> = output
                    .generic
                    .iter()
                    .filter_map(|item| match item {
                        staffetta_widget::protocol::GenericItem::Text { text, .. } => {
                            Some(text.clone())
                        }
                        _ => None,
                    })
                    .collect();
                if texts.is_empty() {
                    continue;
                }
                format!("Bot: {}", texts.join(" "))
            }
            _ => continue,
        };
        lines.push(text);
    }
    if let Some(note) = note.filter(|n| !n.trim().is_empty()) {
        lines.push(format!("Note: {}", note.trim()));
    }
    Ok(lines.join("\n"))
}

/// A refused handoff request (or presence question) as an API error.
pub fn request_refusal(err: &DeskError) -> ApiError {
    match err {
        DeskError::UnknownResource(_) => ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_resource",
            "No such resource on this site.",
        ),
        DeskError::NoDefaultResource => ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "handoff_unavailable",
            "This site has no team to hand conversations to.",
        ),
        other => desk_refusal(other),
    }
}

/// A desk refusal as an API error (409 with the desk's code).
pub fn desk_refusal(err: &DeskError) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::CONFLICT,
        err.code(),
        err.to_string(),
    )
}

fn conversation_ended() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::CONFLICT,
        "conversation_ended",
        "This conversation has ended; start a new session.",
    )
}

/// Hook for the dialog's `connect_to_agent`: starts the handoff after the bot's turn was
/// stored. A refusal is written into the conversation (closed queue) or logged.
pub async fn after_bot_turn(
    state: &AppState,
    session_id: &str,
    record: &SessionRecord,
    resource: Option<String>,
    note: &str,
) {
    let named = resource.is_some();
    let mut outcome = request(state, session_id, resource, Some(note)).await;
    if named
        && outcome
            .as_ref()
            .is_err_and(|e| e.code() == "unknown_resource")
    {
        // A dialog written for another site names a queue this one lacks: the site's
        // default queue is better than telling the visitor nobody is there.
        tracing::warn!(site = %record.site, "the dialog names an unknown resource; using the default");
        outcome = request(state, session_id, None, Some(note)).await;
    }
    match outcome {
        Ok(_) => {}
        Err(err) if err.code() == "handoff_unavailable" || err.code() == "unknown_resource" => {
            let entry =
                queue_closed_entry(state, &record.locale, ClosedReason::NobodyAvailable, None);
            if let Err(err) = append(state, &record.conversation_id, vec![entry], None).await {
                tracing::warn!(
                    code = err.code(),
                    "could not tell the visitor no team is available"
                );
            }
        }
        Err(err) => tracing::warn!(code = err.code(), "automatic handoff failed"),
    }
}
