//! The embedded backend: sled, one tree per kind of data, multi-tree transactions for every
//! step that touches more than one key, and a group-committed flush before each write returns.
//!
//! Expired records and counters stay invisible from the moment they expire and are removed
//! from disk by a sweep over an expiry index that runs on the write path about once a minute.

mod codec;
mod collections;
mod logs;
mod records;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use sled::transaction::TransactionError;

use super::{
    AppendBatch, AppendOutcome, CasOutcome, Clock, LogEntry, RecordWrite, Store, StoreError,
    StoreResult, Versioned,
};

/// How often (at most) a write also sweeps expired records and counters off the disk.
const SWEEP_INTERVAL: Duration = Duration::from_secs(60);

/// The sled store. Open one per data dir; a second open of the same dir fails with
/// [`StoreError::Locked`].
pub struct SledStore {
    db: sled::Db,
    trees: Trees,
    clock: Clock,
    path: PathBuf,
    group_commit: GroupCommit,
    next_sweep_ms: AtomicI64,
}

/// One tree per kind of data: names of different kinds never collide.
struct Trees {
    /// record key -> [`codec::StoredRecord`]
    records: sled::Tree,
    /// counter name -> value + window end
    counters: sled::Tree,
    /// deadline + kind + name -> () for records and counters that expire
    expiry: sled::Tree,
    /// log name + seq -> entry body
    logs: sled::Tree,
    /// log name -> last seq
    log_heads: sled::Tree,
    /// log name + client message id -> first seq + last seq
    dedupe: sled::Tree,
    /// set name + member -> ()
    set_members: sled::Tree,
    /// set name -> member count
    set_lens: sled::Tree,
    /// schedule name + member -> deadline
    schedule_by_member: sled::Tree,
    /// schedule name + deadline + member -> ()
    schedule_by_due: sled::Tree,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SledStore {
    /// Opens (or creates) the store in `path`. `clock` decides when records and counters
    /// expire.
    pub async fn open(path: &Path, clock: Clock) -> StoreResult<Self> {
        let owned = path.to_owned();
        let opened = tokio::task::spawn_blocking(move || open_blocking(&owned)).await;
        let (db, trees) = match opened {
            Ok(result) => result?,
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
        let now = clock.now_ms();
        Ok(Self {
            group_commit: GroupCommit::new(db.clone()),
            db,
            trees,
            clock,
            path: path.to_owned(),
            next_sweep_ms: AtomicI64::new(now),
        })
    }

    /// The data dir.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Maps a sled error on this store.
    fn sled_error(&self, error: sled::Error) -> StoreError {
        map_sled_error(&self.path, error)
    }

    /// Maps the error of a multi-tree transaction.
    fn transaction_error(&self, error: TransactionError<StoreError>) -> StoreError {
        match error {
            TransactionError::Abort(error) => error,
            TransactionError::Storage(error) => self.sled_error(error),
        }
    }

    /// A [`StoreError::Corrupt`] naming the tree that held bad bytes.
    fn corrupt(&self, tree: &str, reason: String) -> StoreError {
        corrupt_in(&self.path, tree, reason)
    }

    /// Returns once every write applied before this call is on disk; callers arriving while
    /// a flush runs share the next one.
    async fn make_durable(&self) -> StoreResult<()> {
        self.group_commit
            .wait()
            .await
            .map_err(|error| self.sled_error(error))
    }
}

fn corrupt_in(path: &Path, tree: &str, reason: String) -> StoreError {
    StoreError::Corrupt {
        location: format!("{} (tree {tree})", path.display()),
        reason,
    }
}

fn map_sled_error(path: &Path, error: sled::Error) -> StoreError {
    match error {
        sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
            StoreError::Locked {
                path: path.to_owned(),
            }
        }
        sled::Error::Io(io) => StoreError::Io(io),
        sled::Error::Corruption { at, .. } => StoreError::Corrupt {
            location: path.display().to_string(),
            reason: match at {
                Some(at) => format!("sled found a damaged log at {at:?}"),
                None => "sled found a damaged log".to_owned(),
            },
        },
        sled::Error::Unsupported(reason) => StoreError::Corrupt {
            location: path.display().to_string(),
            reason,
        },
        sled::Error::CollectionNotFound(name) => StoreError::Backend(format!(
            "sled tree {:?} not found",
            String::from_utf8_lossy(&name)
        )),
        sled::Error::ReportableBug(reason) => StoreError::Backend(format!("sled bug: {reason}")),
    }
}

fn open_blocking(path: &Path) -> StoreResult<(sled::Db, Trees)> {
    std::fs::create_dir_all(path).map_err(|source| StoreError::DataDir {
        path: path.to_owned(),
        source,
    })?;
    // sled treats an unreadable log as the end of the data and would open it empty; an
    // existing data file without our format marker is how that shows.
    let had_data = path
        .join("db")
        .metadata()
        .is_ok_and(|metadata| metadata.len() > 0);
    let db = sled::Config::new().path(path).open().map_err(|error| {
        match map_sled_error(path, error) {
            StoreError::Io(source) => StoreError::DataDir {
                path: path.to_owned(),
                source,
            },
            other => other,
        }
    })?;
    let map = |error| map_sled_error(path, error);
    match db.get(codec::FORMAT_KEY).map_err(map)? {
        Some(found) if found.as_ref() == codec::FORMAT_VERSION => {}
        Some(found) => {
            return Err(StoreError::Corrupt {
                location: path.display().to_string(),
                reason: format!(
                    "the data uses store format {:?}, this build reads format {:?}",
                    String::from_utf8_lossy(&found),
                    String::from_utf8_lossy(codec::FORMAT_VERSION)
                ),
            });
        }
        None if had_data => {
            return Err(StoreError::Corrupt {
                location: path.display().to_string(),
                reason: "the data file is there but unreadable (no store format marker \
                         survived); restore the dir from a backup, or move it away to start \
                         empty"
                    .to_owned(),
            });
        }
        None => {
            db.insert(codec::FORMAT_KEY, codec::FORMAT_VERSION)
                .map_err(map)?;
            db.flush().map_err(map)?;
        }
    }
    let tree = |name: &str| db.open_tree(name).map_err(map);
    let trees = Trees {
        records: tree("records")?,
        counters: tree("counters")?,
        expiry: tree("expiry")?,
        logs: tree("logs")?,
        log_heads: tree("log_heads")?,
        dedupe: tree("dedupe")?,
        set_members: tree("set_members")?,
        set_lens: tree("set_lens")?,
        schedule_by_member: tree("schedule_by_member")?,
        schedule_by_due: tree("schedule_by_due")?,
    };
    Ok((db, trees))
}

/// Group commit: each writer takes a ticket after applying its write and waits until a flush
/// that started after its ticket has finished. One flush covers every ticket taken before it.
struct GroupCommit {
    db: sled::Db,
    tickets: AtomicU64,
    flushed_through: tokio::sync::Mutex<u64>,
}

impl GroupCommit {
    fn new(db: sled::Db) -> Self {
        Self {
            db,
            tickets: AtomicU64::new(0),
            flushed_through: tokio::sync::Mutex::new(0),
        }
    }

