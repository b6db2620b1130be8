//! Group commit: one committer thread per store takes the writes queued for it, applies them
//! as one group, makes the group durable with one flush, and only then answers its writes.
//!
//! The rule that keeps acknowledgements honest: a write is answered only after a flush that
//! *started after the write was applied* has finished. Here the thread that applies is the
//! thread that flushes, so the order is plain: take every write waiting in the queue (up to
//! [`MAX_GROUP`]), apply them, flush once, answer them all, repeat while writes keep coming.
//! Writers that arrive while a flush runs share the next group instead of queueing a flush
//! each.
//!
//! Why a thread of its own and not the callers: a sled transaction takes sled's global write
//! lock, and `Db::flush` holds the read side of that lock for its whole I/O. A transaction
//! applied by a caller on a tokio worker would block that worker (and so every socket it
//! serves) for the rest of any flush in progress. On the committer thread the transactions and
//! the flushes never wait for each other, and the workers only await a reply.
//!
//! This file is the queue and the loop; what applying and flushing mean is a [`Committer`]
//! (`writes.rs` for sled, a recording fake in the tests).

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;

/// Most writes in one group: bounds how long the group holds sled's write lock (which reads
/// wait for) and how long the first write of a long queue waits for its answer.
pub(super) const MAX_GROUP: usize = 128;

/// What the committer thread does with a group of writes.
pub(super) trait Committer: Send + 'static {
    /// One queued write, with whatever answers its caller.
    type Write: Send + 'static;

    /// Applies the group's writes, in order. A write the committer could not apply keeps
    /// its error for [`Committer::answer`].
    fn apply(&mut self, group: &mut [Self::Write]);

    /// Makes everything applied so far durable.
    fn flush(&mut self) -> sled::Result<()>;

    /// Answers a write of the group once its flush is over (`flushed`: how it went).
    fn answer(&mut self, write: Self::Write, flushed: &sled::Result<()>);
}

/// How much work the committer has done; `flushes` is much smaller than `writes` when
/// concurrent writers share flushes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct CommitStats {
    /// Writes applied (including ones that failed).
    pub(super) writes: u64,
    /// Flushes run.
    pub(super) flushes: u64,
}

#[derive(Debug, Default)]
struct Counters {
    submitted: AtomicU64,
    applied: AtomicU64,
    flushes: AtomicU64,
}

/// The queue in front of the committer thread. Dropping it lets the thread finish the
/// queued writes and waits for it, so the store's files are released when the store is.
pub(super) struct GroupCommit<C: Committer> {
    queue: Option<mpsc::Sender<C::Write>>,
    thread: Option<JoinHandle<()>>,
    counters: Arc<Counters>,
}

impl<C: Committer> GroupCommit<C> {
    /// Starts the committer thread, named `name`.
    pub(super) fn start(name: String, committer: C) -> std::io::Result<Self> {
        let (queue, writes) = mpsc::channel();
        let counters = Arc::new(Counters::default());
        let thread = std::thread::Builder::new().name(name).spawn({
            let counters = Arc::clone(&counters);
            move || commit_loop(&writes, committer, &counters)
        })?;
        Ok(Self {
            queue: Some(queue),
            thread: Some(thread),
            counters,
        })
    }

    /// Queues `write` behind the writes submitted before it. Returns it when the committer
    /// thread is gone.
    pub(super) fn submit(&self, write: C::Write) -> Result<(), C::Write> {
        let Some(queue) = &self.queue else {
            return Err(write);
        };
        queue.send(write).map_err(|refused| refused.0)?;
        self.counters.submitted.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// Writes applied and flushes run so far.
    pub(super) fn stats(&self) -> CommitStats {
        CommitStats {
            writes: self.counters.applied.load(Ordering::SeqCst),
            flushes: self.counters.flushes.load(Ordering::SeqCst),
        }
    }

    /// Writes submitted but not yet taken by the committer.
    #[cfg(test)]
    pub(super) fn queued(&self) -> u64 {
        let submitted = self.counters.submitted.load(Ordering::SeqCst);
        submitted.saturating_sub(self.counters.applied.load(Ordering::SeqCst))
    }
}

impl<C: Committer> Drop for GroupCommit<C> {
    fn drop(&mut self) {
        // Closing the queue ends the loop once the queued writes are done.
        drop(self.queue.take());
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the sled committer thread panicked");
        }
    }
}

impl<C: Committer> std::fmt::Debug for GroupCommit<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit")
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

/// Take what is queued (up to [`MAX_GROUP`]), apply, flush once, answer; repeat until the
/// queue is closed and empty.
fn commit_loop<C: Committer>(
    writes: &mpsc::Receiver<C::Write>,
    mut committer: C,
    counters: &Counters,
) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while let Ok(first) = writes.recv() {
        group.push(first);
        while group.len() < MAX_GROUP {
            match writes.try_recv() {
                Ok(write) => group.push(write),
                Err(_) => break,
            }
        }
        let taken = u64::try_from(group.len()).unwrap_or(u64::MAX);
        counters.applied.fetch_add(taken, Ordering::SeqCst);
        if std::panic::catch_unwind(AssertUnwindSafe(|| committer.apply(&mut group))).is_err() {
            // Dropping the writes drops their reply channels: each caller gets an error.
            tracing::error!(
                writes = group.len(),
                "applying a group of sled writes panicked"
            );
            group.clear();
        }
        let flushed = committer.flush();
        counters.flushes.fetch_add(1, Ordering::SeqCst);
        if let Err(error) = &flushed {
            tracing::error!(%error, writes = group.len(), "sled flush failed");
        }
        for write in group.drain(..) {
            committer.answer(write, &flushed);
        }
    }
}

#[cfg(test)]
#[path = "group_commit_tests.rs"]
mod tests;
