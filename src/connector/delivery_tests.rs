//! The webhook outbox against a loopback receiver: order and stable ids, rounds of retries
//! until the receiver recovers, refusals skipped, resuming from the cursor after a restart,
//! and the lease that lets one node of a shared store deliver.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::Value;
use staffetta_handoff::ConversationId;
use staffetta_handoff::connector::{Author, ChatMessage, Outbound};

use super::delivery::deliver_while_leased;
use super::outbox::{LEASE_TTL, Lease};
use super::webhook::WebhookConnector;
use super::webhook_tests::{NOW_MS, Receiver, SECRET, agent, serve, verify_at};
use crate::config::WebhookSettings;
use crate::secret::Secret;
use crate::store::{ManualClock, SledStore, Store};

struct Fixture {
    clock: ManualClock,
    store: Arc<dyn Store>,
    url: String,
    receiver: Receiver,
    _dir: tempfile::TempDir,
}

async fn fixture(receiver: Receiver) -> Fixture {
    let clock = ManualClock::new(NOW_MS);
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("store"), clock.clock())
        .await
        .unwrap();
    Fixture {
        clock,
        store: Arc::new(store),
        url: serve(receiver.clone()).await,
        receiver,
        _dir: dir,
    }
}

impl Fixture {
    /// A node's connector: `max_attempts` per round, no backoff.
    fn node(&self, max_attempts: u32) -> Arc<WebhookConnector> {
        let mut settings = WebhookSettings::new(&self.url, Secret::new(SECRET));
        settings.max_attempts = max_attempts;
        settings.backoff_ms = 0;
        let connector = WebhookConnector::new(
            "demo",
            &settings,
            self.clock.clock(),
            Arc::clone(&self.store),
        );
        Arc::new(connector.unwrap())
    }

