//! `GET /api/v1/agent/conversations/{chat_id}`: a conversation's transcript and visitor
//! details for the console, paged back from the latest entries with `?before=SEQ`.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};
use staffetta_handoff::ConversationId;
use staffetta_handoff::operator::{Action, Role};
use staffetta_widget::protocol::EventKind;

use super::forbidden;
use super::transcript_line::transcript_line;
use crate::agent::auth::AgentAuth;
use crate::app::AppState;
use crate::desk::{audit, site_desk, visitor_side};
use crate::error::ApiError;
use crate::visitor::record::conversation_log;
use crate::visitor::{conversation, start};

/// Most log entries one transcript answer covers (the latest ones; `?before=` pages back).
const MAX_TRANSCRIPT: usize = 2000;

/// Most previous conversations of the visitor listed with a transcript.
const MAX_PREVIOUS_CONVERSATIONS: usize = 20;

#[derive(Debug, Deserialize)]
pub(super) struct TranscriptQuery {
    /// Only lines older than this seq (the `seq` of the first line of a page already read).
    #[serde(default)]
    before: Option<u64>,
}

/// The transcript and visitor info of a conversation the agent has (offered, online or in
/// wrap-up), or of any conversation of the site for admins and supervisors. A long
/// conversation comes back as its latest [`MAX_TRANSCRIPT`] log entries with `earlier: true`;
/// `?before=SEQ` pages back.
pub(super) async fn transcript(
    State(state): State<AppState>,
    auth: AgentAuth,
    Path(chat_id): Path<String>,
    query: Result<Query<TranscriptQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let operator = auth.operator;
    let not_found = || ApiError::not_found("conversation_not_found", "No such conversation.");
    let conversation = ConversationId::parse(&chat_id).map_err(|_| not_found())?;
    let site = operator.site.as_str();
    let desk = site_desk::read(&state, site).await?;
    let has_it = desk.agent(&operator.id).is_some_and(|a| {
        a.jobs()
            .values()
            .any(|job| job.conversation == conversation)
    });
    if !has_it && !matches!(operator.role, Role::Admin | Role::Supervisor) {
        audit::refused_on_conversation(&state, &operator, &chat_id, "read_transcript").await;
        return Err(forbidden());
    }
    let link = visitor_side::link(&state, &chat_id)
        .await?
        .ok_or_else(not_found)?;
    let (record, _) = conversation::load(&state, &link.session_id)
        .await
        .map_err(|_| not_found())?;
    if record.site != site {
        audit::cross_site_refused(&operator, &record.site, "read_transcript");
        return Err(not_found());
    }
    let (messages, earlier) = read_messages(&state, &chat_id, query.before).await?;
    let metadata = &record.metadata;
    let mut visitor = json!({
        "page_url": metadata.get("page_url"),
        "referrer": metadata.get("referrer"),
        "device": metadata.get("device"),
        "user_agent": metadata.get("user_agent"),
        "country": metadata.get("country"),
        "city": metadata.get("city"),
        "locale": record.locale,
    });
    if operator
        .permits(&operator.site, Action::SeeVisitorIp)
        .is_ok()
    {
        visitor["ip"] = metadata.get("ip").cloned().unwrap_or(Value::Null);
    }
    let previous = previous_conversations(&state, site, &record.identity_key, &chat_id).await?;
    visitor["previous_conversations"] = json!(previous);
    if let Some(object) = visitor.as_object_mut() {
        object.retain(|_, v| !v.is_null());
    }
    Ok(Json(json!({
        "chat_id": chat_id,
        "status": record.status,
        "messages": messages,
        "earlier": earlier,
        "handoff_seq": (link.handoff_seq > 0).then_some(link.handoff_seq),
        "visitor": visitor,
    })))
}

/// The visitor's other conversations on the site, newest first (at most
/// [`MAX_PREVIOUS_CONVERSATIONS`]), each with its start time.
///
/// Only conversations whose welcome was written: a start lists its conversation before the
/// welcome ([`crate::visitor::opening`]), and one that failed on a store error whose cleanup
/// failed too leaves that listing behind with an empty log (until an erasure or the
/// retention deletes it, docs/retention.md). It has no transcript, so it is not shown; nor
/// is a start still under way. The heads of one page of candidates are read concurrently.
async fn previous_conversations(
    state: &AppState,
    site: &str,
    identity_key: &str,
    chat_id: &str,
) -> Result<Vec<Value>, ApiError> {
    let mut previous = state
        .store
        .set_members(&start::visitor_conversations(site, identity_key))
        .await?;
    previous.retain(|id| id != chat_id);
    previous.sort();
    previous.reverse();
    let mut listed = Vec::new();
    for page in previous.chunks(MAX_PREVIOUS_CONVERSATIONS) {
        let heads = futures_util::future::try_join_all(
            page.iter()
                .map(|id| async move { state.store.log_head(&conversation_log(id)).await }),
        )
        .await?;
        let welcomed = page.iter().zip(heads).filter(|(_, head)| *head > 0);
        for (id, _) in welcomed.take(MAX_PREVIOUS_CONVERSATIONS - listed.len()) {
            listed.push(json!({ "chat_id": id, "started_at": uuid_v7_millis(id) }));
        }
        if listed.len() == MAX_PREVIOUS_CONVERSATIONS {
            break;
        }
    }
    Ok(listed)
}

/// The transcript lines of the latest [`MAX_TRANSCRIPT`] log entries before `before` (or up
/// to the head), and whether older entries exist.
async fn read_messages(
    state: &AppState,
    chat_id: &str,
    before: Option<u64>,
) -> Result<(Vec<Value>, bool), ApiError> {
    let log = conversation_log(chat_id);
    let head = state.store.log_head(&log).await?;
    let last = before.map_or(head, |before| before.saturating_sub(1).min(head));
    let window = u64::try_from(MAX_TRANSCRIPT).unwrap_or(u64::MAX);
    let mut after = last.saturating_sub(window);
    let earlier = after > 0;
    let mut messages = Vec::new();
    while after < last {
        let page = usize::try_from(last - after)
            .unwrap_or(usize::MAX)
            .min(conversation::EVENT_PAGE);
        let entries = state.store.read_log(&log, after, page).await?;
        let Some(read) = entries.last() else { break };
        after = read.seq;
        for entry in &entries {
            if let Ok(kind) = serde_json::from_slice::<EventKind>(&entry.body)
                && let Some(message) = transcript_line(entry.seq, kind)
            {
                messages.push(message);
            }
        }
    }
    Ok((messages, earlier))
}

/// The creation time (Unix ms) a UUIDv7 conversation id carries in its first 48 bits.
fn uuid_v7_millis(id: &str) -> Option<i64> {
    let hex: String = id.chars().filter(|c| *c != '-').take(12).collect();
    (hex.len() == 12)
        .then(|| i64::from_str_radix(&hex, 16).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v7_ids_carry_their_creation_time() {
        assert_eq!(
            uuid_v7_millis("01890a5d-ac96-774b-bcce-b302099a8057"),
            Some(0x0189_0a5d_ac96)
        );
        assert_eq!(uuid_v7_millis("short"), None);
    }
}
