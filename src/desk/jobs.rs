//! Finished jobs of a site (reporting): one record per job that went online, with its
//! conversation id, agent, times and the agent's wrap-up (free text about the visitor).
//!
//! Each job is a record `job:{site}:{id}` (so it can be deleted on its own,
//! docs/retention.md), listed in the order jobs finished by the site's log `jobs:{site}`,
//! whose entries only point at them (`{"id", "at"}`); record and entry are one write. The
//! set `jobs-of:{conversation}` names the jobs of a conversation, so deleting the
//! conversation deletes them ([`forget_conversation`]). Entries of older versions hold the
//! whole job and are listed as they are, unless their conversation was deleted. On a site
//! with `retention_days`, jobs past it are deleted from the front of the log
//! ([`forget_older_than`]), old entries included. This is the design of
//! [`super::offline`].

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use staffetta_handoff::desk::JobRecord;

use crate::app::AppState;
use crate::error::ApiError;
use crate::store::{AppendBatch, AppendOutcome, LogEntry, RecordWrite};
use crate::visitor::record::conversation_log;

/// Most jobs one listing returns.
pub const MAX_LIST: usize = 1_000;

/// A stored job with its id.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct StoredJob {
    /// Stable id (UUIDv7).
    id: String,
    /// The job.
    #[serde(flatten)]
    record: JobRecord,
}

/// A log entry: which job, and when it finished (ms since the Unix epoch).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Pointer {
    id: String,
    at: i64,
}

/// A log entry as written now (a pointer) or by older versions (the whole job).
#[derive(Deserialize)]
#[serde(untagged)]
enum Entry {
    Whole(JobRecord),
    Pointer(Pointer),
}

/// The log of finished jobs of a site.
pub fn jobs_log(site: &str) -> String {
    format!("jobs:{site}")
}

fn record_key(site: &str, id: &str) -> String {
    format!("job:{site}:{id}")
}

fn of_conversation(conversation: &str) -> String {
    format!("jobs-of:{conversation}")
}

/// Stores a finished job. A job of a conversation already deleted (an erasure ended it
/// while the agent was in after-chat work) is not kept: its record is deleted again once
/// written, so whichever of the two comes first, no job outlives its conversation.
pub async fn store(state: &AppState, site: &str, record: &JobRecord) -> Result<(), ApiError> {
    let conversation = record.conversation.as_str();
    let stored = StoredJob {
        id: uuid::Uuid::now_v7().to_string(),
        record: record.clone(),
    };
    // Before the job itself: a job is never stored without it.
    let set = of_conversation(conversation);
    state.store.set_add(&set, &stored.id).await?;
    let pointer = Pointer {
        id: stored.id.clone(),
        at: record.finished_at.as_millisecond(),
    };
    let key = record_key(site, &stored.id);
    let batch = AppendBatch {
        schedule: None,
        client_message_id: None,
        fingerprint: None,
        entries: vec![Bytes::from(
            serde_json::to_vec(&pointer).unwrap_or_default(),
        )],
        record: Some(RecordWrite {
            key: key.clone(),
            expected_version: None,
            value: Bytes::from(serde_json::to_vec(&stored).unwrap_or_default()),
            ttl: None,
        }),
        also: Vec::new(),
    };
    match state.store.append(&jobs_log(site), batch).await? {
        AppendOutcome::Appended { .. } => {}
        _ => return Err(ApiError::internal(&"a finished job was not appended")),
    }
    // A purge deletes the conversation's log before its jobs: a log already gone means the
    // purge may have read the set before this job was in it.
    if state
        .store
        .log_head(&conversation_log(conversation))
        .await?
        == 0
    {
        state.store.delete(&key, None).await?;
        state.store.set_remove(&set, &stored.id).await?;
    }
    Ok(())
}

/// The jobs among the newest `limit` finished on a site, newest first (a deleted job is
/// left out, so there may be fewer).
pub async fn list(state: &AppState, site: &str, limit: usize) -> Result<Vec<JobRecord>, ApiError> {
    let limit = limit.clamp(1, MAX_LIST);
    let log = jobs_log(site);
    let head = state.store.log_head(&log).await?;
    let after = head.saturating_sub(limit as u64);
    let entries = state.store.read_log(&log, after, limit).await?;
    let reads = entries.iter().map(|entry| resolve(state, site, entry));
    let mut jobs: Vec<JobRecord> = futures_util::future::try_join_all(reads)
        .await?
        .into_iter()
        .flatten()
        .collect();
    jobs.reverse();
    Ok(jobs)
}

/// The job a log entry stands for, unless it was deleted.
async fn resolve(
    state: &AppState,
    site: &str,
    entry: &LogEntry,
) -> Result<Option<JobRecord>, ApiError> {
    match serde_json::from_slice::<Entry>(&entry.body) {
        Ok(Entry::Whole(record)) => {
            // Written whole by an older version, so it cannot be deleted on its own: it is
            // left out once its conversation was deleted (its log is gone).
            let log = conversation_log(record.conversation.as_str());
            if state.store.log_head(&log).await? == 0 {
                return Ok(None);
            }
            Ok(Some(record))
        }
        Ok(Entry::Pointer(pointer)) => {
            let Some(found) = state.store.get(&record_key(site, &pointer.id)).await? else {
                return Ok(None);
            };
            Ok(serde_json::from_slice::<StoredJob>(&found.value)
                .ok()
                .map(|stored| stored.record))
        }
        Err(_) => Ok(None),
    }
}

/// Deletes the finished jobs of `conversation`; how many there were.
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
    /// When the oldest job left in the log finished (ms), if one was read.
    pub oldest_kept_at: Option<i64>,
}

/// Deletes the site's jobs finished at or before `cutoff_ms`, oldest first, at most `limit`
/// of them: each job's record (and its place in its conversation's set), then the entries
/// from the front of the site's log in one trim. The log is in the order jobs finished, so
/// the first entry younger than the cutoff stops it. An entry that cannot be read goes with
/// the old ones before it; an entry of an older version (the whole job) goes by its own
/// time. A pass cut short leaves records already deleted, whose entries are trimmed by the
/// next pass.
pub async fn forget_older_than(
    state: &AppState,
    site: &str,
    cutoff_ms: i64,
    limit: usize,
) -> Result<Aged, ApiError> {
    let log = jobs_log(site);
    let entries = state.store.read_log(&log, 0, limit).await?;
    let mut through = None;
    let mut oldest_kept_at = None;
    for entry in &entries {
        match serde_json::from_slice::<Entry>(&entry.body) {
            Ok(Entry::Whole(record)) => {
                let at = record.finished_at.as_millisecond();
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

/// Deletes one job's record and its place in its conversation's set.
async fn forget_record(state: &AppState, site: &str, id: &str) -> Result<(), ApiError> {
    let key = record_key(site, id);
    let Some(found) = state.store.get(&key).await? else {
        return Ok(());
    };
    if let Ok(stored) = serde_json::from_slice::<StoredJob>(&found.value) {
        state
            .store
            .set_remove(&of_conversation(stored.record.conversation.as_str()), id)
            .await?;
    }
    state.store.delete(&key, None).await?;
    Ok(())
}
