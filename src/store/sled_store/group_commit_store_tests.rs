//! Group commit through the real store: concurrent writers are all acknowledged, share one
//! transaction and one flush, and find every acknowledged write again after a reopen; a write
//! that aborts inside a group fails alone.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::SledStore;
use super::backend::Backend;
use super::writes::{Queued, TxTrees};
use crate::store::{
    AppendBatch, AppendOutcome, CasOutcome, ManualClock, RecordWrite, Store, StoreError,
    StoreResult,
};

/// Fewer than `MAX_GROUP`, so that all of them fit in one group.
const WRITERS: usize = 100;

fn turn(writer: usize) -> AppendBatch {
    AppendBatch {
        schedule: None,
        client_message_id: Some(format!("m{writer}")),
        fingerprint: None,
        entries: vec![
            Bytes::from(format!("visitor {writer}")),
            Bytes::from(format!("bot {writer}")),
        ],
        record: Some(RecordWrite {
            key: format!("session:{writer}"),
            expected_version: None,
            value: Bytes::from(format!("state {writer}")),
            ttl: Some(Duration::from_secs(1800)),
        }),
        guard: None,
        also: Vec::new(),
    }
}

/// Opens `path` once the previous store has let go of it (sled's own threads may hold the
/// lock for a moment after a drop).
async fn reopen(path: &std::path::Path, time: &ManualClock) -> SledStore {
    for _ in 0..250 {
        match SledStore::open(path, time.clock()).await {
            Err(StoreError::Locked { .. }) => tokio::time::sleep(Duration::from_millis(20)).await,
            other => return other.unwrap(),
        }
    }
    panic!(
        "{} stayed locked after the store was dropped",
        path.display()
    );
}

/// Blocks the committer inside a write of its own, so that writes submitted until `release`
/// is sent queue up and form the next group. `held` resolves once the holder is durable.
async fn hold_committer(
    store: &SledStore,
) -> (
    std::sync::mpsc::Sender<()>,
    tokio::sync::oneshot::Receiver<StoreResult<()>>,
) {
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (holder, held) = Queued::new(false, move |_: &Backend, _: &TxTrees<'_>| {
        // Blocks the first run only; a dropped sender ends any later wait at once.
        let _ = released.recv();
        Ok(())
    });
    let taken_before = store.group_commit.stats().writes;
    assert!(store.group_commit.submit(holder).is_ok());
    while store.group_commit.stats().writes == taken_before {
        tokio::task::yield_now().await;
    }
    (release, held)
}

/// Waits until `count` writes are queued behind the holder.
async fn until_queued(store: &SledStore, count: usize) {
    while store.group_commit.queued() < u64::try_from(count).unwrap() {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_share_one_flush_and_all_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let time = ManualClock::new(1_700_000_000_000);
    let store = Arc::new(SledStore::open(dir.path(), time.clock()).await.unwrap());

    let (release, held) = hold_committer(&store).await;
    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let store = Arc::clone(&store);
        writers.push(tokio::spawn(async move {
            store
                .append(&format!("conversation:{writer}"), turn(writer))
                .await
        }));
    }
    until_queued(&store, WRITERS).await;
    let before = store.group_commit.stats();
    release.send(()).unwrap();

    held.await.unwrap().unwrap();
    for (writer, handle) in writers.into_iter().enumerate() {
        let outcome = handle.await.unwrap().unwrap();
        assert!(
            matches!(
                outcome,
                AppendOutcome::Appended {
                    first_seq: 1,
                    last_seq: 2,
                    record_version: Some(_)
                }
            ),
            "writer {writer}: {outcome:?}"
        );
    }
    let after = store.group_commit.stats();
    assert_eq!(after.writes - before.writes, 100);
    assert_eq!(
        after.flushes - before.flushes,
        2,
        "one flush for the holder's group, one for the 100 writers queued behind it"
    );

    drop(store);
    let reopened = reopen(dir.path(), &time).await;
    for writer in 0..WRITERS {
        let entries = reopened
            .read_log(&format!("conversation:{writer}"), 0, 10)
            .await
            .unwrap();
        let bodies: Vec<_> = entries.iter().map(|entry| entry.body.clone()).collect();
        assert_eq!(bodies, turn(writer).entries, "writer {writer}");
        let record = reopened
            .get(&format!("session:{writer}"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.value, Bytes::from(format!("state {writer}")));
    }
}

#[tokio::test]
async fn a_lone_writer_gets_a_flush_of_its_own_for_every_write() {
    let dir = tempfile::tempdir().unwrap();
    let time = ManualClock::new(1_700_000_000_000);
    let store = SledStore::open(dir.path(), time.clock()).await.unwrap();
    for n in 1..=5_u64 {
        let write = RecordWrite {
            key: format!("k{n}"),
            expected_version: None,
            value: Bytes::from_static(b"v"),
            ttl: None,
        };
        assert!(matches!(
            store.put(write).await.unwrap(),
            CasOutcome::Written { .. }
        ));
        let stats = store.group_commit.stats();
        assert_eq!((stats.writes, stats.flushes), (n, n));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_aborts_fails_alone_and_the_rest_of_its_group_commits() {
    let dir = tempfile::tempdir().unwrap();
    let time = ManualClock::new(1_700_000_000_000);
    let store = Arc::new(SledStore::open(dir.path(), time.clock()).await.unwrap());
    let minute = Duration::from_secs(60);
    store.incr("full", i64::MAX, minute).await.unwrap();

    let (release, held) = hold_committer(&store).await;
    let incr = |counter: &'static str, by: i64| {
        let store = Arc::clone(&store);
        tokio::spawn(async move { store.incr(counter, by, minute).await })
    };
    let before = incr("before", 1);
    until_queued(&store, 1).await;
    let overflow = incr("full", 1);
    until_queued(&store, 2).await;
    let after = incr("after", 2);
    until_queued(&store, 3).await;
    release.send(()).unwrap();
    held.await.unwrap().unwrap();

    assert_eq!(before.await.unwrap().unwrap(), 1);
    let error = overflow.await.unwrap().unwrap_err();
    assert!(matches!(error, StoreError::Invalid { .. }), "{error:?}");
    assert_eq!(after.await.unwrap().unwrap(), 2);

    drop(store);
    let reopened = reopen(dir.path(), &time).await;
    assert_eq!(reopened.incr("before", 0, minute).await.unwrap(), 1);
    assert_eq!(reopened.incr("after", 0, minute).await.unwrap(), 2);
    assert_eq!(reopened.incr("full", 0, minute).await.unwrap(), i64::MAX);
}
