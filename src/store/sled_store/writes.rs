//! How the sled committer applies a group: every write of the group is a step of ONE sled
//! transaction over all the trees, then one flush covers the group.
//!
//! One transaction per group, not per write, because each sled transaction seals and writes
//! sled's IO buffer twice on its own (it pins the log with a batch manifest), each a
//! synchronous `pwrite` + `sync_file_range` on sled's IO threads: two disk writes per write
//! would cost more than the flush that group commit shares. A group's steps run in order and
//! each sees the steps before it, exactly as one transaction per write would. When a step
//! aborts (corrupt bytes, a counter overflow) the group's transaction writes nothing, and the
//! group is applied again with one transaction per write, so the failing write fails alone.

use std::cell::RefCell;
use std::sync::Arc;

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use tokio::sync::oneshot;

use super::backend::Backend;
use super::group_commit::Committer;
use crate::store::{StoreError, StoreResult};

/// Result of a step inside a transaction.
pub(super) type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

/// Every tree, inside one transaction.
pub(super) struct TxTrees<'a> {
    pub(super) records: &'a TransactionalTree,
    pub(super) counters: &'a TransactionalTree,
    pub(super) expiry: &'a TransactionalTree,
    pub(super) logs: &'a TransactionalTree,
    pub(super) log_heads: &'a TransactionalTree,
    pub(super) dedupe: &'a TransactionalTree,
    pub(super) set_members: &'a TransactionalTree,
    pub(super) set_lens: &'a TransactionalTree,
    pub(super) schedule_by_member: &'a TransactionalTree,
    pub(super) schedule_by_due: &'a TransactionalTree,
}

impl Backend {
    /// Runs `body` in one transaction over every tree.
    pub(super) fn transact<T>(&self, body: impl Fn(&TxTrees<'_>) -> TxResult<T>) -> StoreResult<T> {
        self.transact_raw(body)
            .map_err(|error| self.transaction_error(error))
    }

    /// [`Backend::transact`] with sled's error as it is: an abort by a step, or a storage
    /// failure.
    fn transact_raw<T>(
        &self,
        body: impl Fn(&TxTrees<'_>) -> TxResult<T>,
    ) -> Result<T, TransactionError<StoreError>> {
        let t = &self.trees;
        (
            &t.records,
            &t.counters,
            &t.expiry,
            &t.logs,
            &t.log_heads,
            &t.dedupe,
            &t.set_members,
            &t.set_lens,
            &t.schedule_by_member,
            &t.schedule_by_due,
        )
            .transaction(
                |(
                    records,
                    counters,
                    expiry,
                    logs,
                    log_heads,
                    dedupe,
                    set_members,
                    set_lens,
                    schedule_by_member,
                    schedule_by_due,
                )| {
                    body(&TxTrees {
                        records,
                        counters,
                        expiry,
                        logs,
                        log_heads,
                        dedupe,
                        set_members,
                        set_lens,
                        schedule_by_member,
                        schedule_by_due,
                    })
                },
            )
    }
}

/// A write waiting on the committer, as the committer sees it.
pub(super) trait SledWrite: Send {
    /// Runs the write as a step of the group's transaction and keeps its outcome. Sled may
    /// run the transaction again; the last run's outcome is the one kept.
    fn stage(&self, backend: &Backend, tx: &TxTrees<'_>) -> TxResult<()>;

    /// Runs the write in a transaction of its own and keeps its outcome, error included.
    fn apply_alone(&self, backend: &Backend);

    /// Keeps `error` as the write's outcome.
    fn fail(&self, error: StoreError);

    /// Whether the write sets an expiry (and so may trigger the sweep of expired data).
    fn expires(&self) -> bool;

    /// Answers the caller: the kept outcome, or the flush's error.
    fn answer(self: Box<Self>, backend: &Backend, flushed: &sled::Result<()>);
}

/// One typed write: its step, its outcome once applied, and its caller's reply channel.
pub(super) struct Queued<T, F> {
    step: F,
    expires: bool,
    outcome: RefCell<Option<StoreResult<T>>>,
    reply: oneshot::Sender<StoreResult<T>>,
}

impl<T, F> Queued<T, F>
where
    T: Send + 'static,
    F: Fn(&Backend, &TxTrees<'_>) -> TxResult<T> + Send + 'static,
{
    /// A write running `step`; the receiver gets the outcome once it is durable.
    pub(super) fn new(expires: bool, step: F) -> (Box<Self>, oneshot::Receiver<StoreResult<T>>) {
        let (reply, replied) = oneshot::channel();
        let write = Self {
            step,
            expires,
            outcome: RefCell::new(None),
            reply,
        };
        (Box::new(write), replied)
    }
}

impl<T, F> SledWrite for Queued<T, F>
where
    T: Send + 'static,
    F: Fn(&Backend, &TxTrees<'_>) -> TxResult<T> + Send + 'static,
{
    fn stage(&self, backend: &Backend, tx: &TxTrees<'_>) -> TxResult<()> {
        let value = (self.step)(backend, tx)?;
        *self.outcome.borrow_mut() = Some(Ok(value));
        Ok(())
    }

    fn apply_alone(&self, backend: &Backend) {
        let outcome = backend.transact(|tx| (self.step)(backend, tx));
        *self.outcome.borrow_mut() = Some(outcome);
    }

    fn fail(&self, error: StoreError) {
        *self.outcome.borrow_mut() = Some(Err(error));
    }

    fn expires(&self) -> bool {
        self.expires
    }

    fn answer(self: Box<Self>, backend: &Backend, flushed: &sled::Result<()>) {
        let outcome = match (flushed, self.outcome.into_inner()) {
            (Err(error), _) => Err(backend.sled_error(error.clone())),
            (Ok(()), Some(outcome)) => outcome,
            (Ok(()), None) => Err(StoreError::Backend(
                "a sled write was answered without being applied".to_owned(),
            )),
        };
        // The caller may have gone away; the write stands either way.
        let _ = self.reply.send(outcome);
    }
}

/// The sled side of the committer thread.
pub(super) struct SledCommitter {
    pub(super) backend: Arc<Backend>,
}

impl Committer for SledCommitter {
    type Write = Box<dyn SledWrite>;

    fn apply(&mut self, group: &mut [Self::Write]) {
        let backend = &*self.backend;
        let together =
            backend.transact_raw(|tx| group.iter().try_for_each(|write| write.stage(backend, tx)));
        match together {
            Ok(()) => {}
            Err(TransactionError::Abort(_)) => {
                // Nothing of the group was written; one transaction per write isolates the
                // failing one (it fails again, the others succeed).
                for write in group.iter() {
                    write.apply_alone(backend);
                }
            }
            Err(TransactionError::Storage(error)) => {
                // sled itself failed (and refuses further writes): no retry.
                for write in group.iter() {
                    write.fail(backend.sled_error(error.clone()));
                }
            }
        }
        if group.iter().any(|write| write.expires()) {
            backend.after_expiring_write();
        }
    }

    fn flush(&mut self) -> sled::Result<()> {
        // A blocking `Db::flush` here, not `flush_async`: that one occupies a thread of
        // sled's own small IO pool while it waits for IO work queued on that same pool,
        // which deadlocked under many concurrent stores.
        self.backend.db.flush().map(|_bytes| ())
    }

    fn answer(&mut self, write: Self::Write, flushed: &sled::Result<()>) {
        write.answer(&self.backend, flushed);
    }
}
