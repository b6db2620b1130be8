//! Durable state at the edge: one [`Store`] trait and two backends that pass one conformance
//! suite (`tests/it/store/`): embedded **sled** (default, one node) and **Redis** (shared by
//! several nodes, `[store] url = "redis://..."`).
//!
//! A write returns only when it is durable: sled has flushed it to disk, Redis has
//! acknowledged it. Conflicts and duplicates are outcomes, not errors.
//!
//! # Layout
//!
//! - `settings.rs`: the `[store]` config section; [`RedisUrl`] redacts its password.
//! - `clock.rs`: the wall clock sled uses for expiry; tests inject a [`ManualClock`].
//! - `error.rs`: [`StoreError`].
//! - `sled_store/`: the embedded backend (one tree per kind of data, group-committed flushes).
//! - `redis_store/`: the Redis backend (`stf:`-prefixed keys, Lua scripts for atomic steps).

mod clock;
mod error;
mod observed;
mod redis_store;
mod settings;
mod sled_store;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

pub use clock::{Clock, ManualClock};
pub use error::{StoreError, StoreResult};
pub use observed::{Observed, WriteObserver};
pub use redis_store::RedisStore;
pub use settings::{RedisUrl, RedisUrlError, StoreSettings};
pub use sled_store::SledStore;

/// A record's value with the version that wrote it. Versions are opaque: unique across the
/// whole store, strictly increasing, never reused for a key (not even after a delete or an
/// expiry), so a stale version can never match again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioned {
    /// The version to pass back as `expected_version` to update or delete this record.
    pub version: u64,
    /// The stored bytes.
    pub value: Bytes,
}

/// Result of a compare-and-set [`Store::put`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CasOutcome {
    /// The record now holds the new value at this version.
    Written {
        /// The new version.
        version: u64,
    },
    /// The expected version did not match; nothing was written.
    Conflict {
        /// What the record holds now (`None`: it does not exist or has expired).
        current: Option<Versioned>,
    },
}

/// One entry of an append-only log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// 1-based, gapless position in its log. A [`Store::trim_log`] removes a prefix of the
    /// log; the entries it keeps keep their seqs.
    pub seq: u64,
    /// The stored bytes.
    pub body: Bytes,
}

/// A compare-and-set write of one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordWrite {
    /// The record key.
    pub key: String,
    /// `None`: the record must not exist (or must have expired). `Some(v)`: it must be at `v`.
    pub expected_version: Option<u64>,
    /// The new value.
    pub value: Bytes,
    /// Time to live from this write; `None` keeps the record until it is deleted (and
    /// clears an earlier expiry). Must be at least 1 ms.
    pub ttl: Option<Duration>,
}

/// What one [`Store::append`] writes, all or nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendBatch {
    /// Client-chosen id that makes the append idempotent within its log.
    pub client_message_id: Option<String>,
    /// What a repeated `client_message_id` is compared by, when the entries themselves may
    /// differ between retries (e.g. the visitor's input, while the bot's answer carries a new
    /// timestamp). `None`: the entries are compared. An id first used with a fingerprint and
    /// retried without one (or the other way round) is an [`AppendOutcome::IdConflict`].
    pub fingerprint: Option<Bytes>,
    /// Entries to append, in order; at least one.
    pub entries: Vec<Bytes>,
    /// A record to compare-and-set in the same atomic write (e.g. the session state).
    pub record: Option<RecordWrite>,
    /// A record that must be at a version for the write to happen, checked in the same
    /// atomic write and never written (e.g. the site's desk, when the entries depend on who
    /// has a conversation): a mismatch is an [`AppendOutcome::GuardConflict`] and nothing is
    /// written. Checked after the client message id, like `record`: a retry of a stored
    /// append is an [`AppendOutcome::Duplicate`] whatever the guarded record holds now.
    /// Unlike a `record` written back unchanged, a guard leaves the record's version alone,
    /// so appends guarded by one record never conflict with each other. The guarded key may
    /// be `record`'s key; both are then checked against what is stored before the write.
    pub guard: Option<VersionGuard>,
    /// A deadline to set or clear in the same atomic write (e.g. the session's idle timer),
    /// applied only when the entries are appended (not on a duplicate or a conflict).
    pub schedule: Option<ScheduleWrite>,
    /// Entries for other logs in the same atomic write (e.g. a message's item in a webhook
    /// outbox), appended only when this batch's entries are (never on a
    /// [`AppendOutcome::Duplicate`], an [`AppendOutcome::IdConflict`], an
    /// [`AppendOutcome::RecordConflict`] or an [`AppendOutcome::GuardConflict`]). Empty for a
    /// plain append (no allocation).
    pub also: Vec<SideAppend>,
}