    async fn wait(&self) -> sled::Result<()> {
        let ticket = self.tickets.fetch_add(1, Ordering::SeqCst) + 1;
        let mut flushed_through = self.flushed_through.lock().await;
        if *flushed_through >= ticket {
            return Ok(());
        }
        let covers = self.tickets.load(Ordering::SeqCst);
        // A blocking flush on tokio's blocking pool, not `flush_async`: that one occupies a
        // thread of sled's own small IO pool while it waits for IO work queued on that same
        // pool, which deadlocked under many concurrent stores.
        let db = self.db.clone();
        match tokio::task::spawn_blocking(move || db.flush()).await {
            Ok(flushed) => flushed?,
            Err(join_error) => {
                return Err(sled::Error::ReportableBug(format!(
                    "flush task failed: {join_error}"
                )));
            }
        };
        *flushed_through = covers;
        Ok(())
    }
}

#[async_trait::async_trait]
impl Store for SledStore {
    async fn get(&self, key: &str) -> StoreResult<Option<Versioned>> {
        self.get_record(key)
    }

    async fn put(&self, write: RecordWrite) -> StoreResult<CasOutcome> {
        let outcome = self.put_record(&write)?;
        self.after_expiring_write();
        self.make_durable().await?;
        Ok(outcome)
    }

