//! The open sled database behind a [`super::SledStore`]: its trees, the clock that decides
//! expiry, the mapping of sled's errors, and opening a data dir. The transactions over these
//! trees live in `records.rs`, `logs.rs` and `collections.rs`; writes run them on the
//! committer thread (`group_commit.rs`), reads on the caller's.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use sled::transaction::TransactionError;

use super::codec;
use crate::store::{Clock, StoreError, StoreResult};

/// How often (at most) a write also sweeps expired records and counters off the disk.
const SWEEP_INTERVAL: Duration = Duration::from_secs(60);

/// The database, its trees and the expiry clock, shared by the store and its committer.
pub(super) struct Backend {
    pub(super) db: sled::Db,
    pub(super) trees: Trees,
    clock: Clock,
    pub(super) path: PathBuf,
    next_sweep_ms: AtomicI64,
}

/// One tree per kind of data: names of different kinds never collide.
pub(super) struct Trees {
    /// record key -> [`codec::StoredRecord`]
    pub(super) records: sled::Tree,
    /// counter name -> value + window end
    pub(super) counters: sled::Tree,
    /// deadline + kind + name -> () for records and counters that expire
    pub(super) expiry: sled::Tree,
    /// log name + seq -> entry body
    pub(super) logs: sled::Tree,
    /// log name -> last seq
    pub(super) log_heads: sled::Tree,
    /// log name + client message id -> first seq + last seq
    pub(super) dedupe: sled::Tree,
    /// set name + member -> ()
    pub(super) set_members: sled::Tree,
    /// set name -> member count
    pub(super) set_lens: sled::Tree,
    /// schedule name + member -> deadline
    pub(super) schedule_by_member: sled::Tree,
    /// schedule name + deadline + member -> ()
    pub(super) schedule_by_due: sled::Tree,
}

impl Backend {
    /// Opens (or creates) the database in `path` (blocking: run it off the async threads).
    pub(super) fn open(path: &Path, clock: Clock) -> StoreResult<Self> {
        let (db, trees) = open_blocking(path)?;
        let now = clock.now_ms();
        Ok(Self {
            db,
            trees,
            clock,
            path: path.to_owned(),
            next_sweep_ms: AtomicI64::new(now),
        })
    }

    pub(super) fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Maps a sled error on this store.
    pub(super) fn sled_error(&self, error: sled::Error) -> StoreError {
        map_sled_error(&self.path, error)
    }

    /// Maps the error of a multi-tree transaction.
    pub(super) fn transaction_error(&self, error: TransactionError<StoreError>) -> StoreError {
        match error {
            TransactionError::Abort(error) => error,
            TransactionError::Storage(error) => self.sled_error(error),
        }
    }

    /// A [`StoreError::Corrupt`] naming the tree that held bad bytes.
    pub(super) fn corrupt(&self, tree: &str, reason: String) -> StoreError {
        corrupt_in(&self.path, tree, reason)
    }

    /// Sweeps expired records and counters when the sweep interval has passed. A failed
    /// sweep is logged, not returned: the write that triggered it has succeeded, and expired
    /// data is invisible whether or not it is still on disk.
    pub(super) fn after_expiring_write(&self) {
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

fn corrupt_in(path: &Path, tree: &str, reason: String) -> StoreError {
    StoreError::Corrupt {
        location: format!("{} (tree {tree})", path.display()),
        reason,
    }
}

pub(super) fn map_sled_error(path: &Path, error: sled::Error) -> StoreError {
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
