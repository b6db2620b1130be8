//! The conformance suite on sled, and what only sled has: a data dir that must survive a
//! reopen, be locked against a second opener, and fail clearly when damaged.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use staffetta::store::{
    self, AppendBatch, AppendOutcome, Clock, ManualClock, RecordWrite, SideAppend, SledStore,
    Store, StoreError, StoreResult, StoreSettings,
};

use super::subject::Subject;

conformance_suite!(Subject::sled);

fn settings(path: &std::path::Path) -> StoreSettings {
    StoreSettings {
        path: path.to_owned(),
        ..StoreSettings::default()
    }
}

fn message(id: &str, body: &str) -> AppendBatch {
    AppendBatch {
        schedule: None,
        client_message_id: Some(id.to_owned()),
        fingerprint: None,
        entries: vec![Bytes::copy_from_slice(body.as_bytes())],
        record: None,
        guard: None,
        also: Vec::new(),
    }
}

/// Opens the dir again once the previous store has let go of it: sled's flush threads may
/// hold the lock for a moment after the store is dropped. Other errors are returned.
async fn reopen(path: &std::path::Path, clock: Clock) -> StoreResult<Arc<dyn Store>> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match store::open(&settings(path), clock.clone()).await {
            Err(StoreError::Locked { .. }) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => return other,
        }
    }
}

#[tokio::test]
async fn data_survives_closing_and_reopening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let time = ManualClock::new(1_700_000_000_000);
    let version = {
        let store = store::open(&settings(dir.path()), time.clock())
            .await
            .unwrap();
        store.append("c1", message("m1", "hello")).await.unwrap();
        store.append("c1", message("m2", "world")).await.unwrap();
        store.set_add("mau", "v1").await.unwrap();
        store.schedule("timers", "c1", 99).await.unwrap();
        store
            .incr("tries", 2, Duration::from_secs(60))
            .await
            .unwrap();
        let write = RecordWrite {
            key: "session".to_owned(),
            expected_version: None,
            value: Bytes::from_static(b"state"),
            ttl: Some(Duration::from_secs(60)),
        };
        let store::CasOutcome::Written { version } = store.put(write).await.unwrap() else {
            panic!("fresh record must be written");
        };
        version
    };

    let store = reopen(dir.path(), time.clock()).await.unwrap();
    let log = store.read_log("c1", 0, 10).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].body, Bytes::from_static(b"world"));
    assert_eq!(
        store.append("c1", message("m1", "hello")).await.unwrap(),
        AppendOutcome::Duplicate {
            first_seq: 1,
            last_seq: 1
        },
        "dedupe memory survives a restart"
    );
    assert_eq!(
        store.get("session").await.unwrap().unwrap().version,
        version
    );
    assert_eq!(store.set_len("mau").await.unwrap(), 1);
    assert_eq!(
        store.next_due("timers").await.unwrap(),
        Some(("c1".to_owned(), 99))
    );
    assert_eq!(
        store
            .incr("tries", 1, Duration::from_secs(60))
            .await
            .unwrap(),
        3
    );
    let next = store.put(RecordWrite {
        key: "other".to_owned(),
        expected_version: None,
        value: Bytes::new(),
        ttl: None,
    });
    let store::CasOutcome::Written {
        version: after_restart,
    } = next.await.unwrap()
    else {
        panic!("fresh record must be written");
    };
    assert!(
        after_restart > version,
        "versions keep growing across restarts"
    );
}

#[tokio::test]
async fn a_trim_survives_closing_and_reopening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let time = ManualClock::new(1_700_000_000_000);
    {
        let store = store::open(&settings(dir.path()), time.clock())
            .await
            .unwrap();
        for (id, body) in [("m1", "one"), ("m2", "two"), ("m3", "three")] {
            store.append("c1", message(id, body)).await.unwrap();
        }
        assert_eq!(store.trim_log("c1", 2).await.unwrap(), 2);
    }
    let store = reopen(dir.path(), time.clock()).await.unwrap();
    let kept = store.read_log("c1", 0, 10).await.unwrap();
    assert_eq!(kept.iter().map(|e| e.seq).collect::<Vec<_>>(), [3]);
    assert_eq!(store.log_head("c1").await.unwrap(), 3);
    assert_eq!(store.trim_log("c1", 2).await.unwrap(), 0, "already trimmed");
    let next = store.append("c1", message("m4", "four")).await.unwrap();
    assert!(
        matches!(next, AppendOutcome::Appended { first_seq: 4, .. }),
        "{next:?}"
    );
}

