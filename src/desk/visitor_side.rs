//! The visitor's side of a handoff at the edge: asking for a human, leaving, and the
//! bot-transcript summary for the agent. Messages and typing while an agent has the
//! conversation are [`super::visitor_message`]; what is written into the conversation log,
//! and how, is [`super::conversation_log`].

use serde::Serialize;
use staffetta_handoff::desk::{HandoffRequest, RequestOutcome};
use staffetta_handoff::visitor_event::ClosedReason;
use staffetta_handoff::{ConversationId, DeskError, ResourceId};
use staffetta_widget::protocol::{EventKind, MessageInput, Sender};

use super::conversation_log::{CancelReason, cancelled_entry, queue_closed_entry, set_status};
pub use super::conversation_log::{
    HandoffLink, append, append_with, apply_event, create_link, link, write_link,
};
use super::{deliver, site_desk, visitor_presence};
use crate::app::AppState;
use crate::error::ApiError;
use crate::visitor::conversation;
use crate::visitor::record::{SessionRecord, Status, conversation_log};

/// Log entries summarised for the agent when the handoff starts.
const SUMMARY_ENTRIES: usize = 60;

/// The answer to a handoff request, as the visitor API returns it.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum HandoffAnswer {
    /// Waiting in the queue.
    Queued {
        /// 1 = next.
        position: u32,
        /// Estimated seconds until an agent joins; absent when nobody could be offered the
        /// conversation now.
        #[serde(skip_serializing_if = "Option::is_none")]
        estimated_wait_s: Option<u32>,
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
        Status::Handoff => return Err(already_in_handoff()),
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
            visitor: Some(record.identity_key.clone()),
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
    let outcome = match outcome {
        // A request of the same visitor that raced this one is with the desk already: the
        // conversation stays in handoff (putting the bot back would strand it there).
        Err(DeskError::ConversationExists(_)) => return Err(already_in_handoff()),
        Err(refused) => {
            set_status(state, session_id, Status::Bot).await?;
            return Err(request_refusal(&refused));
        }
        Ok(outcome) => outcome,
    };
    let (outcome, notices) = outcome;
    state.metrics.handoff(match outcome {
        RequestOutcome::Closed { .. } => crate::metrics::HandoffStep::Closed,
        _ => crate::metrics::HandoffStep::Queued,
    });
    if !matches!(outcome, RequestOutcome::Closed { .. }) {
        // A visitor who never connects (or closes the tab at once) leaves the queue too.
        // Scheduled before the visitor's tabs hear of the wait, so their leases come after.
        visitor_presence::expect(state, &record.site, session_id).await;
    }
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
                estimated_wait_s: Some(0),
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

/// The visitor cancels waiting (back to the bot, `handoff_cancelled`) or leaves the agent
/// (the conversation ends). A conversation not in handoff is left as it is.
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
        let entry = cancelled_entry(state, &record.locale, CancelReason::VisitorCancelled);
        append(
            state,
            &record.conversation_id,
            vec![entry],
            Some(Status::Bot),
        )
        .await?;
    }
    visitor_presence::forget(state, session_id).await;
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

/// What a visitor input says, as plain text for the agent.
pub fn input_text(input: &MessageInput) -> String {
    input
        .text
        .clone()
        .or_else(|| input.option.clone())
        .or_else(|| input.date.clone())
        .unwrap_or_default()
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

fn already_in_handoff() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::CONFLICT,
        "already_in_handoff",
        "This conversation is already with the team or waiting for it.",
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
    let unknown = |outcome: &Result<HandoffAnswer, ApiError>| {
        outcome
            .as_ref()
            .is_err_and(|e| e.code() == "unknown_resource")
    };
    let named = resource.is_some();
    let mut outcome = request(state, session_id, resource, Some(note)).await;
    if named && unknown(&outcome) {
        // A dialog written for another site names a queue this one lacks: the page's
        // dispatchTo or the site's default queue is better than telling the visitor nobody
        // is there.
        tracing::warn!(
            site = %record.site,
            "the dialog names a resource this site does not have; using the page's dispatchTo \
             or the site's default"
        );
        outcome = request(state, session_id, None, Some(note)).await;
    }
    if unknown(&outcome) && record.dispatch_to.is_some() {
        // The page's dispatchTo names no queue of the site either (a typo in the embed): the
        // default queue, not "nobody is available" while agents are ready.
        let default = state
            .agents
            .desks
            .get(&record.site)
            .and_then(|desk| desk.config.default_resource.clone());
        if let Some(default) = default {
            tracing::warn!(
                site = %record.site,
                "the page's dispatchTo names a resource this site does not have; using the \
                 site's default"
            );
            let default = Some(default.as_str().to_owned());
            outcome = request(state, session_id, default, Some(note)).await;
        }
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
