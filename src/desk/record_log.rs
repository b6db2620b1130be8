//! A site's log of records that must be deletable one by one (offline requests, finished
//! jobs; docs/retention.md).
//!
//! Each item is a record `{record}:{site}:{id}`, listed in the order they came by the site's
//! log `{log}:{site}`, whose entries only point at them (`{"id", "at"}`); record and entry
//! are one write. An item of a conversation is also in the set `{of}:{conversation}`
//! (written first, so an item is never stored without it), so deleting the conversation
//! deletes it ([`RecordLog::forget_conversation`]). Entries of older versions hold the whole
//! item and are listed as they are, unless their conversation was deleted (its log is gone).
//! On a site with `retention_days`, items past it are deleted from the front of the log
//! ([`RecordLog::forget_older_than`]), old entries included.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::error::ApiError;
use crate::store::{AppendBatch, AppendOutcome, LogEntry, RecordWrite};
use crate::visitor::record::conversation_log;

mod paging;
pub use paging::{Positioned, Slice};

/// What a record log keeps: an item that may belong to a conversation and has a time.
pub trait Logged: Serialize + DeserializeOwned {
    /// The conversation it belongs to, if any.
    fn conversation(&self) -> Option<&str>;
    /// When it came (ms since the Unix epoch); the log is in this order.
    fn at_ms(&self) -> i64;
}

/// A stored item with its id (UUIDv7). Whole entries of older versions may lack the id
/// (finished jobs were written without one): it is empty then.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Stored<T> {
    /// Stable id.
    #[serde(default)]
    pub id: String,
    /// The item.
    #[serde(flatten)]
    pub item: T,
}

impl<T> Stored<T> {
    /// `item` under a new id.
    pub fn new(item: T) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            item,
        }
    }
}

/// A log entry: which record, and when its item came.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Pointer {
    id: String,
    at: i64,
}

/// A log entry as written now (a pointer) or by older versions (the whole item).
#[derive(Deserialize)]
#[serde(untagged)]
enum Entry<T> {
    Whole(Stored<T>),
    Pointer(Pointer),
}

/// What one [`RecordLog::forget_older_than`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Aged {
    /// Entries taken off the front of the site's log (with their records).
    pub trimmed: u64,
    /// When the oldest item left in the log came (ms), if one was read.
    pub oldest_kept_at: Option<i64>,
}

/// The names of one kind of record log: the site log, the records and the per-conversation
/// sets are `{log}:{site}`, `{record}:{site}:{id}` and `{of}:{conversation}`.
#[derive(Clone, Copy, Debug)]
pub struct RecordLog {
    log: &'static str,
    record: &'static str,
    of: &'static str,
}

impl RecordLog {
    /// A record log named by these three prefixes.
    pub const fn new(log: &'static str, record: &'static str, of: &'static str) -> Self {
        Self { log, record, of }
    }

    /// The site's log.
    pub fn log(&self, site: &str) -> String {
        format!("{}:{site}", self.log)
    }

    fn record_key(&self, site: &str, id: &str) -> String {
        format!("{}:{site}:{id}", self.record)
    }

    fn of_conversation(&self, conversation: &str) -> String {
        format!("{}:{conversation}", self.of)
    }

    /// Stores `stored`: its place in its conversation's set first, then record and pointer
    /// entry in one write.
    pub async fn store<T: Logged>(
        &self,
        state: &AppState,
        site: &str,
        stored: &Stored<T>,
    ) -> Result<(), ApiError> {
        if let Some(conversation) = stored.item.conversation() {
            state
                .store
                .set_add(&self.of_conversation(conversation), &stored.id)
                .await?;
        }
        let pointer = Pointer {
            id: stored.id.clone(),
            at: stored.item.at_ms(),
        };
        let batch = AppendBatch {
            schedule: None,
            client_message_id: None,
            fingerprint: None,
            entries: vec![Bytes::from(
                serde_json::to_vec(&pointer).unwrap_or_default(),
            )],
            record: Some(RecordWrite {
                key: self.record_key(site, &stored.id),
                expected_version: None,
                value: Bytes::from(serde_json::to_vec(stored).unwrap_or_default()),
                ttl: None,
            }),
            guard: None,
            also: Vec::new(),
        };
        match state.store.append(&self.log(site), batch).await? {
            AppendOutcome::Appended { .. } => Ok(()),
            _ => Err(ApiError::internal(&format!(
                "a record was not appended to {}",
                self.log
            ))),
        }
    }

