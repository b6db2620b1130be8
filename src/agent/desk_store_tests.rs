//! The desk's compare-and-set with log entries in the same write: one store write carries
//! both, a conflict retries both, and without entries the desk is a plain compare-and-set.
//! A store that records its writes (and can play a concurrent writer) wraps a sled store.
//! Each node's [`DeskCache`] stands in for decoding only the exact bytes it holds.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use staffetta_handoff::agent::AgentProfile;
use staffetta_handoff::operator::DisplayName;
use staffetta_handoff::{AgentId, Desk, DeskConfig, SiteId};

use super::{DeskCache, SCHEDULE, load, update, update_with_log};
use crate::store::{
    AppendBatch, ManualClock, Observed, RecordWrite, SideAppend, SledStore, Store, StoreResult,
    WriteObserver,
};

/// One write the store was asked for: `put <key>`, `append <log> +<n> record <key>`, or
/// `schedule <name>` / `unschedule <name>`.
type Written = Arc<Mutex<Vec<String>>>;

/// Notes the store's writes; with `interfere`, the first append with a record is preceded by
/// another writer's change of that record (a fresh desk, so it conflicts).
#[derive(Debug)]
struct Recording {
    written: Written,
    interfere: AtomicUsize,
}

#[async_trait::async_trait]
impl WriteObserver for Recording {
    async fn before_put(&self, _inner: &dyn Store, write: &RecordWrite) -> StoreResult<()> {
        self.written
            .lock()
            .unwrap()
            .push(format!("put {}", write.key));
        Ok(())
    }

    async fn before_append(
        &self,
        inner: &dyn Store,
        log: &str,
        batch: &AppendBatch,
    ) -> StoreResult<()> {
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
            let current = inner.get(&key).await?.map(|r| r.version);
            let other = RecordWrite {
                key,
                expected_version: current,
                value: Bytes::from(
                    serde_json::to_vec(&Desk::new(site(), DeskConfig::default())).unwrap(),
                ),
                ttl: None,
            };
            inner.put(other).await?;
        }
        Ok(())
    }

    async fn before_call(
        &self,
        _inner: &dyn Store,
        call: &'static str,
        name: &str,
    ) -> StoreResult<()> {
        if call.contains("schedule") {
            self.written.lock().unwrap().push(format!("{call} {name}"));
        }
        Ok(())
    }
}

async fn recording(interfere: usize) -> (Observed<Recording>, Written, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(1_800_000_000_000);
    let inner = SledStore::open(&dir.path().join("store"), clock.clock())
        .await
        .unwrap();
    let written = Written::default();
    let store = Observed::new(
        Arc::new(inner),
        Recording {
            written: Arc::clone(&written),
            interfere: AtomicUsize::new(interfere),
        },
    );
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
        Ok(Some(SideAppend {
            log: "outbox".to_owned(),
            entries: vec![
                Bytes::from_static(b"LOGGEDIN"),
                Bytes::from_static(b"READY"),
            ],
        }))
    };
    let (site, config) = (site(), DeskConfig::default());
    let outcome = update_with_log(
        &store,
        &DeskCache::default(),
        &site,
        &config,
        |_| Ok::<_, ()>(()),
        |output| Box::pin(std::future::ready(along(output))),
    )
    .await;
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
        Ok(Some(SideAppend {
            log: "outbox".to_owned(),
            entries: vec![Bytes::from(format!("event of attempt {attempt}"))],
        }))
    };
    let (site, config) = (site(), DeskConfig::default());
    let outcome = update_with_log(
        &store,
        &DeskCache::default(),
        &site,
        &config,
        |_| Ok::<_, ()>(()),
        |output| Box::pin(std::future::ready(along(output))),
    )
    .await;
    assert_eq!(outcome.unwrap(), Ok(()));
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
    assert_eq!(written.lock().unwrap().len(), 2, "{written:?}");
    assert_eq!(kept(&store, "outbox").await, ["event of attempt 2"]);
}

#[tokio::test]
async fn without_entries_the_desk_is_a_plain_compare_and_set() {
    let (store, written, _dir) = recording(0).await;
    let empty = |(): &()| {
        Ok(Some(SideAppend {
            log: "outbox".to_owned(),
            entries: Vec::new(),
        }))
    };
    let (site, config) = (site(), DeskConfig::default());
    let outcome = update_with_log(
        &store,
        &DeskCache::default(),
        &site,
        &config,
        |_| Ok::<_, ()>(()),
        |output| Box::pin(std::future::ready(empty(output))),
    )
    .await;
    assert_eq!(outcome.unwrap(), Ok(()));
    let outcome = update(&store, &DeskCache::default(), &site, &config, |_| {
        Ok::<_, ()>(())
    })
    .await;
    assert_eq!(outcome.unwrap(), Ok(()));
    assert_eq!(*written.lock().unwrap(), ["put desk:demo", "put desk:demo"]);
    assert_eq!(store.log_head("outbox").await.unwrap(), 0);
}

