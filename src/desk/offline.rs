//! Offline requests ("leave a request", seed 003): validated by the handoff crate, pushed to
//! every console of the site that is open (`OFFLINE_REQUEST`) and listed newest first for
//! agents.
//!
//! Each request is a record `offline-request:{site}:{id}` (so it can be deleted on its own,
//! docs/retention.md), listed in the order they came by the site's log
//! `offline-requests:{site}`, whose entries only point at them (`{"id", "at"}`); record and
//! entry are one write. A request left from a conversation is also in the set
//! `offline-requests-of:{conversation}`, so deleting the conversation deletes it. Entries of
//! older versions hold the whole request and are listed as they are, unless their
//! conversation was deleted. On a site with `retention_days`, requests past it are deleted
//! from the front of the log ([`forget_older_than`]), old entries included.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::json;
use staffetta_handoff::offline_request::{OfflineRequest, OfflineRequestForm};
use staffetta_handoff::{ConversationId, ResourceId};

use crate::app::AppState;
use crate::error::ApiError;
use crate::store::{AppendBatch, AppendOutcome, LogEntry, RecordWrite};

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

/// A log entry: which request, and when it was left (ms since the Unix epoch).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Pointer {
    id: String,
    at: i64,
}

/// A log entry as written now (a pointer) or by older versions (the whole request).
#[derive(Deserialize)]
#[serde(untagged)]
enum Entry {
    Whole(StoredRequest),
    Pointer(Pointer),
}

fn log(site: &str) -> String {
    format!("offline-requests:{site}")
}

fn record_key(site: &str, id: &str) -> String {
    format!("offline-request:{site}:{id}")
}

fn of_conversation(conversation: &str) -> String {
    format!("offline-requests-of:{conversation}")
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
    if let Some(conversation) = &stored.request.conversation {
        // Before the request itself: a request is never stored without it.
        state
            .store
            .set_add(&of_conversation(conversation.as_str()), &stored.id)
            .await?;
    }
    let pointer = Pointer {
        id: stored.id.clone(),
        at: stored.request.created_at.as_millisecond(),
    };
    let batch = AppendBatch {
        schedule: None,
        client_message_id: None,
        fingerprint: None,
        entries: vec![Bytes::from(
            serde_json::to_vec(&pointer).unwrap_or_default(),
        )],
        record: Some(RecordWrite {
            key: record_key(site, &stored.id),
            expected_version: None,
            value: Bytes::from(serde_json::to_vec(&stored).unwrap_or_default()),
            ttl: None,
        }),
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

/// The requests among the newest `limit` left on a site, newest first (a deleted request
/// is left out, so there may be fewer).
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
    let reads = entries.iter().map(|entry| resolve(state, site, entry));
    let mut requests: Vec<StoredRequest> = futures_util::future::try_join_all(reads)
        .await?
        .into_iter()
        .flatten()
        .collect();
    requests.reverse();
    Ok(requests)
}

/// The request a log entry stands for, unless it was deleted.
async fn resolve(
    state: &AppState,
    site: &str,
    entry: &LogEntry,
) -> Result<Option<StoredRequest>, ApiError> {
    match serde_json::from_slice::<Entry>(&entry.body) {
        Ok(Entry::Whole(stored)) => {
            // Written whole by an older version, so it cannot be deleted on its own: it is
            // left out once its conversation was deleted (its log is gone).
            if let Some(conversation) = &stored.request.conversation {
                let log = crate::visitor::record::conversation_log(conversation.as_str());
                if state.store.log_head(&log).await? == 0 {
                    return Ok(None);
                }
            }
            Ok(Some(stored))
        }
        Ok(Entry::Pointer(pointer)) => {
            let Some(record) = state.store.get(&record_key(site, &pointer.id)).await? else {
                return Ok(None);
            };
            Ok(serde_json::from_slice(&record.value).ok())
        }
        Err(_) => Ok(None),
    }
}

/// Deletes the requests left from `conversation`; how many there were.
pub async fn forget_conversation(
    state: &AppState,
    site: &str,
    conversation: &str,
) -> Result<u64, ApiError> {
    let set = of_conversation(conversation);
    let mut deleted = 0;
    for id in state.store.set_members(&set).await? {
        if state.store.delete(&record_key(site, &id), None).await? {
            deleted += 1;
        }
        state.store.set_remove(&set, &id).await?;
    }
    Ok(deleted)
}

/// What one [`forget_older_than`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Aged {
    /// Entries taken off the front of the site's log (with their records).
    pub trimmed: u64,
    /// When the oldest request left in the log was left (ms), if one was read.
    pub oldest_kept_at: Option<i64>,
}

/// Deletes the site's requests left at or before `cutoff_ms`, oldest first, at most `limit`
/// of them: each request's record (and its place in its conversation's set), then the
/// entries from the front of the site's log in one trim. The log is in the order requests
/// came, so the first entry younger than the cutoff stops it. An entry that cannot be read
/// (never listed) goes with the old ones before it; an entry of an older version (the whole
/// request) goes by its own time. A pass cut short leaves records already deleted, whose
/// entries are trimmed by the next pass.
pub async fn forget_older_than(
    state: &AppState,
    site: &str,
    cutoff_ms: i64,
    limit: usize,
) -> Result<Aged, ApiError> {
    let log = log(site);
    let entries = state.store.read_log(&log, 0, limit).await?;
    let mut through = None;
    let mut oldest_kept_at = None;
    for entry in &entries {
        match serde_json::from_slice::<Entry>(&entry.body) {
            Ok(Entry::Whole(stored)) => {
                let at = stored.request.created_at.as_millisecond();
                if at > cutoff_ms {
                    oldest_kept_at = Some(at);
                    break;
                }
            }
            Ok(Entry::Pointer(pointer)) => {
                if pointer.at > cutoff_ms {
                    oldest_kept_at = Some(pointer.at);
                    break;
                }
                forget_record(state, site, &pointer.id).await?;
            }
            Err(_) => {}
        }
        through = Some(entry.seq);
    }
    let mut trimmed = 0;
    if let Some(through) = through {
        trimmed = state.store.trim_log(&log, through).await?;
    }
    Ok(Aged {
        trimmed,
        oldest_kept_at,
    })
}

/// Deletes one request's record and its place in its conversation's set.
async fn forget_record(state: &AppState, site: &str, id: &str) -> Result<(), ApiError> {
    let key = record_key(site, id);
    let Some(found) = state.store.get(&key).await? else {
        return Ok(());
    };
    if let Ok(stored) = serde_json::from_slice::<StoredRequest>(&found.value)
        && let Some(conversation) = &stored.request.conversation
    {
        state
            .store
            .set_remove(&of_conversation(conversation.as_str()), id)
            .await?;
    }
    state.store.delete(&key, None).await?;
    Ok(())
}
