//! The embedded backend: sled, one tree per kind of data, multi-tree transactions for every
//! step that touches more than one key, and group commit: writes are applied and flushed by
//! one committer thread, one transaction and one flush for all the writes that queued up
//! meanwhile, and each write returns only after a flush that started after it was applied.
//!
//! Expired records and counters stay invisible from the moment they expire and are removed
//! from disk by a sweep over an expiry index that runs on the write path about once a minute.
//!
//! # Layout
//!
//! - `backend.rs`: the open database and its trees, error mapping, opening a data dir.
//! - `group_commit.rs`: the committer thread (queue, group, flush, answer).
//! - `writes.rs`: how sled applies a group: one transaction for all its writes.
//! - `records.rs`, `logs.rs`, `collections.rs`: the reads and transaction steps per kind of
//!   data.
//! - `codec.rs`: the bytes on disk.

mod backend;
mod codec;
mod collections;
mod group_commit;
mod logs;
mod records;
mod writes;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use backend::Backend;
use bytes::Bytes;
use group_commit::GroupCommit;
use writes::{Queued, SledCommitter, TxResult, TxTrees};

use super::{
    AppendBatch, AppendOutcome, CasOutcome, Clock, LogEntry, RecordWrite, ScheduleWrite, Store,
    StoreError, StoreResult, Versioned,
};

/// How often a log delete takes a new snapshot when appends keep changing the log.
const DELETE_ATTEMPTS: usize = 32;

/// The sled store. Open one per data dir; a second open of the same dir fails with
/// [`StoreError::Locked`].
pub struct SledStore {
    backend: Arc<Backend>,
    group_commit: GroupCommit<SledCommitter>,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore")
            .field("path", &self.backend.path)
            .finish_non_exhaustive()
    }
}

