//! The store conformance suite: every backend must pass every case. Each case takes a fresh
//! [`Subject`] and states one fact of the `Store` contract. Cases live by kind of data in
//! `records.rs`, `logs.rs` (with `trims.rs`, log trims, `deletes.rs`, log deletes,
//! `side_appends.rs`, entries for other logs in one append, `guards.rs`, a record's
//! version as an append's precondition, and `overwrites.rs`, an entry's body replaced in
//! place) and `collections.rs`; the ones that span kinds are
//! here.

mod collections;
mod deletes;
mod guards;
mod logs;
mod overwrites;
mod records;
mod side_appends;
mod trims;

use std::time::Duration;

use bytes::Bytes;
use staffetta::store::{
    AppendBatch, AppendOutcome, CasOutcome, RecordWrite, Store, StoreError, Versioned,
};

pub(crate) use collections::*;
pub(crate) use deletes::*;
pub(crate) use guards::*;
pub(crate) use logs::*;
pub(crate) use overwrites::*;
pub(crate) use records::*;
pub(crate) use side_appends::*;
pub(crate) use trims::*;

use super::subject::Subject;

pub(super) fn write(key: &str, expected_version: Option<u64>, value: &str) -> RecordWrite {
    RecordWrite {
        key: key.to_owned(),
        expected_version,
        value: Bytes::copy_from_slice(value.as_bytes()),
        ttl: None,
    }
}

pub(super) fn batch(client_message_id: Option<&str>, bodies: &[&str]) -> AppendBatch {
    AppendBatch {
        schedule: None,
        client_message_id: client_message_id.map(str::to_owned),
        fingerprint: None,
        entries: bodies
            .iter()
            .map(|body| Bytes::copy_from_slice(body.as_bytes()))
            .collect(),
        record: None,
        guard: None,
        also: Vec::new(),
    }
}

pub(super) async fn written(store: &dyn Store, record: RecordWrite) -> u64 {
    match store.put(record).await.unwrap() {
        CasOutcome::Written { version } => version,
        conflict => panic!("expected a write, got {conflict:?}"),
    }
}

pub(super) async fn appended(store: &dyn Store, log: &str, batch: AppendBatch) -> (u64, u64) {
    match store.append(log, batch).await.unwrap() {
        AppendOutcome::Appended {
            first_seq,
            last_seq,
            ..
        } => (first_seq, last_seq),
        other => panic!("expected an append, got {other:?}"),
    }
}

pub(super) async fn bodies(store: &dyn Store, log: &str) -> Vec<(u64, String)> {
    store
        .read_log(log, 0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| (entry.seq, String::from_utf8(entry.body.to_vec()).unwrap()))
        .collect()
}

pub(super) fn versioned(version: u64, value: &str) -> Option<Versioned> {
    Some(Versioned {
        version,
        value: Bytes::copy_from_slice(value.as_bytes()),
    })
}

pub(crate) async fn kinds_of_data_with_one_name_do_not_collide(s: &Subject) {
    let store = &*s.store;
    let version = written(store, write("x", None, "record")).await;
    appended(store, "x", batch(Some("x"), &["entry"])).await;
    store.set_add("x", "x").await.unwrap();
    store.incr("x", 3, Duration::from_secs(3600)).await.unwrap();
    store.schedule("x", "x", 42).await.unwrap();
    assert_eq!(store.get("x").await.unwrap(), versioned(version, "record"));
    assert_eq!(bodies(store, "x").await, vec![(1, "entry".to_owned())]);
    assert_eq!(store.set_members("x").await.unwrap(), vec!["x"]);
    assert_eq!(
        store.incr("x", 1, Duration::from_secs(3600)).await.unwrap(),
        4
    );
    assert_eq!(
        store.next_due("x").await.unwrap(),
        Some(("x".to_owned(), 42))
    );
}

pub(crate) async fn bad_requests_are_rejected_with_invalid(s: &Subject) {
    let store = &*s.store;
    let empty = store
        .append("c1", batch(Some("m1"), &[]))
        .await
        .unwrap_err();
    assert!(matches!(empty, StoreError::Invalid { .. }), "{empty}");
    let zero_ttl = RecordWrite {
        ttl: Some(Duration::ZERO),
        ..write("k", None, "v")
    };
    let err = store.put(zero_ttl).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid { .. }), "{err}");
    let err = store
        .incr("n", 1, Duration::from_micros(10))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("shorter than 1 ms"), "{err}");
    assert_eq!(store.log_head("c1").await.unwrap(), 0);
    assert_eq!(store.get("k").await.unwrap(), None);
}

pub(crate) async fn ping_and_flush_succeed_on_a_healthy_store(s: &Subject) {
    s.store.ping().await.unwrap();
    written(&*s.store, write("k", None, "v")).await;
    s.store.flush().await.unwrap();
    assert!(matches!(s.store.backend(), "sled" | "redis"));
}
