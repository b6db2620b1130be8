//! Conformance cases of log deletes (`Store::delete_log`, used by data retention and
//! erasure): a deleted log is unknown in every way (entries, head, trim base, client ids),
//! nothing else goes with it, a delete is idempotent, and appends racing a delete never
//! leave a client id pointing at entries it did not write.

use std::sync::Arc;
use std::time::Duration;

use staffetta::store::{AppendOutcome, SideAppend};

use super::{appended, batch, bodies, versioned, write, written};
use crate::store::subject::Subject;

pub(crate) async fn a_deleted_log_is_unknown_and_starts_again_at_seq_one(s: &Subject) {
    let store = &*s.store;
    appended(store, "c1", batch(Some("m1"), &["a", "b"])).await;
    appended(store, "c1", batch(Some("m2"), &["c"])).await;
    assert!(store.delete_log("c1").await.unwrap());
    assert_eq!(store.log_head("c1").await.unwrap(), 0);
    assert_eq!(bodies(store, "c1").await, Vec::new());
    assert_eq!(store.read_log("c1", 0, 10).await.unwrap(), Vec::new());
    // The client ids went with the log: the same id and entries are a new append at seq 1.
    assert_eq!(
        store
            .append("c1", batch(Some("m1"), &["a", "b"]))
            .await
            .unwrap(),
        AppendOutcome::Appended {
            first_seq: 1,
            last_seq: 2,
            record_version: None
        }
    );
    assert_eq!(
        appended(store, "c1", batch(Some("m2"), &["other"])).await,
        (3, 3),
        "an id of the deleted log is free for other entries"
    );
}

pub(crate) async fn deleting_a_log_twice_or_an_unknown_log_deletes_nothing(s: &Subject) {
    let store = &*s.store;
    assert!(!store.delete_log("never-written").await.unwrap());
    appended(store, "c1", batch(None, &["a"])).await;
    assert!(store.delete_log("c1").await.unwrap());
    assert!(!store.delete_log("c1").await.unwrap(), "already gone");
    assert_eq!(store.log_head("c1").await.unwrap(), 0);
}

pub(crate) async fn a_trimmed_log_is_deleted_with_its_base(s: &Subject) {
    let store = &*s.store;
    appended(store, "c1", batch(Some("m1"), &["a", "b", "c", "d", "e"])).await;
    store.trim_log("c1", 3).await.unwrap();
    assert!(store.delete_log("c1").await.unwrap());
    assert_eq!(store.log_head("c1").await.unwrap(), 0);
    assert_eq!(
        appended(store, "c1", batch(None, &["fresh"])).await,
        (1, 1),
        "numbering does not continue after the old base or head"
    );
    assert_eq!(bodies(store, "c1").await, vec![(1, "fresh".to_owned())]);

    appended(store, "c2", batch(Some("x"), &["a", "b"])).await;
    store.trim_log("c2", u64::MAX).await.unwrap();
    assert!(
        store.delete_log("c2").await.unwrap(),
        "a log trimmed to nothing still has a head and ids to delete"
    );
    assert_eq!(store.log_head("c2").await.unwrap(), 0);
    assert_eq!(
        appended(store, "c2", batch(Some("x"), &["a", "b"])).await,
        (1, 2)
    );
}

pub(crate) async fn deleting_a_log_leaves_other_logs_and_kinds_of_data_alone(s: &Subject) {
    let store = &*s.store;
    let version = written(store, write("c1", None, "record")).await;
    store.set_add("c1", "member").await.unwrap();
    store.schedule("c1", "member", 42).await.unwrap();
    appended(store, "c10", batch(Some("m1"), &["neighbour"])).await;
    let mut with_side = batch(Some("m1"), &["own"]);
    with_side.also = vec![SideAppend {
        log: "outbox".to_owned(),
        entries: vec![bytes::Bytes::from_static(b"side")],
    }];
    appended(store, "c1", with_side).await;

    assert!(store.delete_log("c1").await.unwrap());
    assert_eq!(store.get("c1").await.unwrap(), versioned(version, "record"));
    assert_eq!(store.set_members("c1").await.unwrap(), vec!["member"]);
    assert_eq!(
        store.next_due("c1").await.unwrap(),
        Some(("member".to_owned(), 42))
    );
    assert_eq!(bodies(store, "outbox").await, vec![(1, "side".to_owned())]);
    assert_eq!(
        bodies(store, "c10").await,
        vec![(1, "neighbour".to_owned())]
    );
    assert_eq!(
        store
            .append("c10", batch(Some("m1"), &["neighbour"]))
            .await
            .unwrap(),
        AppendOutcome::Duplicate {
            first_seq: 1,
            last_seq: 1
        },
        "a log whose name starts with the deleted one keeps its client ids"
    );
}

/// Eight tasks append with client ids while another deletes the log now and then. Whatever
/// the interleaving, the log that is left is gapless from seq 1, and a retry of any append
/// is either a duplicate pointing at exactly the entries it wrote (its append came after
/// the last delete) or a new append (its entries were deleted): never a client id left
/// behind by a delete, which would point at someone else's entries.
pub(crate) async fn appends_racing_deletes_never_leave_a_stale_client_id(s: &Subject) {
    let deleter = {
        let store = Arc::clone(&s.store);
        tokio::spawn(async move {
            for _ in 0..10 {
                store.delete_log("busy").await.unwrap();
                tokio::time::sleep(Duration::from_millis(3)).await;
            }
        })
    };
    let mut tasks = Vec::new();
    for task in 0..8 {
        let store = Arc::clone(&s.store);
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            for round in 0..12 {
                let bodies = vec![format!("t{task} r{round} a"), format!("t{task} r{round} b")];
                let refs: Vec<&str> = bodies.iter().map(String::as_str).collect();
                let id = format!("t{task}-r{round}");
                appended(&*store, "busy", batch(Some(&id), &refs)).await;
                mine.push((id, bodies));
            }
            mine
        }));
    }
    let mut written = Vec::new();
    for task in tasks {
        written.extend(task.await.unwrap());
    }
    deleter.await.unwrap();

    let log = bodies(&*s.store, "busy").await;
    let head = s.store.log_head("busy").await.unwrap();
    assert_eq!(log.len() as u64, head, "nothing but whole appends are left");
    for (expected, (seq, _)) in (1..).zip(&log) {
        assert_eq!(*seq, expected, "the log left is gapless from 1");
    }
    for (id, sent) in written {
        let refs: Vec<&str> = sent.iter().map(String::as_str).collect();
        match s
            .store
            .append("busy", batch(Some(&id), &refs))
            .await
            .unwrap()
        {
            AppendOutcome::Duplicate {
                first_seq,
                last_seq,
            } => {
                let kept: Vec<&String> = log
                    .iter()
                    .filter(|(seq, _)| (first_seq..=last_seq).contains(seq))
                    .map(|(_, body)| body)
                    .collect();
                assert_eq!(kept, sent.iter().collect::<Vec<_>>(), "{id}");
            }
            AppendOutcome::Appended { .. } => {
                assert!(
                    !log.iter().any(|(_, body)| body == &sent[0]),
                    "{id} was deleted, so its entries are gone too"
                );
            }
            other => panic!("{id}: a stale client id survived a delete: {other:?}"),
        }
    }
}
