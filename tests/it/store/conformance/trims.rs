//! Conformance cases of log trims: what a trim drops and keeps, that it never renumbers the
//! kept entries or later appends, and what becomes of the client ids of dropped entries.

use std::sync::Arc;

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

pub(crate) async fn a_trimmed_log_keeps_its_numbering(s: &Subject) {
    let store = &*s.store;
    appended(store, "c1", batch(None, &["a", "b", "c", "d", "e"])).await;
    assert_eq!(store.trim_log("c1", 2).await.unwrap(), 2);
    assert_eq!(store.log_head("c1").await.unwrap(), 5, "the head stays");
    assert_eq!(
        bodies(store, "c1").await,
        entries(&[(3, "c"), (4, "d"), (5, "e")])
    );
    let after_a_kept_seq = store.read_log("c1", 3, 10).await.unwrap();
    assert_eq!(
        after_a_kept_seq.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [4, 5]
    );
    let from_before_the_trim = store.read_log("c1", 1, 1).await.unwrap();
    assert_eq!(from_before_the_trim.len(), 1);
    assert_eq!(
        from_before_the_trim[0].seq, 3,
        "starts at the first kept entry"
    );
    assert_eq!(from_before_the_trim[0].body, Bytes::from_static(b"c"));
    assert_eq!(
        appended(store, "c1", batch(None, &["f", "g"])).await,
        (6, 7)
    );
    assert_eq!(store.trim_log("c1", 6).await.unwrap(), 4);
    assert_eq!(bodies(store, "c1").await, entries(&[(7, "g")]));
    assert_eq!(store.log_head("c1").await.unwrap(), 7);
}

pub(crate) async fn trimming_past_the_head_drops_everything_and_appends_continue(s: &Subject) {
    let store = &*s.store;
    appended(store, "c1", batch(None, &["a", "b", "c"])).await;
    appended(store, "c2", batch(None, &["other log"])).await;
    assert_eq!(store.trim_log("c1", u64::MAX).await.unwrap(), 3);
    assert_eq!(bodies(store, "c1").await, Vec::new());
    assert_eq!(
        store.log_head("c1").await.unwrap(),
        3,
        "a log trimmed to nothing keeps its head"
    );
    assert_eq!(
        appended(store, "c1", batch(None, &["d"])).await,
        (4, 4),
        "the next append follows the head, not the trim's seq"
    );
    assert_eq!(bodies(store, "c1").await, entries(&[(4, "d")]));
    assert_eq!(bodies(store, "c2").await, entries(&[(1, "other log")]));
    assert_eq!(store.trim_log("never-written", 10).await.unwrap(), 0);
    assert_eq!(store.log_head("never-written").await.unwrap(), 0);
    assert_eq!(
        appended(store, "never-written", batch(None, &["first"])).await,
        (1, 1)
    );
}

pub(crate) async fn a_trim_is_idempotent(s: &Subject) {
    let store = &*s.store;
    appended(store, "c1", batch(None, &["a", "b", "c", "d"])).await;
    assert_eq!(store.trim_log("c1", 2).await.unwrap(), 2);
    assert_eq!(
        store.trim_log("c1", 2).await.unwrap(),
        0,
        "again: nothing left"
    );
    assert_eq!(store.trim_log("c1", 1).await.unwrap(), 0, "behind the trim");
    assert_eq!(store.trim_log("c1", 0).await.unwrap(), 0);
    assert_eq!(bodies(store, "c1").await, entries(&[(3, "c"), (4, "d")]));
    assert_eq!(store.trim_log("c1", 3).await.unwrap(), 1);
    assert_eq!(bodies(store, "c1").await, entries(&[(4, "d")]));
}

