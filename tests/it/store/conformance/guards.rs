//! Conformance cases of version guards (`AppendBatch::guard`): a record that must be at a
//! version for an append to happen, checked in the append's atomic write and never written.

use bytes::Bytes;
use staffetta::store::{
    AppendBatch, AppendOutcome, RecordWrite, ScheduleWrite, SideAppend, VersionGuard,
};

use super::{appended, batch, bodies, versioned, write, written};
use crate::store::subject::Subject;

/// `batch(...)` guarded by `key` at `version`.
fn guarded(base: AppendBatch, key: &str, version: Option<u64>) -> AppendBatch {
    AppendBatch {
        guard: Some(VersionGuard {
            key: key.to_owned(),
            version,
        }),
        ..base
    }
}

/// `base` with everything else an append may write: a record, a deadline and a side entry.
fn with_everything(base: AppendBatch, record: RecordWrite) -> AppendBatch {
    AppendBatch {
        record: Some(record),
        schedule: Some(ScheduleWrite {
            schedule: "idle".to_owned(),
            member: "s1".to_owned(),
            due_ms: Some(900),
        }),
        also: vec![SideAppend {
            log: "outbox".to_owned(),
            entries: vec![Bytes::from_static(b"item")],
        }],
        ..base
    }
}

pub(crate) async fn a_guard_that_holds_lets_the_append_through(s: &Subject) {
    let store = &*s.store;
    let desk = written(store, write("desk:demo", None, "desk")).await;

    // Appends of two logs guarded by one record: both go through, the record is read only.
    appended(
        store,
        "c1",
        guarded(batch(Some("m1"), &["hi"]), "desk:demo", Some(desk)),
    )
    .await;
    appended(
        store,
        "c2",
        guarded(batch(Some("m1"), &["hello"]), "desk:demo", Some(desk)),
    )
    .await;
    assert_eq!(
        store.get("desk:demo").await.unwrap(),
        versioned(desk, "desk")
    );

    // `None`: the record must not exist; with the rest of an append, all of it is written.
    let session = write("session:c3", None, "state");
    let absent = with_everything(batch(None, &["first"]), session);
    let AppendOutcome::Appended {
        record_version: Some(state),
        ..
    } = store
        .append("c3", guarded(absent, "desk:other", None))
        .await
        .unwrap()
    else {
        panic!("a guard on an absent record that must be absent holds");
    };
    assert_eq!(
        store.get("session:c3").await.unwrap(),
        versioned(state, "state")
    );
    assert_eq!(bodies(store, "outbox").await, vec![(1, "item".to_owned())]);
    assert_eq!(
        store.next_due("idle").await.unwrap(),
        Some(("s1".to_owned(), 900))
    );
    assert_eq!(store.get("desk:other").await.unwrap(), None);

    // The guarded record may be the batch's record: the guard is checked against what was
    // stored before the write.
    let mut both = guarded(batch(None, &["second"]), "desk:demo", Some(desk));
    both.record = Some(write("desk:demo", Some(desk), "desk 2"));
    let AppendOutcome::Appended {
        record_version: Some(desk_2),
        ..
    } = store.append("c1", both).await.unwrap()
    else {
        panic!("a guard and a record of one key at its version both hold");
    };
    assert_eq!(
        store.get("desk:demo").await.unwrap(),
        versioned(desk_2, "desk 2")
    );
}

pub(crate) async fn a_changed_or_deleted_guarded_record_is_a_conflict_that_writes_nothing(
    s: &Subject,
) {
    let store = &*s.store;
    let read = written(store, write("desk:demo", None, "desk")).await;
    let session = written(store, write("session:c1", None, "state")).await;
    let changed = written(store, write("desk:demo", Some(read), "transferred")).await;
    let attempt = || {
        with_everything(
            batch(Some("m1"), &["hi"]),
            write("session:c1", Some(session), "next state"),
        )
    };
    let untouched = || async {
        assert_eq!(store.log_head("c1").await.unwrap(), 0);
        assert_eq!(store.log_head("outbox").await.unwrap(), 0);
        assert_eq!(
            store.get("session:c1").await.unwrap(),
            versioned(session, "state")
        );
        assert_eq!(store.next_due("idle").await.unwrap(), None);
    };

    // Changed since it was read.
    let outcome = store
        .append("c1", guarded(attempt(), "desk:demo", Some(read)))
        .await
        .unwrap();
    assert_eq!(
        outcome,
        AppendOutcome::GuardConflict {
            current: Some(changed)
        }
    );
    untouched().await;

    // Created while it had to be absent.
    let outcome = store
        .append("c1", guarded(attempt(), "desk:demo", None))
        .await
        .unwrap();
    assert_eq!(
        outcome,
        AppendOutcome::GuardConflict {
            current: Some(changed)
        }
    );
    untouched().await;

    // Deleted since it was read.
    assert!(store.delete("desk:demo", None).await.unwrap());
    let outcome = store
        .append("c1", guarded(attempt(), "desk:demo", Some(changed)))
        .await
        .unwrap();
    assert_eq!(outcome, AppendOutcome::GuardConflict { current: None });
    untouched().await;

    // The client id was not remembered: the append with a guard that holds goes through.
    let retry = guarded(attempt(), "desk:demo", None);
    assert_eq!(appended(store, "c1", retry).await, (1, 1));
}

pub(crate) async fn a_duplicate_stays_a_duplicate_whatever_the_guard(s: &Subject) {
    let store = &*s.store;
    let read = written(store, write("desk:demo", None, "desk")).await;
    let first = guarded(batch(Some("m1"), &["hi"]), "desk:demo", Some(read));
    assert_eq!(appended(store, "c1", first.clone()).await, (1, 1));
    written(store, write("desk:demo", Some(read), "transferred")).await;

    let duplicate = AppendOutcome::Duplicate {
        first_seq: 1,
        last_seq: 1,
    };
    // The guard no longer holds, or holds no more than before: the retry is answered as
    // what it is, the message stored before.
    assert_eq!(store.append("c1", first.clone()).await.unwrap(), duplicate);
    let unguarded = AppendBatch {
        guard: None,
        ..first.clone()
    };
    assert_eq!(store.append("c1", unguarded).await.unwrap(), duplicate);
    assert!(store.delete("desk:demo", None).await.unwrap());
    assert_eq!(store.append("c1", first).await.unwrap(), duplicate);
    // Other content under the id is still an id conflict, whatever the guard.
    let other = guarded(batch(Some("m1"), &["other"]), "desk:demo", Some(read));
    assert_eq!(
        store.append("c1", other).await.unwrap(),
        AppendOutcome::IdConflict
    );
    assert_eq!(bodies(store, "c1").await, vec![(1, "hi".to_owned())]);
}

pub(crate) async fn an_expired_guarded_record_counts_as_absent(s: &Subject) {
    let store = &*s.store;
    let expiring = RecordWrite {
        ttl: Some(s.short_ttl()),
        ..write("lease:demo", None, "node a")
    };
    let version = written(store, expiring).await;
    s.let_pass(s.short_ttl()).await;

    let outcome = store
        .append(
            "c1",
            guarded(batch(None, &["hi"]), "lease:demo", Some(version)),
        )
        .await
        .unwrap();
    assert_eq!(outcome, AppendOutcome::GuardConflict { current: None });
    assert_eq!(store.log_head("c1").await.unwrap(), 0);
    appended(
        store,
        "c1",
        guarded(batch(None, &["hi"]), "lease:demo", None),
    )
    .await;
}
