//! Conformance cases of append-only logs: seqs, dedupe, the record written with an append,
//! concurrency and paging.

use std::sync::Arc;

use bytes::Bytes;
use staffetta::store::{AppendOutcome, RecordWrite, ScheduleWrite, Versioned};

use super::{appended, batch, bodies, versioned, write, written};
use crate::store::subject::Subject;

pub(crate) async fn appends_get_gapless_seqs_in_order(s: &Subject) {
    let store = &*s.store;
    assert_eq!(store.log_head("c1").await.unwrap(), 0);
    assert_eq!(appended(store, "c1", batch(None, &["a"])).await, (1, 1));
    assert_eq!(
        appended(store, "c1", batch(Some("m2"), &["b", "c", "d"])).await,
        (2, 4)
    );
    assert_eq!(appended(store, "c1", batch(None, &["e"])).await, (5, 5));
    assert_eq!(store.log_head("c1").await.unwrap(), 5);
    let expected: Vec<(u64, String)> = ["a", "b", "c", "d", "e"]
        .iter()
        .zip(1..)
        .map(|(b, seq)| (seq, (*b).to_owned()))
        .collect();
    assert_eq!(bodies(store, "c1").await, expected);
}

pub(crate) async fn logs_with_overlapping_names_are_independent(s: &Subject) {
    let store = &*s.store;
    appended(store, "a", batch(Some("x"), &["in a"])).await;
    assert_eq!(
        appended(store, "ab", batch(Some("x"), &["in ab"])).await,
        (1, 1)
    );
    assert_eq!(appended(store, "a", batch(None, &["more a"])).await, (2, 2));
    assert_eq!(bodies(store, "ab").await, vec![(1, "in ab".to_owned())]);
    assert_eq!(store.log_head("a").await.unwrap(), 2);
    assert_eq!(store.log_head("").await.unwrap(), 0);
}

pub(crate) async fn same_client_id_and_entries_return_the_original_seqs(s: &Subject) {
    let store = &*s.store;
    appended(store, "c1", batch(None, &["before"])).await;
    assert_eq!(
        appended(store, "c1", batch(Some("m1"), &["hi", "bot says"])).await,
        (2, 3)
    );
    appended(store, "c1", batch(None, &["after"])).await;

    let retry = store
        .append("c1", batch(Some("m1"), &["hi", "bot says"]))
        .await
        .unwrap();
    assert_eq!(
        retry,
        AppendOutcome::Duplicate {
            first_seq: 2,
            last_seq: 3
        }
    );
    assert_eq!(
        store.log_head("c1").await.unwrap(),
        4,
        "a duplicate writes nothing"
    );
    // The id is remembered per log: another conversation may use it.
    assert_eq!(
        appended(store, "c2", batch(Some("m1"), &["hi", "bot says"])).await,
        (1, 2)
    );
}

pub(crate) async fn same_client_id_with_other_entries_is_an_id_conflict(s: &Subject) {
    let store = &*s.store;
    appended(store, "c1", batch(Some("m1"), &["hi"])).await;
    let other_body = store
        .append("c1", batch(Some("m1"), &["hello"]))
        .await
        .unwrap();
    assert_eq!(other_body, AppendOutcome::IdConflict);
    let more_entries = store
        .append("c1", batch(Some("m1"), &["hi", "extra"]))
        .await
        .unwrap();
    assert_eq!(more_entries, AppendOutcome::IdConflict);
    assert_eq!(bodies(store, "c1").await, vec![(1, "hi".to_owned())]);
}

pub(crate) async fn a_failed_record_compare_and_set_writes_nothing(s: &Subject) {
    let store = &*s.store;
    let v1 = written(store, write("session:c1", None, "state 1")).await;
    let mut stale = batch(Some("m1"), &["hi"]);
    stale.record = Some(write("session:c1", Some(v1 + 1_000), "state 2"));

    let outcome = store.append("c1", stale.clone()).await.unwrap();
    assert_eq!(
        outcome,
        AppendOutcome::RecordConflict {
            current: versioned(v1, "state 1")
        }
    );
    assert_eq!(store.log_head("c1").await.unwrap(), 0);
    assert_eq!(
        store.get("session:c1").await.unwrap(),
        versioned(v1, "state 1")
    );

    // The client id was not remembered: a retry with the right version goes through.
    stale.record = Some(write("session:c1", Some(v1), "state 2"));
    let AppendOutcome::Appended {
        first_seq: 1,
        last_seq: 1,
        record_version: Some(v2),
    } = store.append("c1", stale).await.unwrap()
    else {
        panic!("the corrected append must succeed");
    };
    assert_eq!(
        store.get("session:c1").await.unwrap(),
        versioned(v2, "state 2")
    );
}

