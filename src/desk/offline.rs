//! Offline requests ("leave a request", seed 003): validated by the handoff crate, pushed to
//! every console of the site that is open (`OFFLINE_REQUEST`) and listed newest first for
//! agents.
//!
//! Each request is a record of the site's [`RecordLog`] `offline-requests` (deletable on its
//! own, docs/retention.md; old entries that hold the whole request still listed); a request
//! left from a conversation is deleted with it, also when it is left while the conversation
//! is being deleted ([`store`]).

use serde_json::json;
use staffetta_handoff::offline_request::{OfflineRequest, OfflineRequestForm};
use staffetta_handoff::{ConversationId, ResourceId};

use crate::app::AppState;
use crate::error::ApiError;

use super::record_log::{Aged, Logged, RecordLog, Stored, conversation_exists};

/// Most requests one listing returns.
pub const MAX_LIST: usize = 200;

/// A stored request with its id.
pub type StoredRequest = Stored<OfflineRequest>;

/// The site logs of offline requests.
const REQUESTS: RecordLog =
    RecordLog::new("offline-requests", "offline-request", "offline-requests-of");

impl Logged for OfflineRequest {
    fn conversation(&self) -> Option<&str> {
        self.conversation.as_ref().map(ConversationId::as_str)
    }

    fn at_ms(&self) -> i64 {
        self.created_at.as_millisecond()
    }
}

/// Stores a request and notifies the site's consoles; returns its id. A request left from a
/// conversation that was deleted meanwhile (an erasure, retention) is not kept: 404
/// `session_not_found`, as if the session had been gone when the request came.
pub async fn store(
    state: &AppState,
    site: &str,
    form: &OfflineRequestForm,
    resource: Option<ResourceId>,
    conversation: Option<ConversationId>,
) -> Result<String, ApiError> {
    let now = crate::visitor::conversation::now(state);
    let request = OfflineRequest::new(now, form, resource, conversation).map_err(|errors| {
        let fields: Vec<String> = errors
            .0
            .iter()
            .map(|e| {
                serde_json::to_value(e)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            })
            .collect();
        ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_offline_request",
            format!("Please check: {}.", fields.join(", ")),
        )
        .with_fields(fields.clone())
    })?;
    let stored = StoredRequest::new(request);
    REQUESTS.store(state, site, &stored).await?;
    // A purge deletes the conversation's log before its requests: a log already gone means
    // the conversation was deleted after the session was read and the purge may have read
    // the set before this request was in it. The request goes too, as the session did.
    if let Some(conversation) = stored.item.conversation()
        && !conversation_exists(state, conversation).await?
    {
        REQUESTS.forget(state, site, &stored).await?;
        return Err(crate::visitor::conversation::session_not_found());
    }
    state.agents.connections.send_site(site, &frame(&stored));
    tracing::info!(site, "a visitor left an offline request");
    Ok(stored.id)
}

/// The console frame announcing a request.
pub fn frame(stored: &StoredRequest) -> serde_json::Value {
    let mut value = view(stored);
    value["event"] = json!("OFFLINE_REQUEST");
    value
}

/// The JSON agents see.
pub fn view(stored: &StoredRequest) -> serde_json::Value {
    let r = &stored.item;
    json!({
        "id": stored.id,
        "name": r.name,
        "email": r.email,
        "text": r.text,
        "resource": r.resource.as_ref().map(ResourceId::as_str),
        "chat_id": r.conversation.as_ref().map(ConversationId::as_str),
        "created_at": r.created_at.as_millisecond(),
    })
}

/// The requests among the newest `limit` left on a site, newest first (a deleted request
/// is left out, so there may be fewer).
pub async fn list(
    state: &AppState,
    site: &str,
    limit: usize,
) -> Result<Vec<StoredRequest>, ApiError> {
    REQUESTS.list(state, site, limit.clamp(1, MAX_LIST)).await
}

/// Deletes the requests left from `conversation`; how many there were.
pub async fn forget_conversation(
    state: &AppState,
    site: &str,
    conversation: &str,
) -> Result<u64, ApiError> {
    REQUESTS
        .forget_conversation(state, site, conversation)
        .await
}

/// Deletes the site's requests left at or before `cutoff_ms`, oldest first, at most `limit`
/// of them ([`RecordLog::forget_older_than`]).
pub async fn forget_older_than(
    state: &AppState,
    site: &str,
    cutoff_ms: i64,
    limit: usize,
) -> Result<Aged, ApiError> {
    REQUESTS
        .forget_older_than::<OfflineRequest>(state, site, cutoff_ms, limit)
        .await
}