#[tokio::test]
async fn side_entries_survive_closing_and_reopening_the_store_with_their_log_head() {
    let dir = tempfile::tempdir().unwrap();
    let time = ManualClock::new(1_700_000_000_000);
    {
        let store = store::open(&settings(dir.path()), time.clock())
            .await
            .unwrap();
        store
            .append("outbox", message("e1", "event"))
            .await
            .unwrap();
        assert_eq!(store.trim_log("outbox", 1).await.unwrap(), 1);
        let with_item = AppendBatch {
            also: vec![SideAppend {
                log: "outbox".to_owned(),
                entries: vec![Bytes::from_static(b"item")],
            }],
            ..message("m1", "hello")
        };
        store.append("c1", with_item).await.unwrap();
    }
    let store = reopen(dir.path(), time.clock()).await.unwrap();
    let outbox = store.read_log("outbox", 0, 10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!((outbox[0].seq, &outbox[0].body[..]), (2, &b"item"[..]));
    assert_eq!(store.log_head("outbox").await.unwrap(), 2);
    assert_eq!(store.read_log("c1", 0, 10).await.unwrap().len(), 1);
    let next = store.append("outbox", message("e2", "next")).await.unwrap();
    assert!(
        matches!(next, AppendOutcome::Appended { first_seq: 3, .. }),
        "{next:?}"
    );
}

#[tokio::test]
async fn a_data_dir_open_twice_is_locked_and_the_error_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let _first = store::open(&settings(dir.path()), Clock::system())
        .await
        .unwrap();
    let second = store::open(&settings(dir.path()), Clock::system())
        .await
        .unwrap_err();
    assert!(matches!(second, StoreError::Locked { .. }), "{second:?}");
    let text = second.to_string();
    assert!(text.contains(&dir.path().display().to_string()), "{text}");
    assert!(text.contains("locked"), "{text}");
}

#[tokio::test]
async fn a_file_where_the_data_dir_should_be_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data");
    std::fs::write(&path, b"not a directory").unwrap();
    let err = store::open(&settings(&path), Clock::system())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::DataDir { .. }), "{err:?}");
    assert!(
        err.to_string().contains("cannot open data directory"),
        "{err}"
    );
}

#[tokio::test]
async fn a_damaged_config_file_is_reported_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    drop(SledStore::open(dir.path(), Clock::system()).await.unwrap());
    std::fs::write(
        dir.path().join("conf"),
        b"this is not what sled wrote here\n",
    )
    .unwrap();
    let err = reopen(dir.path(), Clock::system()).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&dir.path().display().to_string()),
        "{err}"
    );
}

#[tokio::test]
async fn a_data_file_damaged_from_its_start_is_reported_as_corrupt_not_opened_empty() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path(), Clock::system()).await.unwrap();
        for n in 0..50 {
            store
                .append("c1", message(&format!("m{n}"), "some body"))
                .await
                .unwrap();
        }
    }
    let db_file = dir.path().join("db");
    let mut bytes = std::fs::read(&db_file).unwrap();
    for byte in bytes.iter_mut().take(4096) {
        *byte ^= 0xa5;
    }
    std::fs::write(&db_file, bytes).unwrap();
    let err = reopen(dir.path(), Clock::system()).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("unreadable"), "{err}");
}

/// Many stores in one process (as in a parallel test run) share sled's global locks and IO
/// pool; concurrent flushes and transactions across them must all make progress. The work
/// runs on its own runtime so that a deadlock fails this test instead of hanging it.
#[test]
fn many_stores_in_one_process_keep_flushing_without_deadlock() {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(8)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(append_from_many_stores());
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_secs(120)) {
        Ok(()) => {}
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("writers still blocked after 120 s: deadlock between stores")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            panic!("the writers failed (see the panic above)")
        }
    }
}

async fn append_from_many_stores() {
    let dirs: Vec<tempfile::TempDir> = (0..24).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut stores = Vec::new();
    for dir in &dirs {
        stores.push(
            store::open(&settings(dir.path()), Clock::system())
                .await
                .unwrap(),
        );
    }
    let mut writers = Vec::new();
    for store in &stores {
        for writer in 0..4 {
            let store = Arc::clone(store);
            writers.push(tokio::spawn(async move {
                for n in 0..10 {
                    let id = format!("w{writer}-m{n}");
                    store.append("c1", message(&id, "body")).await.unwrap();
                }
            }));
        }
    }
    for writer in writers {
        writer.await.unwrap();
    }
    for store in &stores {
        assert_eq!(store.log_head("c1").await.unwrap(), 40);
    }
}