/// A read-only precondition of an [`AppendBatch`]: the record `key` is at `version`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionGuard {
    /// The record key.
    pub key: String,
    /// `Some(v)`: the record must be live at `v` (the version [`Store::get`] returned);
    /// `None`: it must not exist (or must have expired).
    pub version: Option<u64>,
}

/// Entries appended to another log as part of an [`AppendBatch`]. They are numbered after
/// that log's head (a trimmed log included), in order, like an append without a client
/// message id; their seqs are not returned (read the log for them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SideAppend {
    /// The other log; not the batch's own log.
    pub log: String,
    /// Entries to append, in order; at least one.
    pub entries: Vec<Bytes>,
}

/// Most side logs one [`AppendBatch`] may append to (each is a key of the Redis script).
pub const MAX_SIDE_LOGS: usize = 8;

/// A change to an ordered set of deadlines, made as part of an [`AppendBatch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleWrite {
    /// The schedule's name (as for [`Store::schedule`]).
    pub schedule: String,
    /// The member whose deadline changes.
    pub member: String,
    /// `Some(ms)`: set the deadline (insert or move), as [`Store::schedule`]; `None`: remove
    /// it, as [`Store::unschedule`].
    pub due_ms: Option<i64>,
}

/// Result of [`Store::append`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppendOutcome {
    /// The entries got seqs `first_seq..=last_seq`; the record (if any) is at `record_version`.
    Appended {
        /// Seq of the first entry.
        first_seq: u64,
        /// Seq of the last entry.
        last_seq: u64,
        /// New version of `batch.record`, when the batch had one.
        record_version: Option<u64>,
    },
    /// The same `client_message_id` with the same fingerprint (or, without one, the same
    /// entries) was appended before; these are the original seqs. Nothing was written (the
    /// record was not touched).
    Duplicate {
        /// Seq of the first entry of the original append.
        first_seq: u64,
        /// Seq of the last entry of the original append.
        last_seq: u64,
    },
    /// The same `client_message_id` was used before with another fingerprint or other
    /// entries (HTTP 409).
    IdConflict,
    /// The compare-and-set of `batch.record` failed; nothing was written.
    RecordConflict {
        /// What the record holds now.
        current: Option<Versioned>,
    },
    /// The record of `batch.guard` is not at the guarded version; nothing was written.
    GuardConflict {
        /// The guarded record's version now (`None`: it does not exist or has expired).
        current: Option<u64>,
    },
}