pub(crate) async fn an_append_writes_its_record_in_the_same_step(s: &Subject) {
    let store = &*s.store;
    let mut first = batch(Some("m1"), &["hi"]);
    first.record = Some(write("session:c1", None, "after m1"));
    let AppendOutcome::Appended {
        record_version: Some(v1),
        ..
    } = store.append("c1", first.clone()).await.unwrap()
    else {
        panic!("first append must write the record");
    };
    assert_eq!(
        store.get("session:c1").await.unwrap(),
        versioned(v1, "after m1")
    );

    // A retry is a duplicate even though its record precondition no longer holds.
    let retry = store.append("c1", first).await.unwrap();
    assert_eq!(
        retry,
        AppendOutcome::Duplicate {
            first_seq: 1,
            last_seq: 1
        }
    );
    assert_eq!(
        store.get("session:c1").await.unwrap(),
        versioned(v1, "after m1")
    );
}

fn deadline(member: &str, due_ms: Option<i64>) -> Option<ScheduleWrite> {
    Some(ScheduleWrite {
        schedule: "idle".to_owned(),
        member: member.to_owned(),
        due_ms,
    })
}

pub(crate) async fn an_append_moves_its_deadline_only_when_it_is_written(s: &Subject) {
    let store = &*s.store;
    let mut first = batch(Some("m1"), &["hi"]);
    first.record = Some(write("session:c1", None, "after m1"));
    first.schedule = deadline("s1", Some(500));
    appended(store, "c1", first.clone()).await;
    assert_eq!(
        store.due("idle", i64::MAX, 10).await.unwrap(),
        vec![("s1".to_owned(), 500)]
    );

    // A duplicate writes nothing: the deadline stays where the original put it.
    let mut retry = first.clone();
    retry.schedule = deadline("s1", Some(900));
    assert!(matches!(
        store.append("c1", retry).await.unwrap(),
        AppendOutcome::Duplicate { .. }
    ));
    // A failed compare-and-set writes nothing either.
    let mut stale = batch(Some("m2"), &["again"]);
    stale.record = Some(write("session:c1", None, "stale"));
    stale.schedule = deadline("s1", Some(900));
    assert!(matches!(
        store.append("c1", stale).await.unwrap(),
        AppendOutcome::RecordConflict { .. }
    ));
    assert_eq!(
        store.next_due("idle").await.unwrap(),
        Some(("s1".to_owned(), 500))
    );

    // A written append moves the deadline, and one with `due_ms: None` clears it.
    let mut moved = batch(Some("m3"), &["later"]);
    moved.schedule = deadline("s1", Some(700));
    appended(store, "c1", moved).await;
    assert_eq!(
        store.next_due("idle").await.unwrap(),
        Some(("s1".to_owned(), 700))
    );
    let mut cleared = batch(None, &["ended"]);
    cleared.schedule = deadline("s1", None);
    appended(store, "c1", cleared).await;
    assert_eq!(store.next_due("idle").await.unwrap(), None);
    assert_eq!(bodies(store, "c1").await.len(), 3);
}

pub(crate) async fn concurrent_appends_from_eight_tasks_get_unique_gapless_seqs(s: &Subject) {
    let mut tasks = Vec::new();
    for task in 0..8 {
        let store = Arc::clone(&s.store);
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            for round in 0..15 {
                let bodies: Vec<String> = (0..=(round % 3))
                    .map(|part| format!("t{task} r{round} p{part}"))
                    .collect();
                let refs: Vec<&str> = bodies.iter().map(String::as_str).collect();
                let id = format!("t{task}-r{round}");
                let (first, last) = appended(&*store, "busy", batch(Some(&id), &refs)).await;
                mine.push((first, last, bodies));
            }
            mine
        }));
    }
    let mut written = Vec::new();
    for task in tasks {
        written.extend(task.await.unwrap());
    }
    written.sort();
    let mut expected_next = 1;
    for (first, last, batch_bodies) in &written {
        assert_eq!(*first, expected_next, "seqs are gapless and unique");
        assert_eq!(last - first + 1, batch_bodies.len() as u64);
        expected_next = last + 1;
    }
    let log = bodies(&*s.store, "busy").await;
    assert_eq!(log.len() as u64, expected_next - 1);
    let flat: Vec<(u64, String)> = written
        .into_iter()
        .flat_map(|(first, _, batch_bodies)| (first..).zip(batch_bodies))
        .collect();
    assert_eq!(log, flat, "each seq holds the body its append was told");
}

