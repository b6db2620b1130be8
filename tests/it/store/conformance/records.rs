//! Conformance cases of versioned records: compare-and-set, expiry, delete, versions.

use staffetta::store::{CasOutcome, RecordWrite, ScheduleWrite};

use super::{appended, batch, versioned, write, written};
use crate::store::subject::Subject;

pub(crate) async fn records_are_created_updated_and_compare_and_set(s: &Subject) {
    let store = &*s.store;
    assert_eq!(store.get("session:1").await.unwrap(), None);

    let v1 = written(store, write("session:1", None, "a")).await;
    assert_eq!(store.get("session:1").await.unwrap(), versioned(v1, "a"));

    let again = store.put(write("session:1", None, "b")).await.unwrap();
    assert_eq!(
        again,
        CasOutcome::Conflict {
            current: versioned(v1, "a")
        }
    );

    let v2 = written(store, write("session:1", Some(v1), "b")).await;
    assert!(v2 > v1, "versions grow: {v1} then {v2}");
    assert_eq!(store.get("session:1").await.unwrap(), versioned(v2, "b"));

    let stale = store.put(write("session:1", Some(v1), "c")).await.unwrap();
    assert_eq!(
        stale,
        CasOutcome::Conflict {
            current: versioned(v2, "b")
        }
    );

    let missing = store.put(write("session:2", Some(v2), "x")).await.unwrap();
    assert_eq!(missing, CasOutcome::Conflict { current: None });
    assert_eq!(store.get("session:1").await.unwrap(), versioned(v2, "b"));
}

pub(crate) async fn records_expire_after_their_ttl_and_can_be_created_again(s: &Subject) {
    let store = &*s.store;
    let ttl = s.short_ttl();
    let expiring = RecordWrite {
        ttl: Some(ttl),
        ..write("visitor:1", None, "hello")
    };
    let v1 = written(store, expiring).await;
    assert_eq!(
        store.get("visitor:1").await.unwrap(),
        versioned(v1, "hello")
    );
    let lasting = written(
        store,
        RecordWrite {
            ttl: Some(ttl),
            ..write("agent:1", None, "x")
        },
    )
    .await;
    // Rewriting without a TTL clears the earlier expiry.
    let lasting = written(store, write("agent:1", Some(lasting), "y")).await;
    let mut with_session = batch(Some("m1"), &["hi"]);
    with_session.record = Some(RecordWrite {
        ttl: Some(ttl),
        ..write("conversation:1", None, "state")
    });
    appended(store, "conversation:1", with_session).await;

    s.let_pass(ttl).await;

    assert_eq!(store.get("visitor:1").await.unwrap(), None);
    assert_eq!(store.get("conversation:1").await.unwrap(), None);
    assert_eq!(store.get("agent:1").await.unwrap(), versioned(lasting, "y"));
    let stale = store
        .put(write("visitor:1", Some(v1), "late"))
        .await
        .unwrap();
    assert_eq!(stale, CasOutcome::Conflict { current: None });
    assert!(
        !store.delete("visitor:1", None).await.unwrap(),
        "nothing live to delete"
    );
    let v2 = written(store, write("visitor:1", None, "again")).await;
    assert!(v2 > v1);
    assert_eq!(
        store.get("visitor:1").await.unwrap(),
        versioned(v2, "again")
    );
}

pub(crate) async fn delete_removes_a_record_only_at_the_expected_version(s: &Subject) {
    let store = &*s.store;
    let v1 = written(store, write("offer:1", None, "a")).await;
    let v2 = written(store, write("offer:1", Some(v1), "b")).await;

    assert!(!store.delete("offer:1", Some(v1)).await.unwrap());
    assert_eq!(store.get("offer:1").await.unwrap(), versioned(v2, "b"));
    assert!(store.delete("offer:1", Some(v2)).await.unwrap());
    assert_eq!(store.get("offer:1").await.unwrap(), None);
    assert!(!store.delete("offer:1", None).await.unwrap());

    written(store, write("offer:2", None, "c")).await;
    assert!(
        store.delete("offer:2", None).await.unwrap(),
        "None deletes unconditionally"
    );
}

