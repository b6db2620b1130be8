//! Conformance cases of entry overwrites: a kept entry's body is replaced in place, its seq,
//! the log's head, trim and client ids stay, and an entry that is not kept is left alone.

use bytes::Bytes;
use staffetta::store::AppendOutcome;

use super::{appended, batch, bodies};
use crate::store::subject::Subject;

fn entries(pairs: &[(u64, &str)]) -> Vec<(u64, String)> {
    pairs
        .iter()
        .map(|(seq, body)| (*seq, (*body).to_owned()))
        .collect()
}

pub(crate) async fn an_overwritten_entry_keeps_its_seq_and_its_log_its_numbering(s: &Subject) {
    let store = &*s.store;
    appended(store, "c1", batch(Some("m1"), &["a", "b"])).await;
    let mut fingerprinted = batch(Some("m2"), &["c", "d"]);
    fingerprinted.fingerprint = Some(Bytes::from_static(b"c"));
    appended(store, "c1", fingerprinted.clone()).await;
    appended(store, "c2", batch(None, &["other log"])).await;

    let erased = Bytes::from_static(b"erased");
    assert!(
        store
            .overwrite_entry("c1", 2, erased.clone())
            .await
            .unwrap()
    );
    assert!(
        store
            .overwrite_entry("c1", 3, erased.clone())
            .await
            .unwrap()
    );
    assert_eq!(
        bodies(store, "c1").await,
        entries(&[(1, "a"), (2, "erased"), (3, "erased"), (4, "d")])
    );
    assert_eq!(store.log_head("c1").await.unwrap(), 4, "the head stays");
    assert_eq!(bodies(store, "c2").await, entries(&[(1, "other log")]));
    assert_eq!(
        appended(store, "c1", batch(None, &["e"])).await,
        (5, 5),
        "appends go on after the head"
    );
    // The client ids stay: a fingerprint still finds the original; entries that differ
    // from what is stored now do not.
    let retry = store.append("c1", fingerprinted).await.unwrap();
    assert_eq!(
        retry,
        AppendOutcome::Duplicate {
            first_seq: 3,
            last_seq: 4
        }
    );
    let retry = store.append("c1", batch(Some("m1"), &["a", "b"])).await;
    assert_eq!(retry.unwrap(), AppendOutcome::IdConflict);

    // A trimmed log: kept entries are found at their seqs.
    assert_eq!(store.trim_log("c1", 3).await.unwrap(), 3);
    assert!(store.overwrite_entry("c1", 5, erased).await.unwrap());
    assert_eq!(
        bodies(store, "c1").await,
        entries(&[(4, "d"), (5, "erased")])
    );
    assert_eq!(
        appended(store, "c1", batch(None, &["f"])).await,
        (6, 6),
        "a trimmed log numbers on after an overwrite"
    );
}

pub(crate) async fn overwriting_an_entry_that_is_not_kept_writes_nothing(s: &Subject) {
    let store = &*s.store;
    appended(store, "c1", batch(None, &["a", "b", "c"])).await;
    assert_eq!(store.trim_log("c1", 1).await.unwrap(), 1);
    let body = || Bytes::from_static(b"erased");
    for seq in [0, 1, 4, u64::MAX] {
        assert!(
            !store.overwrite_entry("c1", seq, body()).await.unwrap(),
            "seq {seq} is not kept"
        );
    }
    assert_eq!(bodies(store, "c1").await, entries(&[(2, "b"), (3, "c")]));
    assert_eq!(store.log_head("c1").await.unwrap(), 3);
    assert!(
        !store
            .overwrite_entry("never-written", 1, body())
            .await
            .unwrap()
    );
    assert_eq!(store.log_head("never-written").await.unwrap(), 0);
    assert_eq!(
        appended(store, "never-written", batch(None, &["first"])).await,
        (1, 1),
        "an unknown log stays unknown"
    );
}