/// Durable storage the edge needs. Every method that changes data returns only once the
/// change is durable. Names (keys, logs, sets, counters, schedules) are free-form strings;
/// each kind of data has its own namespace, so a set and a log may share a name.
#[async_trait::async_trait]
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// Reads a record. Expired records are absent.
    async fn get(&self, key: &str) -> StoreResult<Option<Versioned>>;

    /// Compare-and-set of one record, with optional expiry.
    async fn put(&self, write: RecordWrite) -> StoreResult<CasOutcome>;

    /// [`Store::put`] that also sets or clears a deadline (`schedule`) in the same atomic
    /// write, applied only when the record is written (never on a conflict): a record and the
    /// deadline that follows from it (e.g. a site's desk and its next timer) never disagree,
    /// whichever of two writers lands last.
    async fn put_scheduled(
        &self,
        write: RecordWrite,
        schedule: ScheduleWrite,
    ) -> StoreResult<CasOutcome>;

    /// Deletes a record. `expected_version: None` deletes whatever is there; `Some(v)` deletes
    /// only a record at `v`. True when a live record was removed.
    async fn delete(&self, key: &str, expected_version: Option<u64>) -> StoreResult<bool>;

    /// One atomic durable write: the entries get the next seqs of `log` (1-based, gapless),
    /// the append is deduplicated by `client_message_id` (remembered as long as the log), and
    /// the optional record compare-and-set succeeds with it or nothing is written.
    /// `batch.guard` is checked in that same write and never written. `batch.also` appends
    /// to other logs in that same write, only when the entries are appended.
    async fn append(&self, log: &str, batch: AppendBatch) -> StoreResult<AppendOutcome>;

    /// Up to `limit` entries with `seq > after_seq`, ascending. After a trim, only kept
    /// entries are returned: reading from before the trimmed point starts at the first kept
    /// entry.
    async fn read_log(&self, log: &str, after_seq: u64, limit: usize)
    -> StoreResult<Vec<LogEntry>>;

    /// Seq of the last entry appended; 0 for an unknown log. A trim does not change it (a
    /// log trimmed to nothing keeps its head).
    async fn log_head(&self, log: &str) -> StoreResult<u64>;

    /// Drops the entries with `seq <= through_seq`, durably, and returns how many it
    /// dropped (0 when they were gone already: a trim is idempotent). A `through_seq` past
    /// the head trims through the head only, so the next append still gets `head + 1`. The
    /// kept entries keep their seqs, and appends keep numbering after the head.
    ///
    /// Client message ids of dropped entries stay remembered (as long as the log, like every
    /// id): a retry of a dropped append is still a [`AppendOutcome::Duplicate`] with its
    /// original seqs and is never appended again. Its dropped entries can no longer be
    /// compared, so a retry without a fingerprint is judged by its number of entries and by
    /// those of its entries that are kept; a fingerprint is compared as before.
    async fn trim_log(&self, log: &str, through_seq: u64) -> StoreResult<u64>;

    /// Replaces the body of the kept entry at `seq` of `log` by `body`, durably (to erase what
    /// an entry holds without renumbering its log: the webhook outbox, docs/retention.md).
    /// The seq, the head, the trim and the client ids stay as they are. True when the entry
    /// was there and now holds `body`; false, writing nothing, when it is not kept (trimmed,
    /// past the head, or an unknown log). A retry of the append that wrote the entry, judged
    /// by its entries (no fingerprint), is then an [`AppendOutcome::IdConflict`].
    async fn overwrite_entry(&self, log: &str, seq: u64, body: Bytes) -> StoreResult<bool>;

    /// Deletes a log with everything the store keeps for it, durably and in one step: its
    /// entries, its head and trim base, and the client message ids it remembers. The name is
    /// then unknown: [`Store::log_head`] is 0, [`Store::read_log`] is empty, and a later
    /// append starts again at seq 1 with no client id remembered (so a retry of an append
    /// made before the delete is appended anew). True when anything was deleted; false for
    /// an unknown log (a delete is idempotent). Other logs, records, sets and schedules are
    /// left alone, including the logs the deleted one side-appended to.
    async fn delete_log(&self, log: &str) -> StoreResult<bool>;

    /// Adds a member; true when it was not there.
    async fn set_add(&self, set: &str, member: &str) -> StoreResult<bool>;

    /// Exact number of members.
    async fn set_len(&self, set: &str) -> StoreResult<u64>;

    /// All members, sorted by their UTF-8 bytes.
    async fn set_members(&self, set: &str) -> StoreResult<Vec<String>>;

    /// Removes a member; true when it was there.
    async fn set_remove(&self, set: &str, member: &str) -> StoreResult<bool>;

    /// When `old` is a member, replaces it by `new` in one atomic durable write (no reader
    /// ever sees the set without both, and a failure writes neither); true when `old` was
    /// there, false when it was not (nothing is written). `new` already a member: the set
    /// loses `old` and keeps `new` once. `old == new`: the set is left as it is.
    async fn set_replace(&self, set: &str, old: &str, new: &str) -> StoreResult<bool>;

    /// Adds `by` to a fixed-window counter and returns the new value. The window (`ttl`,
    /// at least 1 ms) starts when the counter is created; once it has passed the counter
    /// restarts from 0.
    async fn incr(&self, counter: &str, by: i64, ttl: Duration) -> StoreResult<i64>;

    /// Sets the deadline of `member` in an ordered set of deadlines (insert or move).
    /// Redis keeps deadlines as doubles: exact within ±2^53 ms.
    async fn schedule(&self, schedule: &str, member: &str, due_ms: i64) -> StoreResult<()>;

    /// Removes `member`; true when it was scheduled.
    async fn unschedule(&self, schedule: &str, member: &str) -> StoreResult<bool>;

    /// Compare-and-set of one deadline: when `member` is scheduled at exactly `expected_ms`,
    /// sets it to `due_ms` (`None`: removes it, as [`Store::unschedule`]) in one atomic
    /// durable write. True when it did; false, writing nothing, when the member is not
    /// scheduled or is at another deadline (e.g. a timer dropping a deadline it found due,
    /// while a write in between set a new one that must stay).
    async fn reschedule_if(
        &self,
        schedule: &str,
        member: &str,
        expected_ms: i64,
        due_ms: Option<i64>,
    ) -> StoreResult<bool>;

    /// Up to `limit` members due at or before `up_to_ms`, ascending by deadline then member.
    /// They stay scheduled until [`Store::unschedule`]d.
    async fn due(
        &self,
        schedule: &str,
        up_to_ms: i64,
        limit: usize,
    ) -> StoreResult<Vec<(String, i64)>>;

    /// The earliest deadline, if any.
    async fn next_due(&self, schedule: &str) -> StoreResult<Option<(String, i64)>>;

    /// Checks the backend answers (for `/readyz`).
    async fn ping(&self) -> StoreResult<()>;

    /// Makes every earlier write durable (for shutdown).
    async fn flush(&self) -> StoreResult<()>;

    /// `"sled"` or `"redis"`.
    fn backend(&self) -> &'static str;

    /// Whether other nodes may share this store (Redis), or it belongs to this process alone
    /// (sled, which locks its folder).
    fn is_shared(&self) -> bool;

    /// The group commits of this process so far, for `GET /metrics`: sled makes groups of
    /// concurrent writes durable with one flush each; Redis has none (`None`).
    fn group_commits(&self) -> Option<GroupCommits> {
        None
    }
}

