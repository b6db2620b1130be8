//! A store wrapper's observer that, once armed, fails the next write of a record whose key
//! starts with a prefix (a plain put, or the record of an append) with `Unavailable`: a
//! store error that lands on exactly one write, for the tests of what a failed write leaves.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use staffetta::store::{AppendBatch, RecordWrite, Store, StoreError, StoreResult, WriteObserver};

/// Fails one write of a record under `prefix` once [`FailOnce::arm`]ed. Clones share state.
#[derive(Clone, Debug)]
pub struct FailOnce(Arc<State>);

#[derive(Debug)]
struct State {
    prefix: &'static str,
    armed: AtomicBool,
    failed: AtomicUsize,
}

impl FailOnce {
    /// Unarmed; fails writes of records whose key starts with `prefix`.
    pub fn writes_of(prefix: &'static str) -> Self {
        Self(Arc::new(State {
            prefix,
            armed: AtomicBool::new(false),
            failed: AtomicUsize::new(0),
        }))
    }

    /// The next matching write fails.
    pub fn arm(&self) {
        self.0.armed.store(true, Ordering::SeqCst);
    }

    /// How many writes were failed.
    pub fn failed(&self) -> usize {
        self.0.failed.load(Ordering::SeqCst)
    }

    fn check(&self, key: &str) -> StoreResult<()> {
        if !key.starts_with(self.0.prefix) || !self.0.armed.swap(false, Ordering::SeqCst) {
            return Ok(());
        }
        self.0.failed.fetch_add(1, Ordering::SeqCst);
        Err(StoreError::Unavailable {
            target: "test store".to_owned(),
            reason: format!("one write of {} fails for the test", self.0.prefix),
        })
    }
}

#[async_trait::async_trait]
impl WriteObserver for FailOnce {
    async fn before_put(&self, _inner: &dyn Store, write: &RecordWrite) -> StoreResult<()> {
        self.check(&write.key)
    }

    async fn before_append(
        &self,
        _inner: &dyn Store,
        _log: &str,
        batch: &AppendBatch,
    ) -> StoreResult<()> {
        match &batch.record {
            Some(record) => self.check(&record.key),
            None => Ok(()),
        }
    }
}
