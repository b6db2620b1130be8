//! The committer loop with a recording fake committer: every answer comes after a flush that
//! started after the write was applied, writers queued behind a flush share the next one, a
//! failed flush fails its whole group and only it, a panicking apply does not stop the loop.

use std::sync::{Arc, Mutex, mpsc};

use tokio::sync::oneshot;

use super::{CommitStats, Committer, GroupCommit, MAX_GROUP};

/// What the writes, the flushes and the callers did, in the order they did it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    Applied(usize),
    FlushStarted(usize),
    FlushEnded(usize),
    Answered(usize),
}

#[derive(Clone, Default)]
struct Journal(Arc<Mutex<Vec<Event>>>);

impl Journal {
    fn note(&self, event: Event) {
        self.0.lock().unwrap().push(event);
    }

    fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap().clone()
    }

    fn position(&self, wanted: Event) -> usize {
        self.events()
            .iter()
            .position(|event| *event == wanted)
            .unwrap_or_else(|| panic!("{wanted:?} never happened"))
    }
}

/// A queued test write: its id, or a panic when applied, and its caller's reply channel.
struct TestWrite {
    id: usize,
    panics: bool,
    reply: oneshot::Sender<Result<usize, String>>,
}

/// Notes what it applies and flushes in the journal; the flushes listed in `failing`
/// (1-based) fail; the first flush waits for `release` when there is one.
struct Recorder {
    journal: Journal,
    failing: &'static [usize],
    flushes: usize,
    gate: Option<(mpsc::Sender<()>, mpsc::Receiver<()>)>,
}

impl Committer for Recorder {
    type Write = TestWrite;

    fn apply(&mut self, group: &mut [TestWrite]) {
        for write in group.iter() {
            assert!(!write.panics, "apply failed on purpose");
            self.journal.note(Event::Applied(write.id));
        }
    }

    fn flush(&mut self) -> sled::Result<()> {
        if let Some((started, release)) = self.gate.take() {
            started.send(()).unwrap();
            release.recv().unwrap();
        }
        self.flushes += 1;
        self.journal.note(Event::FlushStarted(self.flushes));
        self.journal.note(Event::FlushEnded(self.flushes));
        if self.failing.contains(&self.flushes) {
            Err(sled::Error::Io(std::io::Error::other("disk on fire")))
        } else {
            Ok(())
        }
    }

    fn answer(&mut self, write: TestWrite, flushed: &sled::Result<()>) {
        let outcome = match flushed {
            Ok(()) => Ok(write.id),
            Err(error) => Err(error.to_string()),
        };
        let _ = write.reply.send(outcome);
    }
}

fn recorder(journal: &Journal, failing: &'static [usize]) -> GroupCommit<Recorder> {
    let committer = Recorder {
        journal: journal.clone(),
        failing,
        flushes: 0,
        gate: None,
    };
    GroupCommit::start("test-commit".to_owned(), committer).unwrap()
}

/// A recorder whose first flush says it started and then waits for the returned sender:
/// writes submitted meanwhile queue up behind a flush in progress.
fn gated_recorder(
    journal: &Journal,
    failing: &'static [usize],
) -> (GroupCommit<Recorder>, mpsc::Receiver<()>, mpsc::Sender<()>) {
    let (started_tx, started) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    let committer = Recorder {
        journal: journal.clone(),
        failing,
        flushes: 0,
        gate: Some((started_tx, release_rx)),
    };
    let commit = GroupCommit::start("test-commit".to_owned(), committer).unwrap();
    (commit, started, release)
}

/// Submits write `id` (a panicking one when `panics`); resolves with its answer.
fn submit(
    commit: &GroupCommit<Recorder>,
    id: usize,
    panics: bool,
) -> impl Future<Output = Result<usize, String>> + use<> {
    let (reply, replied) = oneshot::channel();
    let queued = commit.submit(TestWrite { id, panics, reply }).is_ok();
    async move {
        assert!(queued, "the committer is gone");
        replied
            .await
            .unwrap_or_else(|_| Err("dropped unanswered".to_owned()))
    }
}

