//! How a trimmed log is laid out in Redis, read with raw commands beside the store: a trim
//! leaves a format marker string at the log's `stf:log:` key (its entries move to
//! `stf:tlog:`), so a build that knows no trims (which reads the list at `stf:log:`) gets
//! WRONGTYPE, a corrupt store to it, instead of renumbering the log; a log trimmed before the
//! marker existed is still read in place and is moved by its next trim; a marker this build
//! does not know is a corrupt store and nothing is written.

use bytes::Bytes;
use staffetta::store::{
    self, AppendBatch, AppendOutcome, Clock, RedisUrl, SideAppend, Store, StoreError, StoreSettings,
};

use crate::support::redis_server::{RedisServer, private_redis_or_skip};

/// What a trim leaves at the log's key (`log_format.lua`).
const MARKER: &str = "staffetta:trimmed-log:1";

fn batch(id: &str, bodies: &[&str]) -> AppendBatch {
    AppendBatch {
        schedule: None,
        client_message_id: Some(id.to_owned()),
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

/// A store on a private Redis and a raw connection to the same Redis.
async fn subject(
    test: &str,
) -> Option<(
    RedisServer,
    std::sync::Arc<dyn Store>,
    redis::aio::MultiplexedConnection,
)> {
    let server = private_redis_or_skip(test).await?;
    let settings = StoreSettings {
        url: Some(RedisUrl::parse(server.url()).unwrap()),
        ..StoreSettings::default()
    };
    let store = store::open(&settings, Clock::system()).await.unwrap();
    let client = redis::Client::open(server.url()).unwrap();
    let raw = client.get_multiplexed_async_connection().await.unwrap();
    Some((server, store, raw))
}

async fn raw_type(raw: &mut redis::aio::MultiplexedConnection, key: &str) -> String {
    redis::cmd("TYPE").arg(key).query_async(raw).await.unwrap()
}

async fn seqs_and_bodies(store: &dyn Store, log: &str) -> Vec<(u64, String)> {
    store
        .read_log(log, 0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| (entry.seq, String::from_utf8(entry.body.to_vec()).unwrap()))
        .collect()
}

#[tokio::test]
async fn a_trimmed_log_answers_a_reader_without_trims_with_wrongtype() {
    let Some((_server, store, mut raw)) = subject("a_trimmed_log_answers_wrongtype").await else {
        return;
    };
    store
        .append("c1", batch("m1", &["a", "b", "c"]))
        .await
        .unwrap();
    assert_eq!(raw_type(&mut raw, "stf:log:c1").await, "list", "untrimmed");
    assert_eq!(store.trim_log("c1", 1).await.unwrap(), 1);

    let marker: String = redis::cmd("GET")
        .arg("stf:log:c1")
        .query_async(&mut raw)
        .await
        .unwrap();
    assert_eq!(marker, MARKER);
    // What a build without trims sends for a head, a read and an append of this log.
    for command in [
        redis::cmd("LLEN").arg("stf:log:c1").clone(),
        redis::cmd("LRANGE")
            .arg("stf:log:c1")
            .arg(0)
            .arg(-1)
            .clone(),
        redis::cmd("RPUSH").arg("stf:log:c1").arg("d").clone(),
    ] {
        let error = command
            .query_async::<redis::Value>(&mut raw)
            .await
            .unwrap_err();
        assert_eq!(error.code(), Some("WRONGTYPE"), "{error}");
    }

    // This build reads, appends, trims and deletes the log as before.
    assert_eq!(
        seqs_and_bodies(&*store, "c1").await,
        [(2, "b".to_owned()), (3, "c".to_owned())]
    );
    let next = store.append("c1", batch("m2", &["d"])).await.unwrap();
    assert!(
        matches!(next, AppendOutcome::Appended { first_seq: 4, .. }),
        "{next:?}"
    );
    assert_eq!(store.log_head("c1").await.unwrap(), 4);
    assert_eq!(store.trim_log("c1", 3).await.unwrap(), 2);
    assert_eq!(seqs_and_bodies(&*store, "c1").await, [(4, "d".to_owned())]);
    assert!(store.delete_log("c1").await.unwrap());
    for key in [
        "stf:log:c1",
        "stf:tlog:c1",
        "stf:logbase:c1",
        "stf:dedupe:c1",
    ] {
        assert_eq!(raw_type(&mut raw, key).await, "none", "{key} deleted");
    }
}

#[tokio::test]
async fn a_log_trimmed_to_nothing_is_marked_and_takes_side_appends() {
    let Some((_server, store, mut raw)) = subject("a_log_trimmed_to_nothing_is_marked").await
    else {
        return;
    };
    store
        .append("outbox", batch("e1", &["event"]))
        .await
        .unwrap();
    assert_eq!(store.trim_log("outbox", u64::MAX).await.unwrap(), 1);
    assert_eq!(raw_type(&mut raw, "stf:log:outbox").await, "string");
    let with_item = AppendBatch {
        also: vec![SideAppend {
            log: "outbox".to_owned(),
            entries: vec![Bytes::from_static(b"item")],
        }],
        ..batch("m1", &["hello"])
    };
    store.append("c1", with_item).await.unwrap();
    assert_eq!(raw_type(&mut raw, "stf:log:outbox").await, "string");
    assert_eq!(raw_type(&mut raw, "stf:tlog:outbox").await, "list");
    assert_eq!(
        seqs_and_bodies(&*store, "outbox").await,
        [(2, "item".to_owned())]
    );
}

#[tokio::test]
async fn a_log_trimmed_before_the_marker_is_read_in_place_and_moved_by_its_next_trim() {
    let Some((_server, store, mut raw)) = subject("a_log_trimmed_before_the_marker").await else {
        return;
    };
    // The layout the build before the marker left: the kept entries (seqs 3 to 5) at
    // `stf:log:`, two entries trimmed.
    redis::cmd("RPUSH")
        .arg("stf:log:c1")
        .arg(&["c", "d", "e"])
        .query_async::<()>(&mut raw)
        .await
        .unwrap();
    redis::cmd("SET")
        .arg("stf:logbase:c1")
        .arg(2)
        .query_async::<()>(&mut raw)
        .await
        .unwrap();

    assert_eq!(store.log_head("c1").await.unwrap(), 5);
    let next = store.append("c1", batch("m6", &["f"])).await.unwrap();
    assert!(
        matches!(next, AppendOutcome::Appended { first_seq: 6, .. }),
        "{next:?}"
    );
    assert_eq!(
        raw_type(&mut raw, "stf:log:c1").await,
        "list",
        "not moved yet"
    );

    // A trim that drops nothing still moves it.
    assert_eq!(store.trim_log("c1", 2).await.unwrap(), 0);
    assert_eq!(raw_type(&mut raw, "stf:log:c1").await, "string");
    assert_eq!(
        seqs_and_bodies(&*store, "c1").await,
        [
            (3, "c".to_owned()),
            (4, "d".to_owned()),
            (5, "e".to_owned()),
            (6, "f".to_owned())
        ]
    );
    assert_eq!(store.trim_log("c1", 4).await.unwrap(), 2);
    assert_eq!(store.log_head("c1").await.unwrap(), 6);
    assert_eq!(
        seqs_and_bodies(&*store, "c1").await,
        [(5, "e".to_owned()), (6, "f".to_owned())]
    );
}

#[tokio::test]
async fn a_log_marker_this_build_does_not_know_is_corrupt_and_nothing_is_written() {
    let Some((_server, store, mut raw)) = subject("a_log_marker_this_build_does_not_know").await
    else {
        return;
    };
    redis::cmd("SET")
        .arg("stf:log:outbox")
        .arg("staffetta:trimmed-log:9")
        .query_async::<()>(&mut raw)
        .await
        .unwrap();
    let read = store.read_log("outbox", 0, 10).await.unwrap_err();
    assert!(matches!(read, StoreError::Corrupt { .. }), "{read:?}");
    assert!(
        read.to_string().contains("staffetta:trimmed-log:9"),
        "{read}"
    );
    let head = store.log_head("outbox").await.unwrap_err();
    assert!(matches!(head, StoreError::Corrupt { .. }), "{head:?}");
    let trim = store.trim_log("outbox", 1).await.unwrap_err();
    assert!(matches!(trim, StoreError::Corrupt { .. }), "{trim:?}");

    // An append with an item for that log writes neither its entries nor the item.
    let with_item = AppendBatch {
        also: vec![SideAppend {
            log: "outbox".to_owned(),
            entries: vec![Bytes::from_static(b"item")],
        }],
        ..batch("m1", &["hello"])
    };
    let append = store.append("c1", with_item).await.unwrap_err();
    assert!(matches!(append, StoreError::Corrupt { .. }), "{append:?}");
    assert_eq!(store.log_head("c1").await.unwrap(), 0);
    assert_eq!(raw_type(&mut raw, "stf:dedupe:c1").await, "none");
    let marker: String = redis::cmd("GET")
        .arg("stf:log:outbox")
        .query_async(&mut raw)
        .await
        .unwrap();
    assert_eq!(marker, "staffetta:trimmed-log:9", "left as it was");
}
