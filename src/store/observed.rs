//! A store that shows every record write, append and set addition to an observer before the
//! wrapped store applies it (an append's outcome also after), and every other call (reads, deletes, set removals, schedules,
//! ...) by its name. The observer may act first (play another writer through the wrapped
//! store, hold the caller) or refuse the call with an error, which is returned as the call's
//! answer: tests use it to watch the writes of real code paths and to inject a failing, slow
//! or contended store. `ping`, `flush`, `backend`, `is_shared` and `group_commits` go straight to the
//! wrapped store.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::{
    AppendBatch, AppendOutcome, CasOutcome, LogEntry, RecordWrite, ScheduleWrite, Store,
    StoreResult, Versioned,
};

/// Sees writes (and, by name, every other call) before they are made.
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

    /// After an append the wrapped store answered (with any outcome), before its caller
    /// sees the answer.
    async fn after_append(&self, _inner: &dyn Store, _log: &str, _outcome: &AppendOutcome) {}

    /// Before a set addition; an error is returned instead of adding.
    async fn before_set_add(
        &self,
        _inner: &dyn Store,
        _set: &str,
        _member: &str,
    ) -> StoreResult<()> {
        Ok(())
    }

    /// Before any other call (`call` is the method's name, `name` the key, log, set,
    /// counter or schedule it names); an error is returned instead of calling.
    async fn before_call(
        &self,
        _inner: &dyn Store,
        _call: &'static str,
        _name: &str,
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
    async fn call(&self, call: &'static str, name: &str) -> StoreResult<()> {
        self.observer
            .before_call(self.inner.as_ref(), call, name)
            .await
    }

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
        self.call("get", key).await?;
        self.inner.get(key).await
    }
    async fn put(&self, write: RecordWrite) -> StoreResult<CasOutcome> {
        self.observer
            .before_put(self.inner.as_ref(), &write)
            .await?;
        self.inner.put(write).await
    }
    async fn put_scheduled(
        &self,
        write: RecordWrite,
        schedule: ScheduleWrite,
    ) -> StoreResult<CasOutcome> {
        self.observer
            .before_put(self.inner.as_ref(), &write)
            .await?;
        self.inner.put_scheduled(write, schedule).await
    }
    async fn delete(&self, key: &str, expected_version: Option<u64>) -> StoreResult<bool> {
        self.call("delete", key).await?;
        self.inner.delete(key, expected_version).await
    }
    async fn append(&self, log: &str, batch: AppendBatch) -> StoreResult<AppendOutcome> {
        self.observer
            .before_append(self.inner.as_ref(), log, &batch)
            .await?;
        let outcome = self.inner.append(log, batch).await?;
        self.observer
            .after_append(self.inner.as_ref(), log, &outcome)
            .await;
        Ok(outcome)
    }
    async fn read_log(&self, log: &str, after: u64, limit: usize) -> StoreResult<Vec<LogEntry>> {
        self.call("read_log", log).await?;
        self.inner.read_log(log, after, limit).await
    }
    async fn log_head(&self, log: &str) -> StoreResult<u64> {
        self.call("log_head", log).await?;
        self.inner.log_head(log).await
    }
    async fn trim_log(&self, log: &str, through_seq: u64) -> StoreResult<u64> {
        self.call("trim_log", log).await?;
        self.inner.trim_log(log, through_seq).await
    }
    async fn overwrite_entry(&self, log: &str, seq: u64, body: Bytes) -> StoreResult<bool> {
        self.call("overwrite_entry", log).await?;
        self.inner.overwrite_entry(log, seq, body).await
    }
    async fn delete_log(&self, log: &str) -> StoreResult<bool> {
        self.call("delete_log", log).await?;
        self.inner.delete_log(log).await
    }
    async fn set_add(&self, set: &str, member: &str) -> StoreResult<bool> {
        self.observer
            .before_set_add(self.inner.as_ref(), set, member)
            .await?;
        self.inner.set_add(set, member).await
    }
    async fn set_len(&self, set: &str) -> StoreResult<u64> {
        self.call("set_len", set).await?;
        self.inner.set_len(set).await
    }
    async fn set_members(&self, set: &str) -> StoreResult<Vec<String>> {
        self.call("set_members", set).await?;
        self.inner.set_members(set).await
    }
    async fn set_remove(&self, set: &str, member: &str) -> StoreResult<bool> {
        self.call("set_remove", set).await?;
        self.inner.set_remove(set, member).await
    }
    async fn set_replace(&self, set: &str, old: &str, new: &str) -> StoreResult<bool> {
        self.call("set_replace", set).await?;
        self.inner.set_replace(set, old, new).await
    }
    async fn incr(&self, counter: &str, by: i64, ttl: Duration) -> StoreResult<i64> {
        self.call("incr", counter).await?;
        self.inner.incr(counter, by, ttl).await
    }
    async fn schedule(&self, schedule: &str, member: &str, due_ms: i64) -> StoreResult<()> {
        self.call("schedule", schedule).await?;
        self.inner.schedule(schedule, member, due_ms).await
    }
    async fn unschedule(&self, schedule: &str, member: &str) -> StoreResult<bool> {
        self.call("unschedule", schedule).await?;
        self.inner.unschedule(schedule, member).await
    }
    async fn reschedule_if(
        &self,
        schedule: &str,
        member: &str,
        expected_ms: i64,
        due_ms: Option<i64>,
    ) -> StoreResult<bool> {
        self.call("reschedule_if", schedule).await?;
        self.inner
            .reschedule_if(schedule, member, expected_ms, due_ms)
            .await
    }
    async fn due(
        &self,
        schedule: &str,
        up_to: i64,
        limit: usize,
    ) -> StoreResult<Vec<(String, i64)>> {
        self.call("due", schedule).await?;
        self.inner.due(schedule, up_to, limit).await
    }
    async fn next_due(&self, schedule: &str) -> StoreResult<Option<(String, i64)>> {
        self.call("next_due", schedule).await?;
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
    fn group_commits(&self) -> Option<super::GroupCommits> {
        self.inner.group_commits()
    }
}
