//! Conformance cases of side appends (`AppendBatch::also`): entries for other logs that are
//! stored by the batch's own atomic write, only when its entries are, and numbered after
//! those logs' heads (a trimmed log included).

use std::collections::BTreeSet;
use std::sync::Arc;

use bytes::Bytes;
use staffetta::store::{AppendBatch, AppendOutcome, MAX_SIDE_LOGS, SideAppend, StoreError};

use super::{appended, batch, bodies, write, written};
use crate::store::subject::Subject;

fn side(log: &str, bodies: &[&str]) -> SideAppend {
    SideAppend {
        log: log.to_owned(),
        entries: bodies
            .iter()
            .map(|body| Bytes::copy_from_slice(body.as_bytes()))
            .collect(),
    }
}

/// `batch(...)` with side appends.
fn with_side(base: AppendBatch, also: Vec<SideAppend>) -> AppendBatch {
    AppendBatch { also, ..base }
}

fn refs(bodies: &[String]) -> Vec<&str> {
    bodies.iter().map(String::as_str).collect()
}

fn entries(pairs: &[(u64, &str)]) -> Vec<(u64, String)> {
    pairs
        .iter()
        .map(|(seq, body)| (*seq, (*body).to_owned()))
        .collect()
}

pub(crate) async fn a_side_append_lands_with_its_batch_or_not_at_all(s: &Subject) {
    let store = &*s.store;
    appended(store, "outbox", batch(None, &["earlier 1", "earlier 2"])).await;
    let version = written(store, write("session:c1", None, "v1")).await;

    // A failed compare-and-set: neither the entries nor the side entries are written.
    let mut stale = with_side(batch(None, &["lost"]), vec![side("outbox", &["lost item"])]);
    stale.record = Some(write("session:c1", None, "stale"));
    assert!(matches!(
        store.append("c1", stale).await.unwrap(),
        AppendOutcome::RecordConflict { .. }
    ));
    assert_eq!(store.log_head("c1").await.unwrap(), 0);
    assert_eq!(store.log_head("outbox").await.unwrap(), 2);

    // A written batch: its entries, its record and every side log's entries, in order,
    // after each side log's head.
    let mut won = with_side(
        batch(None, &["message"]),
        vec![
            side("outbox", &["item a", "item b"]),
            side("audit", &["noted"]),
        ],
    );
    won.record = Some(write("session:c1", Some(version), "v2"));
    let AppendOutcome::Appended {
        first_seq,
        last_seq,
        record_version,
    } = store.append("c1", won).await.unwrap()
    else {
        panic!("expected an append");
    };
    assert_eq!((first_seq, last_seq), (1, 1));
    assert!(record_version.is_some());
    assert_eq!(bodies(store, "c1").await, entries(&[(1, "message")]));
    assert_eq!(
        bodies(store, "outbox").await,
        entries(&[
            (1, "earlier 1"),
            (2, "earlier 2"),
            (3, "item a"),
            (4, "item b")
        ])
    );
    assert_eq!(bodies(store, "audit").await, entries(&[(1, "noted")]));
    assert_eq!(store.log_head("outbox").await.unwrap(), 4);

    // Later plain appends to a side log number after the side entries.
    assert_eq!(
        appended(store, "outbox", batch(None, &["after"])).await,
        (5, 5)
    );
}

pub(crate) async fn a_duplicate_batch_appends_nothing_to_its_side_logs(s: &Subject) {
    let store = &*s.store;
    let first = with_side(
        batch(Some("m1"), &["hello"]),
        vec![side("outbox", &["delivery 1"])],
    );
    assert_eq!(appended(store, "c1", first).await, (1, 1));

    // The retry draws a new item (a new delivery id): it is a duplicate and stores nothing.
    let retry = with_side(
        batch(Some("m1"), &["hello"]),
        vec![side("outbox", &["delivery 2"])],
    );
    assert_eq!(
        store.append("c1", retry).await.unwrap(),
        AppendOutcome::Duplicate {
            first_seq: 1,
            last_seq: 1
        }
    );
    // The same id with other entries is refused, and stores nothing either.
    let other = with_side(
        batch(Some("m1"), &["something else"]),
        vec![side("outbox", &["delivery 3"])],
    );
    assert_eq!(
        store.append("c1", other).await.unwrap(),
        AppendOutcome::IdConflict
    );
    assert_eq!(bodies(store, "outbox").await, entries(&[(1, "delivery 1")]));
    assert_eq!(bodies(store, "c1").await, entries(&[(1, "hello")]));
}