    /// The bodies the receiver got, in arrival order.
    fn bodies(&self) -> Vec<Value> {
        self.receiver
            .requests()
            .iter()
            .map(|(headers, body)| {
                let timestamp: i64 = headers["x-staffetta-timestamp"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                verify_at(headers, body, timestamp * 1_000);
                serde_json::from_slice(body).unwrap()
            })
            .collect()
    }

    async fn cursor(&self, node: &WebhookConnector) -> u64 {
        node.outbox().cursor().await.unwrap().seq
    }
}

/// Starts the node's delivery loop (as the server does); abort the handle to crash it.
fn start(node: &Arc<WebhookConnector>) -> tokio::task::JoinHandle<()> {
    let node = Arc::clone(node);
    tokio::spawn(async move { node.run_deliveries(std::future::pending()).await })
}

/// Starts a delivery loop with a lease that behaves as on a shared store.
fn start_shared(fixture: &Fixture, node: &Arc<WebhookConnector>) -> tokio::task::JoinHandle<()> {
    let mut lease = Lease::with(
        Arc::clone(&fixture.store),
        "demo",
        node.node(),
        true,
        LEASE_TTL,
    );
    let node = Arc::clone(node);
    tokio::spawn(async move { deliver_while_leased(&node, &mut lease).await })
}

fn message(text: &str) -> Outbound {
    Outbound::Message(ChatMessage {
        conversation: ConversationId::parse("c1").unwrap(),
        from: Author::Visitor,
        text: text.into(),
        at: jiff::Timestamp::from_second(1_800_000_000).unwrap(),
    })
}

async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..500 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The (seq, delivery, text) of each body.
fn summary(bodies: &[Value]) -> Vec<(u64, String, String)> {
    bodies
        .iter()
        .map(|b| {
            (
                b["seq"].as_u64().unwrap(),
                b["delivery"].as_str().unwrap().to_owned(),
                b["item"]["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The texts acknowledged by a receiver that dedupes by delivery id, in order.
fn deduped_texts(bodies: &[Value]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    summary(bodies)
        .into_iter()
        .filter(|(_, delivery, _)| seen.insert(delivery.clone()))
        .map(|(_, _, text)| text)
        .collect()
}

#[tokio::test]
async fn stored_items_go_out_in_seq_order_with_their_ids_and_the_cursor_follows() {
    let fixture = fixture(Receiver::default()).await;
    let node = fixture.node(3);
    for text in ["one", "two", "three"] {
        node.record(&agent(), &message(text)).await.unwrap();
    }
    let _loop = start(&node);
    until("the cursor at 3", async || fixture.cursor(&node).await == 3).await;
    let bodies = fixture.bodies();
    let sent = summary(&bodies);
    assert_eq!(
        sent.iter().map(|(seq, _, _)| *seq).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(deduped_texts(&bodies), ["one", "two", "three"]);
    let stored = node.outbox().read(0, 10).await.unwrap();
    for ((_, delivery, _), entry) in sent.iter().zip(&stored) {
        let entry: Value = serde_json::from_slice(&entry.body).unwrap();
        assert_eq!(
            entry["delivery"],
            delivery.as_str(),
            "the id stored is the id sent"
        );
    }
    assert_eq!(bodies[0]["site"], "demo");
    assert_eq!(bodies[0]["agent"], "ada");
    assert_eq!(bodies[0]["item"]["kind"], "message");
}

#[tokio::test]
async fn a_receiver_failing_for_several_rounds_gets_each_item_again_until_it_acknowledges() {
    let fixture = fixture(Receiver::answering(&[503, 500, 503, 502, 503])).await;
    let node = fixture.node(2);
    for text in ["one", "two", "three"] {
        node.record(&agent(), &message(text)).await.unwrap();
    }
    let _loop = start(&node);
    until("the cursor at 3", async || fixture.cursor(&node).await == 3).await;
    let requests = fixture.receiver.requests();
    assert_eq!(
        requests.len(),
        6 + 2,
        "three failed rounds of two, then one each"
    );
    for (_, body) in &requests[..6] {
        assert_eq!(body, &requests[0].1, "the same body on every retry");
    }
    assert_eq!(deduped_texts(&fixture.bodies()), ["one", "two", "three"]);
}

#[tokio::test]
async fn a_refused_item_is_skipped_and_the_next_one_goes_out() {
    let fixture = fixture(Receiver::answering(&[400])).await;
    let node = fixture.node(3);
    node.record(&agent(), &message("refused")).await.unwrap();
    node.record(&agent(), &message("taken")).await.unwrap();
    let _loop = start(&node);
    until("the cursor at 2", async || fixture.cursor(&node).await == 2).await;
    assert_eq!(deduped_texts(&fixture.bodies()), ["refused", "taken"]);
    assert_eq!(fixture.receiver.requests().len(), 2);
}

#[tokio::test]
async fn after_a_crash_the_next_node_resends_what_was_not_acknowledged_with_the_same_ids() {
    let receiver = Receiver::default();
    receiver.failing.store(true, Ordering::SeqCst);
    let fixture = fixture(receiver).await;
    let first = fixture.node(1);
    first.record(&agent(), &message("one")).await.unwrap();
    first.record(&agent(), &message("two")).await.unwrap();
    let crashed = start(&first);
    until("a first attempt", async || {
        !fixture.receiver.requests().is_empty()
    })
    .await;
    crashed.abort();
    let _ = crashed.await;
    assert_eq!(fixture.cursor(&first).await, 0, "nothing was acknowledged");
    let first_id = fixture.bodies()[0]["delivery"].clone();

    fixture.receiver.failing.store(false, Ordering::SeqCst);
    let second = fixture.node(1);
    second.record(&agent(), &message("three")).await.unwrap();
    let _loop = start(&second);
    until("the cursor at 3", async || {
        fixture.cursor(&second).await == 3
    })
    .await;
    let bodies = fixture.bodies();
    assert_eq!(deduped_texts(&bodies), ["one", "two", "three"]);
    let resent: Vec<&Value> = bodies.iter().filter(|b| b["seq"] == 1).collect();
    assert!(
        resent.len() >= 2,
        "seq 1 was sent before the crash and again after"
    );
    assert!(resent.iter().all(|b| b["delivery"] == first_id));
}

#[tokio::test]
async fn on_a_shared_store_one_node_delivers_and_another_takes_over_once_its_lease_expires() {
    let fixture = fixture(Receiver::default()).await;
    let (a, b) = (fixture.node(3), fixture.node(3));
    let lease_holder = async || {
        let lease = fixture.store.get("webhook-outbox-lease:demo").await;
        lease
            .unwrap()
            .map(|r| String::from_utf8(r.value.to_vec()).unwrap())
    };
    let node_a = start_shared(&fixture, &a);
    a.record(&agent(), &message("one")).await.unwrap();
    until("the first item", async || fixture.cursor(&a).await == 1).await;
    let _node_b = start_shared(&fixture, &b);
    // B stores the item; A, the holder, sends it.
    b.record(&agent(), &message("two")).await.unwrap();
    until("the second item", async || fixture.cursor(&b).await == 2).await;
    assert_eq!(lease_holder().await.as_deref(), Some(a.node()));

    // A dies without giving the lease up: B waits for it to expire, then delivers.
    node_a.abort();
    let _ = node_a.await;
    b.record(&agent(), &message("three")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fixture.cursor(&b).await, 2, "the lease of A still runs");
    fixture.clock.advance(LEASE_TTL + Duration::from_secs(1));
    until("the third item", async || fixture.cursor(&b).await == 3).await;
    assert_eq!(lease_holder().await.as_deref(), Some(b.node()));
    let bodies = fixture.bodies();
    assert_eq!(bodies.len(), 3, "each item was sent once");
    assert_eq!(deduped_texts(&bodies), ["one", "two", "three"]);
}

#[tokio::test]
async fn a_released_lease_can_be_taken_at_once_and_a_held_one_cannot() {
    let fixture = fixture(Receiver::default()).await;
    let lease =
        |holder: &str| Lease::with(Arc::clone(&fixture.store), "demo", holder, true, LEASE_TTL);
    let (mut a, mut b) = (lease("a"), lease("b"));
    assert!(a.hold().await.unwrap());
    assert!(a.renew().await.unwrap(), "the holder renews");
    assert!(!b.hold().await.unwrap());
    a.release().await;
    assert!(b.hold().await.unwrap());
    assert!(!a.hold().await.unwrap());
}

#[tokio::test]
async fn on_a_store_of_its_own_a_node_needs_no_lease() {
    let fixture = fixture(Receiver::default()).await;
    let mut lease = Lease::new(Arc::clone(&fixture.store), "demo", "a");
    assert!(lease.hold().await.unwrap());
    assert_eq!(
        fixture
            .store
            .get("webhook-outbox-lease:demo")
            .await
            .unwrap(),
        None
    );
}

/// The seqs the outbox log still holds.
async fn kept_seqs(node: &WebhookConnector) -> Vec<u64> {
    let kept = node.outbox().read(0, 10_000).await.unwrap();
    kept.iter().map(|entry| entry.seq).collect()
}

#[tokio::test]
async fn delivered_items_are_trimmed_from_the_log_and_later_items_keep_their_seqs() {
    let fixture = fixture(Receiver::default()).await;
    let node = fixture.node(3);
    for text in ["one", "two", "three"] {
        node.record(&agent(), &message(text)).await.unwrap();
    }
    let _loop = start(&node);
    until("the delivered items trimmed", async || {
        fixture.cursor(&node).await == 3 && kept_seqs(&node).await.is_empty()
    })
    .await;
    let outbox_log = super::outbox::log_name("demo");
    assert_eq!(fixture.store.log_head(&outbox_log).await.unwrap(), 3);

    assert_eq!(node.record(&agent(), &message("four")).await.unwrap(), 4);
    until("the fourth item delivered and trimmed", async || {
        fixture.cursor(&node).await == 4 && kept_seqs(&node).await.is_empty()
    })
    .await;
    let sent: Vec<u64> = summary(&fixture.bodies()).iter().map(|s| s.0).collect();
    assert_eq!(sent, [1, 2, 3, 4], "a trim renumbers nothing on the wire");
}

#[tokio::test]
async fn an_item_not_yet_acknowledged_is_never_trimmed() {
    let receiver = Receiver::answering(&[204]);
    receiver.failing.store(true, Ordering::SeqCst);
    let fixture = fixture(receiver).await;
    let node = fixture.node(1);
    node.record(&agent(), &message("taken")).await.unwrap();
    node.record(&agent(), &message("failing")).await.unwrap();
    let _loop = start(&node);
    // The first item is acknowledged, the second fails round after round: while the loop
    // pauses, the delivered item is trimmed and the failing one stays.
    until("the acknowledged item trimmed", async || {
        kept_seqs(&node).await == [2]
    })
    .await;
    until("three rounds for the failing item", async || {
        fixture.receiver.requests().len() >= 4
    })
    .await;
    assert_eq!(fixture.cursor(&node).await, 1);
    assert_eq!(kept_seqs(&node).await, [2], "still there after more rounds");

    fixture.receiver.failing.store(false, Ordering::SeqCst);
    until("the second item delivered and trimmed", async || {
        fixture.cursor(&node).await == 2 && kept_seqs(&node).await.is_empty()
    })
    .await;
    assert_eq!(deduped_texts(&fixture.bodies()), ["taken", "failing"]);
}

#[tokio::test]
async fn a_node_restarting_after_a_trim_delivers_the_rest_in_order() {
    let fixture = fixture(Receiver::default()).await;
    let first = fixture.node(1);
    first.record(&agent(), &message("one")).await.unwrap();
    first.record(&agent(), &message("two")).await.unwrap();
    let crashed = start(&first);
    until("the first two trimmed", async || {
        fixture.cursor(&first).await == 2 && kept_seqs(&first).await.is_empty()
    })
    .await;
    fixture.receiver.failing.store(true, Ordering::SeqCst);
    first.record(&agent(), &message("three")).await.unwrap();
    first.record(&agent(), &message("four")).await.unwrap();
    until("an attempt at the third item", async || {
        fixture.receiver.requests().len() >= 3
    })
    .await;
    crashed.abort();
    let _ = crashed.await;
    assert_eq!(kept_seqs(&first).await, [3, 4]);

    fixture.receiver.failing.store(false, Ordering::SeqCst);
    let second = fixture.node(1);
    let _loop = start(&second);
    until("the rest delivered and trimmed", async || {
        fixture.cursor(&second).await == 4 && kept_seqs(&second).await.is_empty()
    })
    .await;
    let bodies = fixture.bodies();
    assert_eq!(deduped_texts(&bodies), ["one", "two", "three", "four"]);
    let seqs: Vec<u64> = summary(&bodies).iter().map(|s| s.0).collect();
    let mut in_order = seqs.clone();
    in_order.sort_unstable();
    assert_eq!(seqs, in_order, "sent in seq order across the restart");
}

#[tokio::test]
async fn a_long_delivered_backlog_is_trimmed_in_chunks_and_only_up_to_the_cursor() {
    use super::outbox::TRIM_CHUNK;
    let fixture = fixture(Receiver::default()).await;
    let node = fixture.node(1);
    let backlog = 2 * TRIM_CHUNK + 50;
    let batch = crate::store::AppendBatch {
        client_message_id: None,
        fingerprint: None,
        entries: (0..backlog)
            .map(|n| bytes::Bytes::from(n.to_string()))
            .collect(),
        record: None,
        guard: None,
        schedule: None,
        also: Vec::new(),
    };
    let outbox_log = super::outbox::log_name("demo");
    fixture.store.append(&outbox_log, batch).await.unwrap();
    let cursor = backlog - 10;
    assert_eq!(node.outbox().trim(cursor).await.unwrap(), cursor);
    let kept = kept_seqs(&node).await;
    assert_eq!(kept.first(), Some(&(cursor + 1)));
    assert_eq!(kept.len(), 10);
    assert_eq!(
        node.outbox().trim(cursor).await.unwrap(),
        0,
        "nothing left to trim"
    );
}
