//! Reading a [`RecordLog`] by position, for reports that page through a site's log newest
//! first without reading all of it: where the items of a time start
//! ([`RecordLog::position_of`], a bisection), and the entries before a position
//! ([`RecordLog::read_before`], one bounded read).
//!
//! Positions are the seqs of the site's log. Appends take new, higher positions and retention
//! trims from the front, so a position read once keeps naming the same entry: a page that
//! ends before a position and the next one that starts there neither repeat nor skip one.

use super::{Entry, Logged, RecordLog, Stored};
use crate::app::AppState;
use crate::error::ApiError;
use crate::store::LogEntry;

/// One entry read by [`RecordLog::read_before`]: its position, and its item unless the item
/// was deleted (its record, or an old whole entry's conversation) or cannot be read.
#[derive(Debug)]
pub struct Positioned<T> {
    /// Position (seq) of the entry in the site's log.
    pub seq: u64,
    /// The item, if it is still there.
    pub item: Option<Stored<T>>,
}

/// What one [`RecordLog::read_before`] read.
#[derive(Debug)]
pub struct Slice<T> {
    /// The entries read, newest first.
    pub entries: Vec<Positioned<T>>,
    /// The lowest position the read covered: the next read goes before it.
    pub from: u64,
}

impl RecordLog {
    /// Position of the first entry kept in the site's log; one past the head when none is.
    pub async fn first_position(&self, state: &AppState, site: &str) -> Result<u64, ApiError> {
        let log = self.log(site);
        let first = state.store.read_log(&log, 0, 1).await?;
        match first.first() {
            Some(entry) => Ok(entry.seq),
            None => Ok(state.store.log_head(&log).await? + 1),
        }
    }

    /// One past the position of the newest entry of the site's log.
    pub async fn end_position(&self, state: &AppState, site: &str) -> Result<u64, ApiError> {
        Ok(state.store.log_head(&self.log(site)).await? + 1)
    }

    /// Position of the first entry whose item came at or after `at_ms`, one past the head
    /// when none did. A bisection over the kept entries (one read of one entry per step):
    /// the log is in the order items came, as the clocks of the nodes that stored them saw
    /// it. An entry that cannot be read counts as older than any time.
    pub async fn position_of<T: Logged>(
        &self,
        state: &AppState,
        site: &str,
        at_ms: i64,
    ) -> Result<u64, ApiError> {
        let log = self.log(site);
        let mut low = self.first_position(state, site).await?;
        let mut high = self.end_position(state, site).await?;
        while low < high {
            let middle = low + (high - low) / 2;
            let read = state.store.read_log(&log, middle - 1, 1).await?;
            match read.first() {
                // What lies from `middle` up to the entry found was trimmed meanwhile.
                Some(entry) if entry_at_ms::<T>(entry) < at_ms => low = entry.seq + 1,
                _ => high = middle,
            }
        }
        Ok(low)
    }

    /// The entries at positions `floor..before` that one read of at most `limit` of them
    /// (the newest) finds, newest first, each with its item unless it was deleted.
    pub async fn read_before<T: Logged>(
        &self,
        state: &AppState,
        site: &str,
        floor: u64,
        before: u64,
        limit: usize,
    ) -> Result<Slice<T>, ApiError> {
        let floor = floor.max(1);
        if limit == 0 || before <= floor {
            return Ok(Slice {
                entries: Vec::new(),
                from: before.max(floor),
            });
        }
        let from = before.saturating_sub(limit as u64).max(floor);
        let count = usize::try_from(before - from).unwrap_or(limit);
        let read = state
            .store
            .read_log(&self.log(site), from - 1, count)
            .await?;
        // After a trim a read starts at the first kept entry, which may be past `before`.
        let read: Vec<LogEntry> = read.into_iter().filter(|e| e.seq < before).collect();
        let items = read.iter().map(|entry| self.resolve(state, site, entry));
        let items = futures_util::future::try_join_all(items).await?;
        let mut entries: Vec<Positioned<T>> = read
            .iter()
            .zip(items)
            .map(|(entry, item)| Positioned {
                seq: entry.seq,
                item,
            })
            .collect();
        entries.reverse();
        Ok(Slice { entries, from })
    }
}

/// When the item of a log entry came, as the entry says; `i64::MIN` for an unreadable one.
fn entry_at_ms<T: Logged>(entry: &LogEntry) -> i64 {
    match serde_json::from_slice::<Entry<T>>(&entry.body) {
        Ok(Entry::Whole(stored)) => stored.item.at_ms(),
        Ok(Entry::Pointer(pointer)) => pointer.at,
        Err(_) => i64::MIN,
    }
}