fn grace(seconds: u32) -> impl FnMut(&mut Desk) -> Result<(), ()> {
    move |desk| {
        desk.set_config(DeskConfig {
            disconnect_grace_s: seconds,
            ..DeskConfig::default()
        });
        Ok(())
    }
}

async fn grace_read_by(store: &dyn Store, cache: &DeskCache) -> u32 {
    let (desk, _) = load(store, cache, &site(), &DeskConfig::default())
        .await
        .unwrap();
    desk.config().disconnect_grace_s
}

#[tokio::test]
async fn a_node_reads_the_desk_another_node_wrote_after_its_own_write() {
    let (store, _, _dir) = recording(0).await;
    let (node_a, node_b) = (DeskCache::default(), DeskCache::default());
    let config = DeskConfig::default();
    update(&store, &node_a, &site(), &config, grace(11))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grace_read_by(&store, &node_a).await, 11);
    assert_eq!(grace_read_by(&store, &node_b).await, 11);
    update(&store, &node_b, &site(), &config, grace(22))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        grace_read_by(&store, &node_a).await,
        22,
        "node A's copy is of bytes the store no longer holds"
    );
    // Node A's transition starts from node B's desk, not from its own last write.
    update(&store, &node_a, &site(), &config, |desk: &mut Desk| {
        assert_eq!(desk.config().disconnect_grace_s, 22);
        Ok::<_, ()>(())
    })
    .await
    .unwrap()
    .unwrap();
}

#[tokio::test]
async fn a_load_of_the_bytes_a_node_holds_takes_its_copy_instead_of_decoding_them() {
    let (store, _, _dir) = recording(0).await;
    let cache = DeskCache::default();
    update(&store, &cache, &site(), &DeskConfig::default(), grace(11))
        .await
        .unwrap()
        .unwrap();
    let stored = store.get("desk:demo").await.unwrap().unwrap().value;
    // A copy that differs from what the bytes decode to shows which one a load returns.
    let mut marked = Desk::new(site(), DeskConfig::default());
    grace(33)(&mut marked).unwrap();
    cache.remember(stored.clone(), Arc::new(marked));
    assert_eq!(grace_read_by(&store, &cache).await, 33);
    cache.remember(
        Bytes::from_static(b"other bytes"),
        Arc::new(Desk::new(site(), DeskConfig::default())),
    );
    assert_eq!(
        grace_read_by(&store, &cache).await,
        11,
        "other bytes: decoded"
    );
    assert_eq!(
        grace_read_by(&store, &cache).await,
        11,
        "and the decoded desk is kept"
    );
}

#[tokio::test]
async fn a_desk_write_carries_its_next_deadline_and_no_other_write_follows() {
    let (store, written, _dir) = recording(0).await;
    let cache = DeskCache::default();
    let config = DeskConfig {
        disconnect_grace_s: 30,
        ..DeskConfig::default()
    };
    let ada = AgentId::parse("ada").unwrap();
    let at = jiff::Timestamp::from_second(1_800_000_000).unwrap();
    let profile = AgentProfile::new(
        ada.clone(),
        DisplayName::parse("Ada").unwrap(),
        2,
        Default::default(),
    )
    .unwrap();
    update(&store, &cache, &site(), &config, |desk: &mut Desk| {
        desk.login(at, profile.clone())?;
        desk.agent_disconnected(at, &ada)
    })
    .await
    .unwrap()
    .unwrap();
    let grace_ends = at.as_millisecond() + 30_000;
    assert_eq!(
        store.next_due(SCHEDULE).await.unwrap(),
        Some(("demo".to_owned(), grace_ends))
    );

    // Back in time: the desk has no deadline left, and the same write clears it.
    let events = vec![Bytes::from_static(b"AGENT_BACK")];
    update_with_log(
        &store,
        &cache,
        &site(),
        &config,
        |desk: &mut Desk| desk.agent_reconnected(at, &ada),
        |_| {
            Box::pin(std::future::ready(Ok(Some(SideAppend {
                log: "outbox".to_owned(),
                entries: events.clone(),
            }))))
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(store.next_due(SCHEDULE).await.unwrap(), None);
    assert_eq!(
        *written.lock().unwrap(),
        ["put desk:demo", "append outbox +1 record desk:demo"],
        "each change is one write, the deadline inside it"
    );
}