pub(crate) async fn concurrent_retries_of_one_client_id_append_once(s: &Subject) {
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = Arc::clone(&s.store);
        tasks.push(tokio::spawn(async move {
            store
                .append("c1", batch(Some("m1"), &["hi", "answer"]))
                .await
                .unwrap()
        }));
    }
    let mut fresh = 0;
    for task in tasks {
        match task.await.unwrap() {
            AppendOutcome::Appended {
                first_seq: 1,
                last_seq: 2,
                ..
            } => fresh += 1,
            AppendOutcome::Duplicate {
                first_seq: 1,
                last_seq: 2,
            } => {}
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(fresh, 1);
    assert_eq!(s.store.log_head("c1").await.unwrap(), 2);
}

pub(crate) async fn read_log_pages_after_a_seq(s: &Subject) {
    let store = &*s.store;
    let all: Vec<String> = (1..=25).map(|n| format!("m{n}")).collect();
    for body in &all {
        appended(store, "c1", batch(None, &[body])).await;
    }
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page = store.read_log("c1", after, 10).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 10);
        after = page.last().unwrap().seq;
        seen.extend(page.into_iter().map(|entry| entry.seq));
    }
    assert_eq!(seen, (1..=25).collect::<Vec<u64>>());
    assert!(store.read_log("c1", 0, 0).await.unwrap().is_empty());
    assert!(store.read_log("c1", 25, 10).await.unwrap().is_empty());
    assert!(store.read_log("c1", u64::MAX, 10).await.unwrap().is_empty());
    assert!(store.read_log("unknown", 0, 10).await.unwrap().is_empty());
    let tail = store.read_log("c1", 22, 100).await.unwrap();
    assert_eq!(
        tail.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![23, 24, 25]
    );
    assert_eq!(tail[0].body, Bytes::from_static(b"m23"));
}

pub(crate) async fn binary_bodies_and_values_round_trip(s: &Subject) {
    let store = &*s.store;
    let odd = Bytes::from_static(b"\x00\xff\r\n:1:2\x00");
    let mut binary = batch(Some("\u{e9}:1"), &[]);
    binary.entries = vec![odd.clone(), Bytes::new()];
    assert_eq!(appended(store, "bin", binary.clone()).await, (1, 2));
    let read: Vec<Bytes> = store
        .read_log("bin", 0, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.body)
        .collect();
    assert_eq!(read, binary.entries);
    let retry = store.append("bin", binary).await.unwrap();
    assert_eq!(
        retry,
        AppendOutcome::Duplicate {
            first_seq: 1,
            last_seq: 2
        }
    );

    let mut fingerprinted = batch(Some("f:1"), &["x"]);
    fingerprinted.fingerprint = Some(odd.clone());
    assert_eq!(appended(store, "bin", fingerprinted.clone()).await, (3, 3));
    let retry = store.append("bin", fingerprinted).await.unwrap();
    assert_eq!(
        retry,
        AppendOutcome::Duplicate {
            first_seq: 3,
            last_seq: 3
        }
    );

    let value = RecordWrite {
        value: odd.clone(),
        ..write("bin", None, "")
    };
    let version = written(store, value).await;
    assert_eq!(
        store.get("bin").await.unwrap(),
        Some(Versioned {
            version,
            value: odd
        })
    );
}

pub(crate) async fn a_fingerprint_decides_duplicates_when_entries_change(s: &Subject) {
    let store = &*s.store;
    let mut first = batch(Some("m1"), &["visitor: hi @1000", "bot: hello @1000"]);
    first.fingerprint = Some(Bytes::from_static(b"visitor: hi"));
    assert_eq!(appended(store, "c1", first).await, (1, 2));

    // The retry's answer carries another timestamp: still the same message.
    let mut retry = batch(
        Some("m1"),
        &["visitor: hi @2000", "bot: hello @2000", "bot: more"],
    );
    retry.fingerprint = Some(Bytes::from_static(b"visitor: hi"));
    let outcome = store.append("c1", retry.clone()).await.unwrap();
    assert_eq!(
        outcome,
        AppendOutcome::Duplicate {
            first_seq: 1,
            last_seq: 2
        }
    );

    retry.fingerprint = Some(Bytes::from_static(b"visitor: hello"));
    assert_eq!(
        store.append("c1", retry.clone()).await.unwrap(),
        AppendOutcome::IdConflict
    );
    let mut without = batch(Some("m1"), &["visitor: hi @1000", "bot: hello @1000"]);
    assert_eq!(
        store.append("c1", without.clone()).await.unwrap(),
        AppendOutcome::IdConflict
    );

    // And an id first used without a fingerprint does not match one sent with it.
    without.client_message_id = Some("m2".to_owned());
    assert_eq!(appended(store, "c1", without.clone()).await, (3, 4));
    without.fingerprint = Some(Bytes::from_static(b"visitor: hi"));
    assert_eq!(
        store.append("c1", without).await.unwrap(),
        AppendOutcome::IdConflict
    );
    assert_eq!(store.log_head("c1").await.unwrap(), 4);
}
