//! Finished jobs of a site (reporting): one record per job that went online, with its
//! conversation id, agent, times and the agent's wrap-up (free text about the visitor).
//!
//! Each job is a record of the site's [`RecordLog`] `jobs` (deletable on its own,
//! docs/retention.md; old entries that hold the whole job still listed), deleted with its
//! conversation and, on a site with `retention_days`, by age. The admin report reads them
//! page by page ([`report`]) and sums them up per agent ([`summary`]).

use staffetta_handoff::desk::JobRecord;

use super::record_log::{Aged, Logged, RecordLog, Stored, conversation_exists};
use crate::app::AppState;
use crate::error::ApiError;

pub mod report;
pub mod summary;

/// Most jobs one listing returns.
pub const MAX_LIST: usize = 1_000;

/// The site logs of finished jobs.
const JOBS: RecordLog = RecordLog::new("jobs", "job", "jobs-of");

impl Logged for JobRecord {
    fn conversation(&self) -> Option<&str> {
        Some(self.conversation.as_str())
    }

    fn at_ms(&self) -> i64 {
        self.finished_at.as_millisecond()
    }
}

/// The log of finished jobs of a site.
pub fn jobs_log(site: &str) -> String {
    JOBS.log(site)
}

/// Stores a finished job. A job of a conversation already deleted (an erasure ended it
/// while the agent was in after-chat work) is not kept: its record is deleted again once
/// written, so whichever of the two comes first, no job outlives its conversation.
pub async fn store(state: &AppState, site: &str, record: &JobRecord) -> Result<(), ApiError> {
    let stored = Stored::new(record.clone());
    JOBS.store(state, site, &stored).await?;
    // A purge deletes the conversation's log before its jobs: a log already gone means the
    // purge may have read the set before this job was in it.
    if !conversation_exists(state, record.conversation.as_str()).await? {
        JOBS.forget(state, site, &stored).await?;
    }
    Ok(())
}

/// The jobs among the newest `limit` finished on a site, newest first (a deleted job is
/// left out, so there may be fewer).
pub async fn list(state: &AppState, site: &str, limit: usize) -> Result<Vec<JobRecord>, ApiError> {
    let stored: Vec<Stored<JobRecord>> = JOBS.list(state, site, limit.clamp(1, MAX_LIST)).await?;
    Ok(stored.into_iter().map(|stored| stored.item).collect())
}

/// Deletes the finished jobs of `conversation`; how many there were.
pub async fn forget_conversation(
    state: &AppState,
    site: &str,
    conversation: &str,
) -> Result<u64, ApiError> {
    JOBS.forget_conversation(state, site, conversation).await
}

/// Deletes the site's jobs finished at or before `cutoff_ms`, oldest first, at most `limit`
/// of them ([`RecordLog::forget_older_than`]).
pub async fn forget_older_than(
    state: &AppState,
    site: &str,
    cutoff_ms: i64,
    limit: usize,
) -> Result<Aged, ApiError> {
    JOBS.forget_older_than::<JobRecord>(state, site, cutoff_ms, limit)
        .await
}
