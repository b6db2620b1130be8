//! One [`Desk`] per site in the store under `desk:{site}`, updated by compare-and-set:
//! load, apply a transition, write with the expected version, retry on a conflict. Two
//! nodes (or two tasks) applying transitions at once never lose one, so two agents accepting
//! the same offer at once see exactly one winner.
//!
//! A transition's output may come with log entries to store with the desk (a
//! [`SideAppend`] to the site's webhook outbox): then the desk's compare-and-set is the
//! `record` of one [`Store::append`] to that log, so the change and those entries are stored
//! together or not at all. A write that depends on what the desk says without changing it
//! carries the desk's [`guard`] instead. Every desk write also puts the desk's next deadline
//! in the [`SCHEDULE`] in the same atomic write, so the schedule always holds the stored
//! desk's next deadline, whichever of two nodes writes last.
//!
//! Each node keeps the last desk of a site it read or wrote, with the stored bytes it came
//! from ([`DeskCache`]): a load whose bytes are the same skips their decoding, which is most
//! of a load's cost on a busy site (docs/BENCHMARKS.md, "Handoff"). The store stays the only
//! truth: the cache is used only for exactly the bytes the store just returned.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use staffetta_handoff::connector::BoxFuture;
use staffetta_handoff::{Desk, DeskConfig, SiteId};

use crate::store::{
    AppendBatch, AppendOutcome, CasOutcome, RecordWrite, ScheduleWrite, SideAppend, Store,
    StoreError, VersionGuard,
};

/// The store schedule of desk deadlines: member = site id, due = the stored desk's next
/// deadline (ms), written with the desk.
pub const SCHEDULE: &str = "desk";

/// Why a desk update failed.
#[derive(Debug, thiserror::Error)]
pub enum DeskStoreError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored desk is not readable by this version.
    #[error("the stored desk of `{0}` is unreadable: {1}")]
    Corrupt(String, serde_json::Error),
    /// Too many concurrent writers in a row.
    #[error("the desk of `{0}` is too busy; try again")]
    Busy(String),
}

const MAX_ATTEMPTS: usize = 64;

fn key(site: &SiteId) -> String {
    format!("desk:{}", site.as_str())
}

/// This node's copy of the last desk of one site it read from or wrote to the store, with
/// the bytes stored for it. A desk decoded from the same bytes is equal to it (the desk
/// round-trips through JSON), so the copy stands in for decoding exactly those bytes.
#[derive(Default)]
pub struct DeskCache {
    last: Mutex<Option<Cached>>,
}

struct Cached {
    value: Bytes,
    desk: Arc<Desk>,
}

impl DeskCache {
    /// A copy of the cached desk if it was stored as `value`.
    fn desk_stored_as(&self, value: &Bytes) -> Option<Desk> {
        let cached = {
            let last = self.last.lock().unwrap_or_else(|e| e.into_inner());
            match last.as_ref() {
                Some(cached) if cached.value == *value => Arc::clone(&cached.desk),
                _ => return None,
            }
        };
        // Copied outside the lock: a busy desk takes most of a millisecond to copy.
        Some(Desk::clone(&cached))
    }

    fn remember(&self, value: Bytes, desk: Arc<Desk>) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(Cached { value, desk });
    }
}

impl std::fmt::Debug for DeskCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bytes = self
            .last
            .lock()
            .map(|last| last.as_ref().map_or(0, |cached| cached.value.len()))
            .unwrap_or(0);
        f.debug_struct("DeskCache").field("bytes", &bytes).finish()
    }
}

/// The desk of `site` (a fresh one when none is stored), and its record version; decoded
/// only when the stored bytes are not those of the desk in `cache`.
pub async fn load(
    store: &dyn Store,
    cache: &DeskCache,
    site: &SiteId,
    config: &DeskConfig,
) -> Result<(Desk, Option<u64>), DeskStoreError> {
    match store.get(&key(site)).await? {
        Some(record) => {
            if let Some(desk) = cache.desk_stored_as(&record.value) {
                return Ok((desk, Some(record.version)));
            }
            let desk: Desk = serde_json::from_slice(&record.value)
                .map_err(|e| DeskStoreError::Corrupt(site.as_str().to_owned(), e))?;
            let shared = Arc::new(desk);
            cache.remember(record.value, Arc::clone(&shared));
            Ok((Desk::clone(&shared), Some(record.version)))
        }
        None => Ok((Desk::new(site.clone(), config.clone()), None)),
    }
}