    /// The items among the newest `limit` of the site, newest first (a deleted item is left
    /// out, so there may be fewer).
    pub async fn list<T: Logged>(
        &self,
        state: &AppState,
        site: &str,
        limit: usize,
    ) -> Result<Vec<Stored<T>>, ApiError> {
        let log = self.log(site);
        let head = state.store.log_head(&log).await?;
        let after = head.saturating_sub(limit as u64);
        let entries = state.store.read_log(&log, after, limit).await?;
        let reads = entries.iter().map(|entry| self.resolve(state, site, entry));
        let mut items: Vec<Stored<T>> = futures_util::future::try_join_all(reads)
            .await?
            .into_iter()
            .flatten()
            .collect();
        items.reverse();
        Ok(items)
    }

    /// The item a log entry stands for, unless it was deleted.
    async fn resolve<T: Logged>(
        &self,
        state: &AppState,
        site: &str,
        entry: &LogEntry,
    ) -> Result<Option<Stored<T>>, ApiError> {
        match serde_json::from_slice::<Entry<T>>(&entry.body) {
            Ok(Entry::Whole(stored)) => {
                // Written whole by an older version, so it cannot be deleted on its own: it
                // is left out once its conversation was deleted.
                if let Some(conversation) = stored.item.conversation()
                    && !conversation_exists(state, conversation).await?
                {
                    return Ok(None);
                }
                Ok(Some(stored))
            }
            Ok(Entry::Pointer(pointer)) => {
                let key = self.record_key(site, &pointer.id);
                let Some(record) = state.store.get(&key).await? else {
                    return Ok(None);
                };
                Ok(serde_json::from_slice(&record.value).ok())
            }
            Err(_) => Ok(None),
        }
    }

    /// Deletes the items of `conversation`; how many there were.
    pub async fn forget_conversation(
        &self,
        state: &AppState,
        site: &str,
        conversation: &str,
    ) -> Result<u64, ApiError> {
        let set = self.of_conversation(conversation);
        let mut deleted = 0;
        for id in state.store.set_members(&set).await? {
            if state
                .store
                .delete(&self.record_key(site, &id), None)
                .await?
            {
                deleted += 1;
            }
            state.store.set_remove(&set, &id).await?;
        }
        Ok(deleted)
    }

    /// Deletes one stored item's record and its place in its conversation's set.
    pub async fn forget<T: Logged>(
        &self,
        state: &AppState,
        site: &str,
        stored: &Stored<T>,
    ) -> Result<(), ApiError> {
        if let Some(conversation) = stored.item.conversation() {
            state
                .store
                .set_remove(&self.of_conversation(conversation), &stored.id)
                .await?;
        }
        state
            .store
            .delete(&self.record_key(site, &stored.id), None)
            .await?;
        Ok(())
    }

    /// Deletes the site's items that came at or before `cutoff_ms`, oldest first, at most
    /// `limit` of them: each item's record (and its place in its conversation's set), then
    /// the entries from the front of the site's log in one trim. The log is in the order
    /// items came, so the first entry younger than the cutoff stops it. An entry that cannot
    /// be read (never listed) goes with the old ones before it; an entry of an older version
    /// (the whole item) goes by its own time. A pass cut short leaves records already
    /// deleted, whose entries are trimmed by the next pass.
    pub async fn forget_older_than<T: Logged>(
        &self,
        state: &AppState,
        site: &str,
        cutoff_ms: i64,
        limit: usize,
    ) -> Result<Aged, ApiError> {
        let log = self.log(site);
        let entries = state.store.read_log(&log, 0, limit).await?;
        let mut through = None;
        let mut oldest_kept_at = None;
        for entry in &entries {
            match serde_json::from_slice::<Entry<T>>(&entry.body) {
                Ok(Entry::Whole(stored)) => {
                    let at = stored.item.at_ms();
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
                    self.forget_record::<T>(state, site, &pointer.id).await?;
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

    /// [`Self::forget`] for the record `id`, if it still exists.
    async fn forget_record<T: Logged>(
        &self,
        state: &AppState,
        site: &str,
        id: &str,
    ) -> Result<(), ApiError> {
        let key = self.record_key(site, id);
        let Some(found) = state.store.get(&key).await? else {
            return Ok(());
        };
        match serde_json::from_slice::<Stored<T>>(&found.value) {
            Ok(stored) => self.forget(state, site, &stored).await,
            Err(_) => {
                state.store.delete(&key, None).await?;
                Ok(())
            }
        }
    }
}

/// Whether the log of `conversation` still exists (a purge deletes it first).
pub async fn conversation_exists(state: &AppState, conversation: &str) -> Result<bool, ApiError> {
    Ok(state
        .store
        .log_head(&conversation_log(conversation))
        .await?
        > 0)
}
