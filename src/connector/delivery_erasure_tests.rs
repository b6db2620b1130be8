//! The delivery loop and erasures on a sled store (two nodes: leases that behave as on a
//! shared store, and the test clock) against a loopback receiver: the loop reads the outbox
//! once per batch, not once per attempt, while no erasure comes; an item that another node
//! erases further in the batch the loop is sending is still not sent (the erasure marks the
//! cursor); an erasure on a node that does not hold the lease waits for the holder's attempt
//! at the item until it ends, or at most as long as an attempt can last on the clock; and a
//! holder that crashes mid-attempt is taken over once its lease runs out, the item in
//! flight sent again with its delivery id and nothing lost or sent twice besides.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use staffetta_handoff::ConversationId;
use staffetta_handoff::connector::{Author, ChatMessage, Outbound};

use super::delivery::deliver_while_leased;
use super::erase::erase_conversation;
use super::outbox::{LEASE_TTL, Lease, log_name};
use super::webhook::WebhookConnector;
use super::webhook_tests::{NOW_MS, Receiver, SECRET, agent, serve};
use crate::config::WebhookSettings;
use crate::secret::Secret;
use crate::store::{ManualClock, Observed, SledStore, Store, StoreResult, WriteObserver};

/// Counts the reads of the demo site's outbox log.
#[derive(Clone, Debug, Default)]
struct OutboxReads(Arc<AtomicUsize>);

