//! What the visitor sends while the conversation is in handoff: a message is stored in the
//! conversation log (idempotent by `client_message_id`) and passed to the agent who has the
//! conversation when it is stored; typing goes to that agent's consoles. The bot stays
//! silent.

use bytes::Bytes;
use staffetta_handoff::connector::{Author, ChatMessage, Outbound};
use staffetta_handoff::{AgentId, ConversationId};
use staffetta_widget::protocol::{
    EventKind, MessageInput, MessageRequest, MessageResponse, OutputBody, Sender,
};

use super::visitor_side::{input_text, link};
use super::{deliver, guarded_append, site_desk, visitor_presence};
use crate::app::AppState;
use crate::error::ApiError;
use crate::store::{AppendBatch, AppendOutcome, VersionGuard};
use crate::visitor::bus::Notice as BusNotice;
use crate::visitor::conversation::{self, now};
use crate::visitor::record::{SessionRecord, Status, conversation_log};
use crate::visitor::turn::encode_entries;

/// A visitor message while the conversation is in handoff: stored (idempotent by
/// `client_message_id`) and passed to the agent who has it.
///
/// On a site with an external desk, the message's outbox item for that agent is a side
/// append of the write that stores the message, so both are stored or neither (a retry that
/// is a duplicate stores no second item). That write carries the desk's version as read
/// ([`site_desk::read_guarded`]) as its guard: a transfer (or any desk change) landing in
/// between makes it a guard conflict that writes nothing, and the message is tried again
/// with the desk read afresh, so the message is for the agent who has the conversation when
/// it is stored (its outbox item, and its console frame on a console-only site). The guard
/// only reads the desk: messages of other conversations never conflict with this one.
/// The retries are [`guarded_append::append`]'s: after [`guarded_append::ATTEMPTS`]
/// conflicts in a row the answer is 503 `busy`.
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
    let entries = &encode_entries(&[entry]);
    let fingerprint = &fingerprint;
    let (outcome, for_agent) = guarded_append::append(state, &log, move || async move {
        let (for_agent, guard) = message_for_agent(state, record, &request.input, now).await;
        let also = match &for_agent {
            Some((agent, item)) => state
                .agents
                .external
                .item_to_store(&record.site, agent, item)?
                .into_iter()
                .collect(),
            None => Vec::new(),
        };
        let batch = AppendBatch {
            schedule: None,
            client_message_id: Some(request.client_message_id.clone()),
            fingerprint: Some(fingerprint.clone()),
            entries: entries.clone(),
            record: None,
            guard,
            also,
        };
        Ok::<_, ApiError>((batch, for_agent))
    })
    .await?;
    let seq = match outcome {
        AppendOutcome::Appended {
            first_seq,
            last_seq,
            ..
        } => {
            super::conversation_log::undo_if_deleted(state, &record.conversation_id, first_seq)
                .await?;
            state.bus.publish(
                &record.conversation_id,
                BusNotice::Appended { head: last_seq },
            );
            if let Some((agent, item)) = &for_agent {
                deliver::message_stored(state, &record.site, agent, item, first_seq).await;
            } else if let Ok(Some(link)) = link(state, &record.conversation_id).await {
                // A message while waiting keeps the place in the queue.
                visitor_presence::keep(state, &record.site, &link.session_id, 0).await;
            }
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
        AppendOutcome::RecordConflict { .. } | AppendOutcome::GuardConflict { .. } => {
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

/// A visitor message as the agent who has the conversation gets it, with that agent
/// (`None` when none has it: still waiting, or the desk could not be read), and the guard
/// of the desk as read (`None` when it could not be read).
async fn message_for_agent(
    state: &AppState,
    record: &SessionRecord,
    input: &MessageInput,
    now: jiff::Timestamp,
) -> (Option<(AgentId, Outbound)>, Option<VersionGuard>) {
    let Ok(conversation) = ConversationId::parse(&record.conversation_id) else {
        return (None, None);
    };
    let Ok((desk, guard)) = site_desk::read_guarded(state, &record.site).await else {
        return (None, None);
    };
    let Some(agent) = desk.owner_of(&conversation).cloned() else {
        return (None, Some(guard));
    };
    let message = ChatMessage {
        conversation,
        from: Author::Visitor,
        text: input_text(input),
        at: now,
    };
    (Some((agent, Outbound::Message(message))), Some(guard))
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
