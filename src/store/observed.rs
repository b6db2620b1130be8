//! A store that shows every record write, append and set addition to an observer before the
//! wrapped store applies it. The observer may act first (play another writer through the
//! wrapped store) or refuse the write with an error, which is returned as the write's answer:
//! tests use it to watch the writes of real code paths and to inject a failing or contended
//! store. Reads and every other operation go straight to the wrapped store.

use std::sync::Arc;
use std::time::Duration;

use super::{
    AppendBatch, AppendOutcome, CasOutcome, LogEntry, RecordWrite, Store, StoreResult, Versioned,
};

/// Sees writes before they are applied.
#[async_trait::async_trait]
pub trait WriteObserver: Send + Sync + std::fmt::Debug + 'static {
    /// Before a record write; an error is returned instead of writing.
    async fn before_put(&self, _inner: &dyn Store, _write: &RecordWrite) -> StoreResult<()> {
        Ok(())
    }

    /// Before an append; an error is returned instead of appending.
    async fn before_append(
        &self,
        _inner: &dyn Store,
        _log: &str,
        _batch: &AppendBatch,
    ) -> StoreResult<()> {
        Ok(())
    }

    /// Before a set addition; an error is returned instead of adding.
    async fn before_set_add(
        &self,
        _inner: &dyn Store,
        _set: &str,
        _member: &str,
    ) -> StoreResult<()> {
        Ok(())
    }
}

/// A store whose writes pass by an observer.
#[derive(Debug)]
pub struct Observed<O> {
    inner: Arc<dyn Store>,
    observer: O,
}

impl<O: WriteObserver> Observed<O> {
    /// Wraps `inner`; `observer` sees each record write, append and set addition first.
    pub fn new(inner: Arc<dyn Store>, observer: O) -> Self {
        Self { inner, observer }
    }

    /// The observer, to read what it saw or change what it does next.
    pub fn observer(&self) -> &O {
        &self.observer
    }
}

#[async_trait::async_trait]
impl<O: WriteObserver> Store for Observed<O> {
    async fn get(&self, key: &str) -> StoreResult<Option<Versioned>> {
        self.inner.get(key).await
    }
    async fn put(&self, write: RecordWrite) -> StoreResult<CasOutcome> {
        self.observer
            .before_put(self.inner.as_ref(), &write)
            .await?;
        self.inner.put(write).await
    }
    async fn delete(&self, key: &str, expected_version: Option<u64>) -> StoreResult<bool> {
        self.inner.delete(key, expected_version).await
    }
    async fn append(&self, log: &str, batch: AppendBatch) -> StoreResult<AppendOutcome> {
        self.observer
            .before_append(self.inner.as_ref(), log, &batch)
            .await?;
        self.inner.append(log, batch).await
    }
    async fn read_log(&self, log: &str, after: u64, limit: usize) -> StoreResult<Vec<LogEntry>> {
        self.inner.read_log(log, after, limit).await
    }
    async fn log_head(&self, log: &str) -> StoreResult<u64> {
        self.inner.log_head(log).await
    }
    async fn trim_log(&self, log: &str, through_seq: u64) -> StoreResult<u64> {
        self.inner.trim_log(log, through_seq).await
    }
    async fn delete_log(&self, log: &str) -> StoreResult<bool> {
        self.inner.delete_log(log).await
    }
    async fn set_add(&self, set: &str, member: &str) -> StoreResult<bool> {
        self.observer
            .before_set_add(self.inner.as_ref(), set, member)
            .await?;
        self.inner.set_add(set, member).await
    }
    async fn set_len(&self, set: &str) -> StoreResult<u64> {
        self.inner.set_len(set).await
    }
    async fn set_members(&self, set: &str) -> StoreResult<Vec<String>> {
        self.inner.set_members(set).await
    }
    async fn set_remove(&self, set: &str, member: &str) -> StoreResult<bool> {
        self.inner.set_remove(set, member).await
    }
    async fn incr(&self, counter: &str, by: i64, ttl: Duration) -> StoreResult<i64> {
        self.inner.incr(counter, by, ttl).await
    }
    async fn schedule(&self, schedule: &str, member: &str, due_ms: i64) -> StoreResult<()> {
        self.inner.schedule(schedule, member, due_ms).await
    }
    async fn unschedule(&self, schedule: &str, member: &str) -> StoreResult<bool> {
        self.inner.unschedule(schedule, member).await
    }
    async fn due(
        &self,
        schedule: &str,
        up_to: i64,
        limit: usize,
    ) -> StoreResult<Vec<(String, i64)>> {
        self.inner.due(schedule, up_to, limit).await
    }
    async fn next_due(&self, schedule: &str) -> StoreResult<Option<(String, i64)>> {
        self.inner.next_due(schedule).await
    }
    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
    }
    async fn flush(&self) -> StoreResult<()> {
        self.inner.flush().await
    }
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
    fn is_shared(&self) -> bool {
        self.inner.is_shared()
    }
}