fn write(
    commit: &GroupCommit<Recorder>,
    id: usize,
) -> impl Future<Output = Result<usize, String>> + use<> {
    submit(commit, id, false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_write_is_answered_after_a_flush_that_started_after_it_was_applied() {
    let journal = Journal::default();
    let commit = Arc::new(recorder(&journal, &[]));
    let mut writers = Vec::new();
    for writer in 0..16 {
        let (commit, journal) = (Arc::clone(&commit), journal.clone());
        writers.push(tokio::spawn(async move {
            for n in 0..50 {
                let id = writer * 100 + n;
                assert_eq!(write(&commit, id).await.unwrap(), id);
                journal.note(Event::Answered(id));
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }

    let events = journal.events();
    for (answered_at, event) in events.iter().enumerate() {
        let Event::Answered(id) = *event else {
            continue;
        };
        let applied_at = journal.position(Event::Applied(id));
        let covered = events[applied_at..answered_at].iter().any(|started| {
            let Event::FlushStarted(flush) = *started else {
                return false;
            };
            events[applied_at..answered_at].contains(&Event::FlushEnded(flush))
        });
        assert!(
            covered,
            "write {id} was answered without a whole flush after it was applied"
        );
    }
    let stats = commit.stats();
    assert_eq!(stats.writes, 800);
    assert!(stats.flushes <= stats.writes);
}

#[tokio::test]
async fn writes_queued_behind_a_flush_share_the_next_one() {
    let journal = Journal::default();
    let (commit, started, release) = gated_recorder(&journal, &[]);

    let first = write(&commit, 0);
    started.recv().unwrap();
    let queued: Vec<_> = (1..=MAX_GROUP).map(|id| write(&commit, id)).collect();
    assert_eq!(commit.queued(), 128);
    release.send(()).unwrap();

    assert_eq!(first.await.unwrap(), 0);
    for (id, pending) in (1..=MAX_GROUP).zip(queued) {
        assert_eq!(pending.await.unwrap(), id);
    }
    assert_eq!(
        commit.stats(),
        CommitStats {
            writes: 129,
            flushes: 2
        },
        "the 128 writes queued during the first flush share the second"
    );
    // None of them was applied before the first flush began.
    let first_flush = journal.position(Event::FlushStarted(1));
    assert!(journal.position(Event::Applied(1)) > first_flush);
}

#[tokio::test]
async fn a_long_queue_is_flushed_in_groups_of_at_most_max_group() {
    let journal = Journal::default();
    let (commit, started, release) = gated_recorder(&journal, &[]);

    let first = write(&commit, 0);
    started.recv().unwrap();
    let queued: Vec<_> = (1..=MAX_GROUP * 2).map(|id| write(&commit, id)).collect();
    release.send(()).unwrap();

    first.await.unwrap();
    for pending in queued {
        pending.await.unwrap();
    }
    assert_eq!(commit.stats().flushes, 3);
}

#[tokio::test]
async fn a_failed_flush_fails_every_write_of_its_group_and_the_next_group_commits() {
    let journal = Journal::default();
    let (commit, started, release) = gated_recorder(&journal, &[2]);

    let first = write(&commit, 0);
    started.recv().unwrap();
    let queued: Vec<_> = (1..=10).map(|id| write(&commit, id)).collect();
    release.send(()).unwrap();

    assert_eq!(first.await.unwrap(), 0);
    for pending in queued {
        let error = pending.await.unwrap_err();
        assert!(error.contains("disk on fire"), "{error}");
    }
    assert_eq!(write(&commit, 11).await.unwrap(), 11);
}

#[tokio::test]
async fn a_group_whose_apply_panics_fails_its_writes_and_the_committer_goes_on() {
    let journal = Journal::default();
    let commit = recorder(&journal, &[]);

    let broken = submit(&commit, 1, true).await;
    assert_eq!(broken, Err("dropped unanswered".to_owned()));
    assert_eq!(write(&commit, 2).await.unwrap(), 2);
}

#[tokio::test]
async fn dropping_the_committer_still_applies_and_flushes_the_queued_writes() {
    let journal = Journal::default();
    let commit = recorder(&journal, &[]);
    let queued: Vec<_> = (1..=20).map(|id| write(&commit, id)).collect();
    drop(commit);

    for (id, pending) in (1..=20).zip(queued) {
        assert_eq!(pending.await.unwrap(), id);
    }
    let last_applied = journal.position(Event::Applied(20));
    assert!(
        journal.events()[last_applied..]
            .iter()
            .any(|event| matches!(event, Event::FlushEnded(_)))
    );
}
