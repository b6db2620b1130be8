//! Offline requests ("leave a request", seed 003): validated by the handoff crate, stored in
//! the site's log `offline-requests:{site}`, pushed to every console of the site that is
//! open (`OFFLINE_REQUEST`) and listed newest first for agents.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::json;
use staffetta_handoff::offline_request::{OfflineRequest, OfflineRequestForm};
use staffetta_handoff::{ConversationId, ResourceId};

use crate::app::AppState;
use crate::error::ApiError;
use crate::store::{AppendBatch, AppendOutcome};

/// Most requests one listing returns.
pub const MAX_LIST: usize = 200;

/// A stored request with its id.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredRequest {
    /// Stable id (UUIDv7).
    pub id: String,
    /// The request.
    #[serde(flatten)]
    pub request: OfflineRequest,
}

fn log(site: &str) -> String {
    format!("offline-requests:{site}")
}

/// Stores a request and notifies the site's consoles; returns its id.
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
    let stored = StoredRequest {
        id: uuid::Uuid::now_v7().to_string(),
        request,
    };
    let batch = AppendBatch {
        schedule: None,
        client_message_id: None,
        fingerprint: None,
        entries: vec![Bytes::from(serde_json::to_vec(&stored).unwrap_or_default())],
        record: None,
        also: Vec::new(),
    };
    match state.store.append(&log(site), batch).await? {
        AppendOutcome::Appended { .. } => {}
        _ => return Err(ApiError::internal(&"an offline request was not appended")),
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
    let r = &stored.request;
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

/// The newest `limit` requests of a site, newest first.
pub async fn list(
    state: &AppState,
    site: &str,
    limit: usize,
) -> Result<Vec<StoredRequest>, ApiError> {
    let limit = limit.clamp(1, MAX_LIST);
    let log = log(site);
    let head = state.store.log_head(&log).await?;
    let after = head.saturating_sub(limit as u64);
    let entries = state.store.read_log(&log, after, limit).await?;
    let mut requests: Vec<StoredRequest> = entries
        .into_iter()
        .filter_map(|e| serde_json::from_slice(&e.body).ok())
        .collect();
    requests.reverse();
    Ok(requests)
}