pub(crate) async fn versions_are_never_reused_after_a_delete(s: &Subject) {
    let store = &*s.store;
    let v1 = written(store, write("queue:1", None, "a")).await;
    assert!(store.delete("queue:1", Some(v1)).await.unwrap());
    let v2 = written(store, write("queue:1", None, "b")).await;
    assert_ne!(v1, v2);
    let stale = store
        .put(write("queue:1", Some(v1), "stale writer"))
        .await
        .unwrap();
    assert_eq!(
        stale,
        CasOutcome::Conflict {
            current: versioned(v2, "b")
        }
    );
}

fn desk_deadline(due_ms: Option<i64>) -> ScheduleWrite {
    ScheduleWrite {
        schedule: "desk".to_owned(),
        member: "demo".to_owned(),
        due_ms,
    }
}

pub(crate) async fn a_put_moves_its_deadline_only_when_it_is_written(s: &Subject) {
    let store = &*s.store;
    let first = store
        .put_scheduled(write("desk:demo", None, "a"), desk_deadline(Some(500)))
        .await
        .unwrap();
    let CasOutcome::Written { version: v1 } = first else {
        panic!("the first put is written: {first:?}");
    };
    assert_eq!(store.get("desk:demo").await.unwrap(), versioned(v1, "a"));
    assert_eq!(
        store.due("desk", i64::MAX, 10).await.unwrap(),
        vec![("demo".to_owned(), 500)]
    );

    // A put that loses its compare-and-set leaves the deadline where the winner put it.
    let stale = store
        .put_scheduled(write("desk:demo", None, "b"), desk_deadline(None))
        .await
        .unwrap();
    assert_eq!(
        stale,
        CasOutcome::Conflict {
            current: versioned(v1, "a")
        }
    );
    assert_eq!(
        store.next_due("desk").await.unwrap(),
        Some(("demo".to_owned(), 500))
    );

    // A written put moves the deadline, and one with `due_ms: None` clears it.
    let moved = store
        .put_scheduled(write("desk:demo", Some(v1), "c"), desk_deadline(Some(700)))
        .await
        .unwrap();
    let CasOutcome::Written { version: v2 } = moved else {
        panic!("a put at the current version is written: {moved:?}");
    };
    assert_eq!(
        store.next_due("desk").await.unwrap(),
        Some(("demo".to_owned(), 700))
    );
    written(store, write("desk:other", None, "x")).await;
    let cleared = store
        .put_scheduled(write("desk:demo", Some(v2), "d"), desk_deadline(None))
        .await
        .unwrap();
    assert!(matches!(cleared, CasOutcome::Written { .. }), "{cleared:?}");
    assert_eq!(store.next_due("desk").await.unwrap(), None);
    assert_eq!(store.get("desk:demo").await.unwrap().unwrap().value, "d");
}

/// What an idempotent session start relies on (`visitor::start_id`): a claim created only
/// when absent, with a short TTL, that a second claim finds; rewritten at its version with a
/// longer TTL that replaces the short one; released by a delete at its version, after which
/// the key can be claimed again.
pub(crate) async fn a_claim_is_exclusive_and_its_rewrite_replaces_its_ttl(s: &Subject) {
    let store = &*s.store;
    let ttl = s.short_ttl();
    let key = "start-id:demo:k";
    let claim = |value| RecordWrite {
        ttl: Some(ttl),
        ..write(key, None, value)
    };
    let v1 = written(store, claim("starting")).await;
    assert_eq!(
        store.put(claim("another start")).await.unwrap(),
        CasOutcome::Conflict {
            current: versioned(v1, "starting")
        }
    );
    let settled = RecordWrite {
        ttl: Some(ttl * 4),
        ..write(key, Some(v1), "started")
    };
    let v2 = written(store, settled).await;
    s.let_pass(ttl).await;
    assert_eq!(
        store.get(key).await.unwrap(),
        versioned(v2, "started"),
        "the longer TTL replaced the claim's"
    );
    assert!(
        !store.delete(key, Some(v1)).await.unwrap(),
        "a stale release"
    );
    assert!(store.delete(key, Some(v2)).await.unwrap());
    let v3 = written(store, claim("a new start")).await;
    assert!(v3 > v2);
    s.let_pass(ttl).await;
    assert_eq!(
        store.get(key).await.unwrap(),
        None,
        "an unsettled claim expires"
    );
}