pub(crate) async fn side_entries_are_numbered_after_a_trimmed_base(s: &Subject) {
    let store = &*s.store;
    appended(store, "outbox", batch(None, &["a", "b", "c", "d"])).await;
    assert_eq!(store.trim_log("outbox", 2).await.unwrap(), 2);
    appended(
        store,
        "c1",
        with_side(batch(None, &["m1"]), vec![side("outbox", &["e"])]),
    )
    .await;
    assert_eq!(
        bodies(store, "outbox").await,
        entries(&[(3, "c"), (4, "d"), (5, "e")])
    );

    // Trimmed to nothing: the side entry still follows the head, not the empty log.
    assert_eq!(store.trim_log("outbox", u64::MAX).await.unwrap(), 3);
    appended(
        store,
        "c1",
        with_side(batch(None, &["m2"]), vec![side("outbox", &["f", "g"])]),
    )
    .await;
    assert_eq!(
        bodies(store, "outbox").await,
        entries(&[(6, "f"), (7, "g")])
    );
    assert_eq!(store.log_head("outbox").await.unwrap(), 7);
    let after_f = store.read_log("outbox", 6, 10).await.unwrap();
    assert_eq!(
        after_f.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [7],
        "reads after a seq find the side entries by their seqs"
    );
    assert_eq!(bodies(store, "c1").await, entries(&[(1, "m1"), (2, "m2")]));
}

pub(crate) async fn side_appends_that_cannot_be_written_are_rejected_with_invalid(s: &Subject) {
    let store = &*s.store;
    let too_many: Vec<SideAppend> = (0..=MAX_SIDE_LOGS)
        .map(|n| side(&format!("side{n}"), &["x"]))
        .collect();
    let refused = [
        with_side(batch(None, &["m"]), vec![side("outbox", &[])]),
        with_side(batch(None, &["m"]), vec![side("c1", &["own log"])]),
        with_side(batch(None, &["m"]), too_many),
    ];
    for refused in refused {
        let err = store.append("c1", refused).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid { .. }), "{err}");
    }
    assert_eq!(store.log_head("c1").await.unwrap(), 0);
    assert_eq!(store.log_head("outbox").await.unwrap(), 0);
    assert_eq!(store.log_head("side0").await.unwrap(), 0);
}

pub(crate) async fn concurrent_side_appends_to_one_log_get_unique_gapless_seqs(s: &Subject) {
    let mut tasks = Vec::new();
    for task in 0..8 {
        let store = Arc::clone(&s.store);
        tasks.push(tokio::spawn(async move {
            for round in 0..10 {
                let conversation = format!("c{task}");
                let item = format!("t{task} r{round}");
                let message = with_side(
                    batch(Some(&item), &[item.as_str()]),
                    vec![side("outbox", &[item.as_str()])],
                );
                appended(&*store, &conversation, message).await;
                // Other writers append to the shared log directly meanwhile.
                let direct = format!("t{task} r{round} direct");
                appended(&*store, "outbox", batch(None, &[direct.as_str()])).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let outbox = bodies(&*s.store, "outbox").await;
    let seqs: Vec<u64> = outbox.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, (1..=160).collect::<Vec<_>>(), "gapless and unique");
    let distinct: BTreeSet<&String> = outbox.iter().map(|(_, body)| body).collect();
    assert_eq!(distinct.len(), 160, "every item once");
    for task in 0..8 {
        let conversation = bodies(&*s.store, &format!("c{task}")).await;
        assert_eq!(conversation.len(), 10);
        let positions: Vec<usize> = conversation
            .iter()
            .map(|(_, body)| outbox.iter().position(|(_, item)| item == body).unwrap())
            .collect();
        assert!(
            positions.is_sorted(),
            "a task's items keep its order: {positions:?}"
        );
    }
}

pub(crate) async fn side_appends_of_many_entries_keep_their_order(s: &Subject) {
    let store = &*s.store;
    let numbered = |prefix: &str, n: usize| -> Vec<String> {
        (1..=n).map(|i| format!("{prefix} {i}")).collect()
    };
    let (main, first, second) = (
        numbered("main", 700),
        numbered("first", 1_100),
        numbered("second", 3),
    );
    appended(store, "first", batch(None, &["before"])).await;
    let many = with_side(
        batch(Some("m1"), &refs(&main)),
        vec![side("first", &refs(&first)), side("second", &refs(&second))],
    );
    assert_eq!(appended(store, "c1", many).await, (1, 700));
    let expected = |bodies: &[String], after: u64| -> Vec<(u64, String)> {
        (after + 1..).zip(bodies.iter().cloned()).collect()
    };
    assert_eq!(bodies(store, "c1").await, expected(&main, 0));
    let mut first_log = vec![(1, "before".to_owned())];
    first_log.extend(expected(&first, 1));
    assert_eq!(bodies(store, "first").await, first_log);
    assert_eq!(bodies(store, "second").await, expected(&second, 0));
}