pub(crate) async fn a_retry_of_a_trimmed_append_is_a_duplicate_never_a_second_append(s: &Subject) {
    let store = &*s.store;
    appended(store, "c1", batch(Some("m1"), &["hi", "bot says"])).await;
    let mut fingerprinted = batch(Some("m2"), &["input", "answer at 10:00"]);
    fingerprinted.fingerprint = Some(Bytes::from_static(b"input"));
    appended(store, "c1", fingerprinted.clone()).await;
    appended(store, "c1", batch(Some("m3"), &["kept?", "kept"])).await;
    assert_eq!(store.trim_log("c1", 5).await.unwrap(), 5);

    let duplicate = |first_seq, last_seq| AppendOutcome::Duplicate {
        first_seq,
        last_seq,
    };
    let retry = store
        .append("c1", batch(Some("m1"), &["hi", "bot says"]))
        .await;
    assert_eq!(
        retry.unwrap(),
        duplicate(1, 2),
        "the id outlives its entries"
    );
    // The dropped entries cannot be compared any more: the number of entries decides.
    let same_count = store.append("c1", batch(Some("m1"), &["x", "y"])).await;
    assert_eq!(same_count.unwrap(), duplicate(1, 2));
    let other_count = store.append("c1", batch(Some("m1"), &["hi"])).await;
    assert_eq!(other_count.unwrap(), AppendOutcome::IdConflict);
    // A fingerprint is compared as before.
    fingerprinted.entries[1] = Bytes::from_static(b"answer at 10:05");
    let retry = store.append("c1", fingerprinted.clone()).await;
    assert_eq!(retry.unwrap(), duplicate(3, 4));
    fingerprinted.fingerprint = Some(Bytes::from_static(b"other input"));
    let retry = store.append("c1", fingerprinted).await;
    assert_eq!(retry.unwrap(), AppendOutcome::IdConflict);
    // Half trimmed: the kept entry is still compared.
    let kept_differs = store
        .append("c1", batch(Some("m3"), &["kept?", "changed"]))
        .await;
    assert_eq!(kept_differs.unwrap(), AppendOutcome::IdConflict);
    let retry = store.append("c1", batch(Some("m3"), &["?", "kept"])).await;
    assert_eq!(retry.unwrap(), duplicate(5, 6));

    assert_eq!(
        store.log_head("c1").await.unwrap(),
        6,
        "nothing was appended"
    );
    assert_eq!(bodies(store, "c1").await, entries(&[(6, "kept")]));
}

pub(crate) async fn trims_between_concurrent_appends_never_renumber_an_entry(s: &Subject) {
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let store = Arc::clone(&s.store);
            tokio::spawn(async move {
                let mut got = Vec::new();
                for n in 0..25 {
                    let body = format!("w{writer}-{n}");
                    let (seq, _) = appended(&*store, "c1", batch(None, &[body.as_str()])).await;
                    got.push((seq, body));
                }
                got
            })
        })
        .collect();
    let trimmer = {
        let store = Arc::clone(&s.store);
        tokio::spawn(async move {
            let mut dropped = 0;
            for _ in 0..20 {
                let head = store.log_head("c1").await.unwrap();
                dropped += store.trim_log("c1", head.saturating_sub(3)).await.unwrap();
                let kept = store.read_log("c1", 0, 1_000).await.unwrap();
                let seqs: Vec<u64> = kept.iter().map(|e| e.seq).collect();
                let gapless = seqs.windows(2).all(|pair| pair[1] == pair[0] + 1);
                assert!(gapless, "kept entries are gapless: {seqs:?}");
                tokio::task::yield_now().await;
            }
            dropped
        })
    };
    let mut appended_by_seq = std::collections::BTreeMap::new();
    for writer in writers {
        appended_by_seq.extend(writer.await.unwrap());
    }
    let dropped = trimmer.await.unwrap();
    let store = &*s.store;
    assert_eq!(store.log_head("c1").await.unwrap(), 100);
    let kept = bodies(store, "c1").await;
    assert_eq!(
        dropped + u64::try_from(kept.len()).unwrap(),
        100,
        "every entry is either dropped once or kept"
    );
    for (seq, body) in kept {
        assert_eq!(appended_by_seq[&seq], body, "seq {seq} kept its entry");
    }
}

/// A trim changes how the backend keeps the log (sled: a longer head; Redis: the entries
/// move and a format marker takes the log's key, so that a build without trims fails on it):
/// a deleted log starts again untrimmed, and its next trim marks it again.
pub(crate) async fn a_log_deleted_after_a_trim_is_trimmed_again_without_renumbering(s: &Subject) {
    let store = &*s.store;
    appended(store, "c1", batch(Some("m1"), &["a", "b", "c"])).await;
    assert_eq!(store.trim_log("c1", 2).await.unwrap(), 2);
    assert!(store.delete_log("c1").await.unwrap());
    assert_eq!(
        appended(store, "c1", batch(Some("m1"), &["x", "y", "z"])).await,
        (1, 3)
    );
    assert_eq!(store.trim_log("c1", 1).await.unwrap(), 1);
    assert_eq!(bodies(store, "c1").await, entries(&[(2, "y"), (3, "z")]));
    assert_eq!(appended(store, "c1", batch(None, &["w"])).await, (4, 4));
    assert_eq!(store.log_head("c1").await.unwrap(), 4);
    assert_eq!(
        bodies(store, "c1").await,
        entries(&[(2, "y"), (3, "z"), (4, "w")])
    );
}