#[async_trait::async_trait]
impl WriteObserver for OutboxReads {
    async fn before_call(
        &self,
        _inner: &dyn Store,
        call: &'static str,
        name: &str,
    ) -> StoreResult<()> {
        if call == "read_log" && name == log_name("demo") {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

pub(super) struct Nodes {
    pub(super) clock: ManualClock,
    pub(super) store: Arc<dyn Store>,
    reads: OutboxReads,
    url: String,
    pub(super) receiver: Receiver,
    _dir: tempfile::TempDir,
}

/// A sled store whose outbox reads are counted, and a receiver.
pub(super) async fn nodes(receiver: Receiver) -> Nodes {
    let clock = ManualClock::new(NOW_MS);
    let dir = tempfile::tempdir().unwrap();
    let sled = SledStore::open(&dir.path().join("store"), clock.clock())
        .await
        .unwrap();
    let reads = OutboxReads::default();
    let store: Arc<dyn Store> = Arc::new(Observed::new(Arc::new(sled), reads.clone()));
    Nodes {
        clock,
        store,
        reads,
        url: serve(receiver.clone()).await,
        receiver,
        _dir: dir,
    }
}

impl Nodes {
    /// A node's connector: one attempt per round, no backoff, `timeout_ms` per attempt.
    pub(super) fn node(&self, timeout_ms: u64) -> Arc<WebhookConnector> {
        let mut settings = WebhookSettings::new(&self.url, Secret::new(SECRET));
        settings.max_attempts = 1;
        settings.backoff_ms = 0;
        settings.timeout_ms = timeout_ms;
        let connector = WebhookConnector::new(
            "demo",
            &settings,
            self.clock.clock(),
            Arc::clone(&self.store),
        );
        Arc::new(connector.unwrap())
    }

    /// Starts a delivery loop with a lease that behaves as on a shared store; abort the
    /// handle to crash the node.
    pub(super) fn start_shared(&self, node: &Arc<WebhookConnector>) -> tokio::task::JoinHandle<()> {
        let mut lease = Lease::with(
            Arc::clone(&self.store),
            "demo",
            node.node(),
            true,
            LEASE_TTL,
        );
        let node = Arc::clone(node);
        tokio::spawn(async move { deliver_while_leased(&node, &mut lease).await })
    }

    pub(super) async fn cursor(&self, node: &WebhookConnector) -> u64 {
        node.outbox().cursor().await.unwrap().seq
    }

    /// The (seq, delivery, text) of every request the receiver got, in order.
    pub(super) fn sent(&self) -> Vec<(u64, String, String)> {
        self.receiver
            .requests()
            .iter()
            .map(|(_, body)| {
                let body: Value = serde_json::from_slice(body).unwrap();
                (
                    body["seq"].as_u64().unwrap(),
                    body["delivery"].as_str().unwrap().to_owned(),
                    body["item"]["text"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}

pub(super) fn message(conversation: &str, text: &str) -> Outbound {
    Outbound::Message(ChatMessage {
        conversation: ConversationId::parse(conversation).unwrap(),
        from: Author::Visitor,
        text: text.into(),
        at: jiff::Timestamp::from_second(1_800_000_000).unwrap(),
    })
}

pub(super) async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..500 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn items_acknowledged_at_the_first_attempt_cost_one_outbox_read_per_batch() {
    let nodes = nodes(Receiver::default()).await;
    let node = nodes.node(2_000);
    let items = 20;
    for n in 0..items {
        node.record(&agent(), &message("c1", &format!("m{n}")))
            .await
            .unwrap();
    }
    let reads_before = nodes.reads.0.load(Ordering::SeqCst);
    let running = Arc::clone(&node);
    let _loop = tokio::spawn(async move { running.run_deliveries(std::future::pending()).await });
    until("every item delivered", async || {
        nodes.cursor(&node).await == items
    })
    .await;
    let reads = nodes.reads.0.load(Ordering::SeqCst) - reads_before;
    // The batch, then at most the look that finds nothing more, the trim's and a poll or
    // two; reading each item again before its attempt would be 20 more.
    assert!(reads <= 5, "{reads} reads of the outbox for {items} items");
    assert_eq!(nodes.sent().len(), 20, "each item once");
}

#[tokio::test]
async fn an_item_another_node_erases_further_in_the_batch_being_sent_is_not_sent() {
    let held = Arc::new(tokio::sync::Semaphore::new(0));
    let nodes = nodes(Receiver::held(&held)).await;
    let (a, b) = (nodes.node(10_000), nodes.node(10_000));
    for (conversation, text) in [("c0", "first"), ("c1", "secret"), ("c0", "after")] {
        a.record(&agent(), &message(conversation, text))
            .await
            .unwrap();
    }
    let _a = nodes.start_shared(&a);
    until("the attempt at seq 1", async || {
        !nodes.receiver.requests().is_empty()
    })
    .await;

    // B erases an item A read in its batch, not the one A is sending: B does not wait.
    let erased = erase_conversation(&nodes.store, Some(&b), "demo", "c1").await;
    assert_eq!(erased.unwrap(), 1);
    held.add_permits(10);
    until("the cursor at 3", async || nodes.cursor(&a).await == 3).await;
    let sent: Vec<(u64, String)> = nodes
        .sent()
        .into_iter()
        .map(|(seq, _, text)| (seq, text))
        .collect();
    assert_eq!(sent, [(1, "first".to_owned()), (3, "after".to_owned())]);
}

/// Seq 1 (of `c1`) and seq 2 (of `c0`) stored; node A holds the lease and its attempt at
/// seq 1 is in flight, held by the receiver; node B erases `c1` in a task of its own.
async fn an_erasure_on_b_while_a_sends_the_item(
    nodes: &Nodes,
) -> (Arc<WebhookConnector>, tokio::task::JoinHandle<(u64, usize)>) {
    let (a, b) = (nodes.node(60_000), nodes.node(60_000));
    a.record(&agent(), &message("c1", "in flight"))
        .await
        .unwrap();
    a.record(&agent(), &message("c0", "next")).await.unwrap();
    let _a = nodes.start_shared(&a);
    until("the attempt at seq 1", async || {
        !nodes.receiver.requests().is_empty()
    })
    .await;
    let answered = Arc::clone(&nodes.receiver.answered);
    let store = Arc::clone(&nodes.store);
    let erasure = tokio::spawn(async move {
        let erased = erase_conversation(&store, Some(&b), "demo", "c1").await;
        (erased.unwrap(), answered.load(Ordering::SeqCst))
    });
    until("the item erased in the store", async || {
        a.outbox().sendable(1).await.unwrap().is_none()
    })
    .await;
    // An erasure that did not wait would be done by now (it looks every 100 ms).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!erasure.is_finished(), "B waits for A's attempt");
    (a, erasure)
}

#[tokio::test]
async fn an_erasure_on_another_node_waits_for_the_holders_attempt_in_flight_until_it_ends() {
    let held = Arc::new(tokio::sync::Semaphore::new(0));
    let nodes = nodes(Receiver::held(&held)).await;
    let (a, erasure) = an_erasure_on_b_while_a_sends_the_item(&nodes).await;
    held.add_permits(10);
    until("the erasure done", async || erasure.is_finished()).await;
    let (erased, answered_when_done) = erasure.await.unwrap();
    assert_eq!(erased, 1);
    assert!(answered_when_done >= 1, "A's attempt had ended");
    until("the cursor at 2", async || nodes.cursor(&a).await == 2).await;
    let texts: Vec<String> = nodes.sent().into_iter().map(|s| s.2).collect();
    assert_eq!(
        texts,
        ["in flight", "next"],
        "one attempt at the erased item"
    );
}

#[tokio::test]
async fn an_erasure_on_another_node_stops_waiting_once_an_attempt_could_last_no_longer() {
    let held = Arc::new(tokio::sync::Semaphore::new(0));
    let nodes = nodes(Receiver::held(&held)).await;
    let (a, erasure) = an_erasure_on_b_while_a_sends_the_item(&nodes).await;
    // A's attempt hangs; the bound is its timeout (60 s) and a second, on the clock.
    nodes.clock.advance(Duration::from_secs(60));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!erasure.is_finished(), "the bound has not passed yet");
    nodes.clock.advance(Duration::from_secs(2));
    until("the erasure done", async || erasure.is_finished()).await;
    let (erased, answered_when_done) = erasure.await.unwrap();
    assert_eq!((erased, answered_when_done), (1, 0));
    assert_eq!(nodes.cursor(&a).await, 0, "A's attempt still hangs");
    held.add_permits(10);
}

#[tokio::test]
async fn when_the_holder_crashes_mid_attempt_another_node_sends_that_item_again_and_the_rest_once()
{
    let held = Arc::new(tokio::sync::Semaphore::new(0));
    let nodes = nodes(Receiver::held(&held)).await;
    let (a, b) = (nodes.node(60_000), nodes.node(60_000));
    for text in ["one", "two", "three"] {
        a.record(&agent(), &message("c1", text)).await.unwrap();
    }
    let crashed = nodes.start_shared(&a);
    until("A's attempt at seq 1", async || {
        !nodes.receiver.requests().is_empty()
    })
    .await;
    let _b = nodes.start_shared(&b);
    crashed.abort();
    let _ = crashed.await;
    held.add_permits(100);
    // A's lease still runs on the clock: B does not send.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(nodes.receiver.requests().len(), 1);
    assert_eq!(nodes.cursor(&b).await, 0, "nothing was acknowledged");

    nodes.clock.advance(LEASE_TTL + Duration::from_secs(1));
    until("B delivered everything", async || {
        nodes.cursor(&b).await == 3
    })
    .await;
    let sent = nodes.sent();
    let seqs: Vec<u64> = sent.iter().map(|s| s.0).collect();
    assert_eq!(
        seqs,
        [1, 1, 2, 3],
        "only the item in flight at the crash twice"
    );
    assert_eq!(sent[0].1, sent[1].1, "with the same delivery id");
    let texts: Vec<&str> = sent.iter().skip(1).map(|s| s.2.as_str()).collect();
    assert_eq!(texts, ["one", "two", "three"]);
}