    async fn delete(&self, key: &str, expected_version: Option<u64>) -> StoreResult<bool> {
        let removed = self.delete_record(key, expected_version)?;
        self.make_durable().await?;
        Ok(removed)
    }

    async fn append(&self, log: &str, batch: AppendBatch) -> StoreResult<AppendOutcome> {
        super::check_batch(&batch)?;
        let outcome = self.append_batch(log, &batch)?;
        if batch.record.is_some() {
            self.after_expiring_write();
        }
        // Duplicates are durable too: the original may still be waiting for its flush.
        self.make_durable().await?;
        Ok(outcome)
    }

    async fn read_log(
        &self,
        log: &str,
        after_seq: u64,
        limit: usize,
    ) -> StoreResult<Vec<LogEntry>> {
        self.read_entries(log, after_seq, limit)
    }

    async fn log_head(&self, log: &str) -> StoreResult<u64> {
        self.head_of(log)
    }

    async fn set_add(&self, set: &str, member: &str) -> StoreResult<bool> {
        let added = self.add_member(set, member)?;
        self.make_durable().await?;
        Ok(added)
    }

    async fn set_len(&self, set: &str) -> StoreResult<u64> {
        self.member_count(set)
    }

    async fn set_members(&self, set: &str) -> StoreResult<Vec<String>> {
        self.members_of(set)
    }

    async fn set_remove(&self, set: &str, member: &str) -> StoreResult<bool> {
        let removed = self.remove_member(set, member)?;
        self.make_durable().await?;
        Ok(removed)
    }

    async fn incr(&self, counter: &str, by: i64, ttl: Duration) -> StoreResult<i64> {
        let value = self.increment(counter, by, super::ttl_ms(ttl)?)?;
        self.after_expiring_write();
        self.make_durable().await?;
        Ok(value)
    }

    async fn schedule(&self, schedule: &str, member: &str, due_ms: i64) -> StoreResult<()> {
        self.set_deadline(schedule, member, due_ms)?;
        self.make_durable().await
    }

    async fn unschedule(&self, schedule: &str, member: &str) -> StoreResult<bool> {
        let removed = self.remove_deadline(schedule, member)?;
        self.make_durable().await?;
        Ok(removed)
    }

    async fn due(
        &self,
        schedule: &str,
        up_to_ms: i64,
        limit: usize,
    ) -> StoreResult<Vec<(String, i64)>> {
        self.deadlines_up_to(schedule, up_to_ms, limit)
    }

    async fn next_due(&self, schedule: &str) -> StoreResult<Option<(String, i64)>> {
        Ok(self
            .deadlines_up_to(schedule, i64::MAX, 1)?
            .into_iter()
            .next())
    }

    async fn ping(&self) -> StoreResult<()> {
        self.db
            .get(codec::FORMAT_KEY)
            .map(|_| ())
            .map_err(|error| self.sled_error(error))
    }

    async fn flush(&self) -> StoreResult<()> {
        self.make_durable().await
    }

    fn backend(&self) -> &'static str {
        "sled"
    }
}

impl SledStore {
    /// Sweeps expired records and counters when the sweep interval has passed. A failed
    /// sweep is logged, not returned: the write that triggered it has succeeded, and expired
    /// data is invisible whether or not it is still on disk.
    fn after_expiring_write(&self) {
        let now = self.now_ms();
        let due = self.next_sweep_ms.load(Ordering::SeqCst);
        let interval = i64::try_from(SWEEP_INTERVAL.as_millis()).unwrap_or(i64::MAX);
        if now < due
            || self
                .next_sweep_ms
                .compare_exchange(
                    due,
                    now.saturating_add(interval),
                    Ordering::SeqCst,
                    Ordering::SeqCst,
                )
                .is_err()
        {
            return;
        }
        if let Err(error) = self.sweep_expired(now) {
            tracing::warn!(path = %self.path.display(), %error, "sweeping expired data failed");
        }
    }
}