/// A guard that holds while the desk of `site` is still at `version` (as [`load`] returned
/// it; `None`: no desk stored): as the `guard` of an [`AppendBatch`], it makes that write
/// conditional on the desk being unchanged since it was read (an
/// [`AppendOutcome::GuardConflict`] otherwise, and nothing is written). The desk is only
/// read, so such writes never conflict with each other, only with desk changes.
pub fn guard(site: &SiteId, version: Option<u64>) -> VersionGuard {
    VersionGuard {
        key: key(site),
        version,
    }
}

/// Applies `transition` to the stored desk of `site` until the write wins the race.
/// `transition` may run several times (on fresh copies) and must not have side effects;
/// its result from the winning attempt is returned. An `Err` from it leaves the desk as is.
pub async fn update<T, E>(
    store: &dyn Store,
    cache: &DeskCache,
    site: &SiteId,
    config: &DeskConfig,
    transition: impl FnMut(&mut Desk) -> Result<T, E>,
) -> Result<Result<T, E>, DeskStoreError> {
    update_with_log(store, cache, site, config, transition, |_| {
        Box::pin(std::future::ready(Ok(None)))
    })
    .await
}

/// [`update`], where `along` says what to append to another log with each attempt's output
/// (the same [`SideAppend`] a conversation's append carries in [`AppendBatch::also`]; here
/// the desk is the write it goes with): the desk's compare-and-set and those entries are then
/// one atomic write, retried together on a conflict (so only the winning attempt's entries
/// are stored). No entries, like `None`, is a plain desk write. `along` may read the store
/// (an external desk reads the transcript of a chat it is offered); its future owns what it
/// needs of the output.
pub async fn update_with_log<'f, T, E>(
    store: &dyn Store,
    cache: &DeskCache,
    site: &SiteId,
    config: &DeskConfig,
    mut transition: impl FnMut(&mut Desk) -> Result<T, E>,
    along: impl Fn(&T) -> BoxFuture<'f, Result<Option<SideAppend>, StoreError>>,
) -> Result<Result<T, E>, DeskStoreError> {
    for _ in 0..MAX_ATTEMPTS {
        let (mut desk, version) = load(store, cache, site, config).await?;
        let output = match transition(&mut desk) {
            Ok(output) => output,
            Err(refused) => return Ok(Err(refused)),
        };
        let value = serde_json::to_vec(&desk)
            .map_err(|e| DeskStoreError::Corrupt(site.as_str().to_owned(), e))?;
        let value = Bytes::from(value);
        let write = RecordWrite {
            key: key(site),
            expected_version: version,
            value: value.clone(),
            ttl: None,
        };
        let schedule = ScheduleWrite {
            schedule: SCHEDULE.to_owned(),
            member: site.as_str().to_owned(),
            due_ms: desk.next_deadline().map(|at| at.as_millisecond()),
        };
        let won = match along(&output).await? {
            Some(append) if !append.entries.is_empty() => {
                write_with_log(store, write, schedule, append).await?
            }
            _ => matches!(
                store.put_scheduled(write, schedule).await?,
                CasOutcome::Written { .. }
            ),
        };
        if won {
            cache.remember(value, Arc::new(desk));
            return Ok(Ok(output));
        }
    }
    Err(DeskStoreError::Busy(site.as_str().to_owned()))
}

/// The desk's compare-and-set as the record of an append of `append`'s entries; whether it
/// won (false: the desk changed meanwhile, nothing was written).
async fn write_with_log(
    store: &dyn Store,
    write: RecordWrite,
    schedule: ScheduleWrite,
    append: SideAppend,
) -> Result<bool, StoreError> {
    let batch = AppendBatch {
        client_message_id: None,
        fingerprint: None,
        entries: append.entries,
        record: Some(write),
        guard: None,
        schedule: Some(schedule),
        also: Vec::new(),
    };
    match store.append(&append.log, batch).await? {
        AppendOutcome::Appended { .. } => Ok(true),
        AppendOutcome::RecordConflict { .. } | AppendOutcome::GuardConflict { .. } => Ok(false),
        // Only an append with a client message id is a duplicate or an id conflict.
        AppendOutcome::Duplicate { .. } | AppendOutcome::IdConflict => Err(StoreError::Backend(
            "an append without a client message id was taken for a retry".to_owned(),
        )),
    }
}

#[cfg(test)]
#[path = "desk_store_tests.rs"]
mod tests;
