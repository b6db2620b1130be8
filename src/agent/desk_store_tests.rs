//! The desk's compare-and-set with log entries in the same write: one store write carries
//! both, a conflict retries both, and without entries the desk is a plain compare-and-set.
//! A store that records its writes (and can play a concurrent writer) wraps a sled store.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use staffetta_handoff::{Desk, DeskConfig, SiteId};

use super::{LogAppend, update, update_with_log};
use crate::store::{
    AppendBatch, AppendOutcome, CasOutcome, LogEntry, ManualClock, RecordWrite, SledStore, Store,
    StoreResult, Versioned,
};

/// One write the store was asked for: `put <key>`, or `append <log> +<n> record <key>`.
type Written = Arc<Mutex<Vec<String>>>;

/// A sled store that notes its writes; with `interfere`, the first append with a record is
/// preceded by another writer's change of that record (a fresh desk, so it conflicts).
#[derive(Debug)]
struct Recording {
    inner: SledStore,
    written: Written,
    interfere: AtomicUsize,
}

#[async_trait::async_trait]
impl Store for Recording {
    async fn get(&self, key: &str) -> StoreResult<Option<Versioned>> {
        self.inner.get(key).await
    }
    async fn put(&self, write: RecordWrite) -> StoreResult<CasOutcome> {
        self.written
            .lock()
            .unwrap()
            .push(format!("put {}", write.key));
        self.inner.put(write).await
    }
    async fn delete(&self, key: &str, expected_version: Option<u64>) -> StoreResult<bool> {
        self.inner.delete(key, expected_version).await
    }
    async fn append(&self, log: &str, batch: AppendBatch) -> StoreResult<AppendOutcome> {
        let record = batch.record.as_ref().map(|r| r.key.clone());
        self.written.lock().unwrap().push(format!(
            "append {log} +{} record {}",
            batch.entries.len(),
            record.as_deref().unwrap_or("-")
        ));
        if let Some(key) = record
            && self
                .interfere
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            let current = self.inner.get(&key).await?.map(|r| r.version);
            let other = RecordWrite {
                key,
                expected_version: current,
                value: Bytes::from(
                    serde_json::to_vec(&Desk::new(site(), DeskConfig::default())).unwrap(),
                ),
                ttl: None,
            };
            self.inner.put(other).await?;
        }
        self.inner.append(log, batch).await
    }
    async fn read_log(&self, log: &str, after: u64, limit: usize) -> StoreResult<Vec<LogEntry>> {
        self.inner.read_log(log, after, limit).await
    }
    async fn log_head(&self, log: &str) -> StoreResult<u64> {
        self.inner.log_head(log).await
    }
    async fn trim_log(&self, log: &str, through_seq: u64) -> StoreResult<u64> {
        self.inner.trim_log(log, through_seq).await
    }
    async fn set_add(&self, set: &str, member: &str) -> StoreResult<bool> {
        self.inner.set_add(set, member).await
    }
    async fn set_len(&self, set: &str) -> StoreResult<u64> {
        self.inner.set_len(set).await
    }
    async fn set_members(&self, set: &str) -> StoreResult<Vec<String>> {
        self.inner.set_members(set).await
    }
    async fn set_remove(&self, set: &str, member: &str) -> StoreResult<bool> {
        self.inner.set_remove(set, member).await
    }
    async fn incr(&self, counter: &str, by: i64, ttl: Duration) -> StoreResult<i64> {
        self.inner.incr(counter, by, ttl).await
    }
    async fn schedule(&self, schedule: &str, member: &str, due_ms: i64) -> StoreResult<()> {
        self.inner.schedule(schedule, member, due_ms).await
    }
    async fn unschedule(&self, schedule: &str, member: &str) -> StoreResult<bool> {
        self.inner.unschedule(schedule, member).await
    }
    async fn due(
        &self,
        schedule: &str,
        up_to: i64,
        limit: usize,
    ) -> StoreResult<Vec<(String, i64)>> {
        self.inner.due(schedule, up_to, limit).await
    }
    async fn next_due(&self, schedule: &str) -> StoreResult<Option<(String, i64)>> {
        self.inner.next_due(schedule).await
    }
    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
    }
    async fn flush(&self) -> StoreResult<()> {
        self.inner.flush().await
    }
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
    fn is_shared(&self) -> bool {
        self.inner.is_shared()
    }
}

async fn recording(interfere: usize) -> (Recording, Written, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(1_800_000_000_000);
    let inner = SledStore::open(&dir.path().join("store"), clock.clock())
        .await
        .unwrap();
    let written = Written::default();
    let store = Recording {
        inner,
        written: Arc::clone(&written),
        interfere: AtomicUsize::new(interfere),
    };
    (store, written, dir)
}

fn site() -> SiteId {
    SiteId::parse("demo").unwrap()
}

async fn kept(store: &dyn Store, log: &str) -> Vec<String> {
    let entries = store.read_log(log, 0, 100).await.unwrap();
    entries
        .iter()
        .map(|e| String::from_utf8(e.body.to_vec()).unwrap())
        .collect()
}

#[tokio::test]
async fn the_desk_and_its_entries_are_one_store_write() {
    let (store, written, _dir) = recording(0).await;
    let along = |(): &()| {
        Ok(Some(LogAppend {
            log: "outbox".to_owned(),
            entries: vec![
                Bytes::from_static(b"LOGGEDIN"),
                Bytes::from_static(b"READY"),
            ],
        }))
    };
    let (site, config) = (site(), DeskConfig::default());
    let outcome = update_with_log(&store, &site, &config, |_| Ok::<_, ()>(()), along).await;
    assert_eq!(outcome.unwrap(), Ok(()));
    assert_eq!(
        *written.lock().unwrap(),
        ["append outbox +2 record desk:demo"],
        "no separate desk write, no separate outbox write"
    );
    assert_eq!(kept(&store, "outbox").await, ["LOGGEDIN", "READY"]);
    assert!(store.get("desk:demo").await.unwrap().is_some());
}

#[tokio::test]
async fn a_desk_write_that_loses_the_race_stores_only_the_winning_attempts_entries() {
    let (store, written, _dir) = recording(1).await;
    let attempts = AtomicUsize::new(0);
    let along = |(): &()| {
        let attempt = attempts.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(Some(LogAppend {
            log: "outbox".to_owned(),
            entries: vec![Bytes::from(format!("event of attempt {attempt}"))],
        }))
    };
    let (site, config) = (site(), DeskConfig::default());
    let outcome = update_with_log(&store, &site, &config, |_| Ok::<_, ()>(()), along).await;
    assert_eq!(outcome.unwrap(), Ok(()));
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
    assert_eq!(written.lock().unwrap().len(), 2, "{written:?}");
    assert_eq!(kept(&store, "outbox").await, ["event of attempt 2"]);
}

#[tokio::test]
async fn without_entries_the_desk_is_a_plain_compare_and_set() {
    let (store, written, _dir) = recording(0).await;
    let empty = |(): &()| {
        Ok(Some(LogAppend {
            log: "outbox".to_owned(),
            entries: Vec::new(),
        }))
    };
    let (site, config) = (site(), DeskConfig::default());
    let outcome = update_with_log(&store, &site, &config, |_| Ok::<_, ()>(()), empty).await;
    assert_eq!(outcome.unwrap(), Ok(()));
    let outcome = update(&store, &site, &config, |_| Ok::<_, ()>(())).await;
    assert_eq!(outcome.unwrap(), Ok(()));
    assert_eq!(*written.lock().unwrap(), ["put desk:demo", "put desk:demo"]);
    assert_eq!(store.log_head("outbox").await.unwrap(), 0);
}