/// Writes made durable by group commit, and the flushes that did it (their ratio is the
/// mean group size).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupCommits {
    /// Writes applied.
    pub writes: u64,
    /// Flushes run.
    pub flushes: u64,
}

/// Opens the store the settings ask for: Redis when `url` is set, otherwise sled under
/// `path`. `clock` drives sled's record and counter expiry (Redis expires server-side).
///
/// Errors: [`StoreError::Unavailable`] (Redis down, with the URL redacted),
/// [`StoreError::Locked`], [`StoreError::Corrupt`] or [`StoreError::DataDir`] (sled).
pub async fn open(settings: &StoreSettings, clock: Clock) -> StoreResult<Arc<dyn Store>> {
    match &settings.url {
        Some(url) => {
            let store =
                RedisStore::connect(url, settings.connect_timeout(), settings.response_timeout())
                    .await?;
            tracing::info!(backend = "redis", url = %url, "store opened");
            warn_of_sled_data_left_behind(&settings.path);
            Ok(Arc::new(store))
        }
        None => {
            let store = SledStore::open(&settings.path, clock).await?;
            tracing::info!(backend = "sled", path = %settings.path.display(), "store opened");
            Ok(Arc::new(store))
        }
    }
}

/// On Redis, warns once at start when `path` still holds an embedded (sled) store: an
/// installation that moved from one node to Redis starts there empty, since nothing is
/// copied over (docs/cluster.md, "Moving from one node to Redis").
fn warn_of_sled_data_left_behind(path: &std::path::Path) {
    if path.join("conf").is_file() && path.join("db").is_file() {
        tracing::warn!(
            path = %path.display(),
            "the embedded store in `store.path` is not used while `store.url` is set, and nothing \
             of it was copied to Redis (operators, conversations, monthly active users, jobs); \
             see docs/cluster.md, \"Moving from one node to Redis\""
        );
    }
}

/// A TTL in whole milliseconds, at least 1.
fn ttl_ms(ttl: Duration) -> StoreResult<i64> {
    let ms = i64::try_from(ttl.as_millis())
        .map_err(|_| StoreError::invalid(format!("ttl {ttl:?} is too long")))?;
    if ms < 1 {
        return Err(StoreError::invalid(format!(
            "ttl {ttl:?} is shorter than 1 ms"
        )));
    }
    Ok(ms)
}

/// Rejects batches that cannot be appended to `log`.
fn check_batch(log: &str, batch: &AppendBatch) -> StoreResult<()> {
    if batch.entries.is_empty() {
        return Err(StoreError::invalid(
            "an append batch needs at least one entry",
        ));
    }
    if !batch.also.is_empty() {
        check_side_appends(log, &batch.also)?;
    }
    if let Some(record) = &batch.record
        && let Some(ttl) = record.ttl
    {
        ttl_ms(ttl)?;
    }
    Ok(())
}

/// Rejects side appends that cannot go with a batch for `log`: too many side logs, one
/// without entries, or the batch's own log (its numbering would depend on the order).
fn check_side_appends(log: &str, also: &[SideAppend]) -> StoreResult<()> {
    if also.len() > MAX_SIDE_LOGS {
        return Err(StoreError::invalid(format!(
            "an append batch may append to at most {MAX_SIDE_LOGS} other logs, not {}",
            also.len()
        )));
    }
    for side in also {
        if side.entries.is_empty() {
            return Err(StoreError::invalid(format!(
                "the side append to {:?} needs at least one entry",
                side.log
            )));
        }
        if side.log == log {
            return Err(StoreError::invalid(format!(
                "a side append goes to another log than the batch's own ({log:?})"
            )));
        }
    }
    Ok(())
}