impl SledStore {
    /// Opens (or creates) the store in `path`. `clock` decides when records and counters
    /// expire.
    pub async fn open(path: &Path, clock: Clock) -> StoreResult<Self> {
        let owned = path.to_owned();
        let opened = tokio::task::spawn_blocking(move || Backend::open(&owned, clock)).await;
        let backend = match opened {
            Ok(result) => Arc::new(result?),
            Err(join_error) => {
                let reason = if join_error.is_panic() {
                    let payload = join_error.into_panic();
                    let message = payload
                        .downcast_ref::<&str>()
                        .map(|text| (*text).to_owned())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "no message".to_owned());
                    format!("sled failed while reading the data: {message}")
                } else {
                    "opening was cancelled".to_owned()
                };
                return Err(StoreError::Corrupt {
                    location: path.display().to_string(),
                    reason,
                });
            }
        };
        let committer = SledCommitter {
            backend: Arc::clone(&backend),
        };
        let group_commit = GroupCommit::start("sled-commit".to_owned(), committer)?;
        Ok(Self {
            backend,
            group_commit,
        })
    }

    /// The data dir.
    pub fn path(&self) -> &Path {
        &self.backend.path
    }

    /// Queues `step` for the committer and returns its outcome once it is durable.
    /// `expires`: the write sets an expiry (and may trigger the sweep of expired data).
    async fn durably<T, F>(&self, expires: bool, step: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: Fn(&Backend, &TxTrees<'_>) -> TxResult<T> + Send + 'static,
    {
        let (write, outcome) = Queued::new(expires, step);
        if self.group_commit.submit(write).is_err() {
            return Err(self.lost());
        }
        outcome.await.unwrap_or_else(|_| Err(self.lost()))
    }

    /// The error of a write the committer dropped unanswered.
    fn lost(&self) -> StoreError {
        StoreError::Backend(format!(
            "a write to {} got no answer: applying its group panicked or the committer \
             stopped, so it may or may not be stored (see the log)",
            self.backend.path.display()
        ))
    }
}

#[async_trait::async_trait]
impl Store for SledStore {
    async fn get(&self, key: &str) -> StoreResult<Option<Versioned>> {
        self.backend.get_record(key)
    }

    async fn put(&self, write: RecordWrite) -> StoreResult<CasOutcome> {
        if let Some(ttl) = write.ttl {
            super::ttl_ms(ttl)?;
        }
        self.durably(true, move |backend, tx| {
            backend.put_step(tx, &write, backend.now_ms())
        })
        .await
    }

    async fn put_scheduled(
        &self,
        write: RecordWrite,
        schedule: ScheduleWrite,
    ) -> StoreResult<CasOutcome> {
        if let Some(ttl) = write.ttl {
            super::ttl_ms(ttl)?;
        }
        self.durably(true, move |backend, tx| {
            let outcome = backend.put_step(tx, &write, backend.now_ms())?;
            if let CasOutcome::Written { .. } = outcome {
                backend.schedule_change_step(tx, &schedule)?;
            }
            Ok(outcome)
        })
        .await
    }

    async fn delete(&self, key: &str, expected_version: Option<u64>) -> StoreResult<bool> {
        let key = key.to_owned();
        self.durably(false, move |backend, tx| {
            backend.delete_step(tx, &key, expected_version, backend.now_ms())
        })
        .await
    }

    async fn append(&self, log: &str, batch: AppendBatch) -> StoreResult<AppendOutcome> {
        super::check_batch(log, &batch)?;
        let log = log.to_owned();
        // Duplicates wait for a flush too: the original may still be waiting for its own.
        let expires = batch.record.is_some();
        self.durably(expires, move |backend, tx| {
            backend.append_step(tx, &log, &batch, backend.now_ms())
        })
        .await
    }

    async fn read_log(
        &self,
        log: &str,
        after_seq: u64,
        limit: usize,
    ) -> StoreResult<Vec<LogEntry>> {
        self.backend.read_entries(log, after_seq, limit)
    }

    async fn log_head(&self, log: &str) -> StoreResult<u64> {
        self.backend.head_of(log)
    }

    async fn trim_log(&self, log: &str, through_seq: u64) -> StoreResult<u64> {
        let log = log.to_owned();
        // A batched write like any other: one transaction step, flushed with its group.
        self.durably(false, move |backend, tx| {
            backend.trim_step(tx, &log, through_seq)
        })
        .await
    }

    async fn overwrite_entry(&self, log: &str, seq: u64, body: Bytes) -> StoreResult<bool> {
        let log = log.to_owned();
        self.durably(false, move |backend, tx| {
            backend.overwrite_step(tx, &log, seq, &body)
        })
        .await
    }

    async fn delete_log(&self, log: &str) -> StoreResult<bool> {
        // Appends racing the delete change the head between the snapshot and the step; each
        // try takes a new snapshot.
        for _ in 0..DELETE_ATTEMPTS {
            let seen = self.backend.snapshot_for_delete(log)?;
            let name = log.to_owned();
            let step = move |backend: &Backend, tx: &TxTrees<'_>| {
                backend.delete_log_step(tx, &name, &seen)
            };
            if let Some(deleted) = self.durably(false, step).await? {
                return Ok(deleted);
            }
        }
        Err(StoreError::Backend(format!(
            "log {log:?} kept changing while it was being deleted; try again"
        )))
    }

    async fn set_add(&self, set: &str, member: &str) -> StoreResult<bool> {
        let (set, member) = (set.to_owned(), member.to_owned());
        self.durably(false, move |backend, tx| {
            backend.membership_step(tx, &set, &member, true)
        })
        .await
    }

    async fn set_len(&self, set: &str) -> StoreResult<u64> {
        self.backend.member_count(set)
    }

    async fn set_members(&self, set: &str) -> StoreResult<Vec<String>> {
        self.backend.members_of(set)
    }

    async fn set_remove(&self, set: &str, member: &str) -> StoreResult<bool> {
        let (set, member) = (set.to_owned(), member.to_owned());
        self.durably(false, move |backend, tx| {
            backend.membership_step(tx, &set, &member, false)
        })
        .await
    }

    async fn set_replace(&self, set: &str, old: &str, new: &str) -> StoreResult<bool> {
        let (set, old, new) = (set.to_owned(), old.to_owned(), new.to_owned());
        // One transaction: the removal and the addition are applied (and flushed) together.
        self.durably(false, move |backend, tx| {
            if !backend.membership_step(tx, &set, &old, false)? {
                return Ok(false);
            }
            backend.membership_step(tx, &set, &new, true)?;
            Ok(true)
        })
        .await
    }

    async fn incr(&self, counter: &str, by: i64, ttl: Duration) -> StoreResult<i64> {
        let ttl_ms = super::ttl_ms(ttl)?;
        let counter = counter.to_owned();
        self.durably(true, move |backend, tx| {
            backend.increment_step(tx, &counter, by, ttl_ms, backend.now_ms())
        })
        .await
    }

    async fn schedule(&self, schedule: &str, member: &str, due_ms: i64) -> StoreResult<()> {
        let (schedule, member) = (schedule.to_owned(), member.to_owned());
        self.durably(false, move |backend, tx| {
            backend.schedule_step(tx, &schedule, &member, due_ms)
        })
        .await
    }

    async fn unschedule(&self, schedule: &str, member: &str) -> StoreResult<bool> {
        let (schedule, member) = (schedule.to_owned(), member.to_owned());
        self.durably(false, move |backend, tx| {
            backend.unschedule_step(tx, &schedule, &member)
        })
        .await
    }

    async fn reschedule_if(
        &self,
        schedule: &str,
        member: &str,
        expected_ms: i64,
        due_ms: Option<i64>,
    ) -> StoreResult<bool> {
        let change = ScheduleWrite {
            schedule: schedule.to_owned(),
            member: member.to_owned(),
            due_ms,
        };
        // One transaction: the deadline read and its change (sled retries it on a conflict).
        self.durably(false, move |backend, tx| {
            if backend.deadline_step(tx, &change.schedule, &change.member)? != Some(expected_ms) {
                return Ok(false);
            }
            backend.schedule_change_step(tx, &change)?;
            Ok(true)
        })
        .await
    }

    async fn due(
        &self,
        schedule: &str,
        up_to_ms: i64,
        limit: usize,
    ) -> StoreResult<Vec<(String, i64)>> {
        self.backend.deadlines_up_to(schedule, up_to_ms, limit)
    }

    async fn next_due(&self, schedule: &str) -> StoreResult<Option<(String, i64)>> {
        Ok(self
            .backend
            .deadlines_up_to(schedule, i64::MAX, 1)?
            .into_iter()
            .next())
    }

    async fn ping(&self) -> StoreResult<()> {
        self.backend
            .db
            .get(codec::FORMAT_KEY)
            .map(|_| ())
            .map_err(|error| self.backend.sled_error(error))
    }

    async fn flush(&self) -> StoreResult<()> {
        // An empty write: answered after a flush that started after every earlier write.
        self.durably(false, |_, _| Ok(())).await
    }

    fn backend(&self) -> &'static str {
        "sled"
    }

    fn is_shared(&self) -> bool {
        false
    }

    fn group_commits(&self) -> Option<super::GroupCommits> {
        let stats = self.group_commit.stats();
        Some(super::GroupCommits {
            writes: stats.writes,
            flushes: stats.flushes,
        })
    }
}

#[cfg(test)]
#[path = "group_commit_store_tests.rs"]
mod group_commit_store_tests;
