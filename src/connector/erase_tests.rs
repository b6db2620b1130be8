//! Erasing a conversation's items from the outbox against a loopback receiver: an erased
//! item is never sent and the others go out in order, and an erasure that overlaps an
//! attempt at the item it erases returns only once that attempt has ended; the events of the
//! ends of the chat stay, whatever produced them, without the agent's disposition.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use staffetta_handoff::connector::{Author, ChatMessage, Outbound};
use staffetta_handoff::event::{AgentEvent, EventName, JobState};
use staffetta_handoff::{ConversationId, OfferId, ResourceId};

use super::erase::erase_conversation;
use super::item::{CommandRefused, EdgeItem, ForAgent, Item};
use super::outbox::{ERASED, OutboxEntry};
use super::webhook::WebhookConnector;
use super::webhook_tests::{NOW_MS, Receiver, SECRET, agent, serve};
use crate::config::WebhookSettings;
use crate::secret::Secret;
use crate::store::{ManualClock, SledStore, Store};

fn message(conversation: &str, text: &str) -> Outbound {
    Outbound::Message(ChatMessage {
        conversation: ConversationId::parse(conversation).unwrap(),
        from: Author::Visitor,
        text: text.into(),
        at: jiff::Timestamp::from_second(1_800_000_000).unwrap(),
    })
}

/// A connector (one attempt per round, no backoff) on a fresh sled store.
async fn node(receiver: &Receiver) -> (Arc<WebhookConnector>, Arc<dyn Store>, tempfile::TempDir) {
    let clock = ManualClock::new(NOW_MS);
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(
        SledStore::open(&dir.path().join("store"), clock.clock())
            .await
            .unwrap(),
    );
    let mut settings = WebhookSettings::new(serve(receiver.clone()).await, Secret::new(SECRET));
    settings.max_attempts = 1;
    settings.backoff_ms = 0;
    let connector =
        WebhookConnector::new("demo", &settings, clock.clock(), Arc::clone(&store)).unwrap();
    (Arc::new(connector), store, dir)
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

/// The (seq, text) of every request the receiver got, in order.
fn sent(receiver: &Receiver) -> Vec<(u64, String)> {
    receiver
        .requests()
        .iter()
        .map(|(_, body)| {
            let body: serde_json::Value = serde_json::from_slice(body).unwrap();
            (
                body["seq"].as_u64().unwrap(),
                body["item"]["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn erased_items_are_never_sent_and_the_others_go_out_in_order() {
    let receiver = Receiver::default();
    receiver.failing.store(true, Ordering::SeqCst);
    let (node, store, _dir) = node(&receiver).await;
    for (conversation, text) in [
        ("c1", "one"),
        ("c2", "secret"),
        ("c1", "two"),
        ("c2", "again"),
    ] {
        node.record(&agent(), &message(conversation, text))
            .await
            .unwrap();
    }
    let deliveries = Arc::clone(&node);
    let _loop = tokio::spawn(async move {
        deliveries.run_deliveries(std::future::pending()).await;
    });
    until("a first attempt", async || !receiver.requests().is_empty()).await;

    let erased = erase_conversation(&store, Some(&node), "demo", "c2").await;
    assert_eq!(erased.unwrap(), 2);
    assert_eq!(
        erase_conversation(&store, Some(&node), "demo", "c2")
            .await
            .unwrap(),
        0,
        "erasing again finds nothing"
    );
    receiver.failing.store(false, Ordering::SeqCst);
    until("the cursor at 4", async || {
        node.outbox().cursor().await.unwrap().seq == 4
    })
    .await;
    let sent = sent(&receiver);
    assert!(
        sent.iter().all(|(_, text)| text == "one" || text == "two"),
        "{sent:?}"
    );
    assert_eq!(sent.last(), Some(&(3, "two".to_owned())));
}

#[tokio::test]
async fn an_erasure_returns_only_once_an_attempt_at_an_item_it_erased_has_ended() {
    let held = Arc::new(tokio::sync::Semaphore::new(0));
    let receiver = Receiver::held(&held);
    let (node, store, _dir) = node(&receiver).await;
    node.record(&agent(), &message("c1", "under way"))
        .await
        .unwrap();
    node.record(&agent(), &message("c2", "next")).await.unwrap();
    let deliveries = Arc::clone(&node);
    let _loop = tokio::spawn(async move {
        deliveries.run_deliveries(std::future::pending()).await;
    });
    until("the attempt at seq 1", async || {
        !receiver.requests().is_empty()
    })
    .await;

    let answered = Arc::clone(&receiver.answered);
    let (erasing_store, erasing_node) = (Arc::clone(&store), Arc::clone(&node));
    let erasure = tokio::spawn(async move {
        let erased = erase_conversation(&erasing_store, Some(&erasing_node), "demo", "c1").await;
        (erased.unwrap(), answered.load(Ordering::SeqCst))
    });
    until("the item erased in the store", async || {
        node.outbox().sendable(1).await.unwrap().is_none()
    })
    .await;
    // An erasure that did not wait would be done by now.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!erasure.is_finished(), "the erasure waits for the attempt");
    held.add_permits(10);
    let (erased, answered_when_done) = erasure.await.unwrap();
    assert_eq!(erased, 1);
    assert_eq!(answered_when_done, 1, "the attempt had ended");
    until("the cursor at 2", async || {
        node.outbox().cursor().await.unwrap().seq == 2
    })
    .await;
    assert_eq!(
        sent(&receiver),
        [(1, "under way".to_owned()), (2, "next".to_owned())],
        "the attempt under way was the last one at the erased item"
    );
}

fn job_event(conversation: &str, name: EventName) -> AgentEvent {
    let conversation = ConversationId::parse(conversation).unwrap();
    let queue = ResourceId::parse("support").unwrap();
    AgentEvent::job(name, OfferId::FIRST, &conversation, &queue)
}

#[tokio::test]
async fn the_end_events_of_the_chat_stay_whatever_produced_them_and_everything_else_goes() {
    let receiver = Receiver::default();
    let (node, store, _dir) = node(&receiver).await;
    let popup = Outbound::Event(job_event("c1", EventName::Popup));
    let rejected = Outbound::Event(job_event("c1", EventName::JobFinished).with_reason("rejected"));
    let cleared =
        Outbound::Event(job_event("c1", EventName::ConnectionCleared).with_reason("visitor"));
    let offline =
        Outbound::Event(job_event("c1", EventName::JobChanged).with_state(JobState::Offline));
    let finished = job_event("c1", EventName::JobFinished).with_state(JobState::Offline);
    let wrapped_up = Outbound::Event(finished.clone().with_reason("called Ann at +39 333"));
    for item in [
        &popup,
        &rejected,
        &message("c1", "secret"),
        &cleared,
        &message("c1", "racing"),
        &offline,
        &wrapped_up,
        &message("c2", "other"),
    ] {
        node.record(&agent(), item).await.unwrap();
    }
    let before = node.outbox().read(0, 100).await.unwrap();

    let erased = erase_conversation(&store, Some(&node), "demo", "c1").await;
    assert_eq!(erased.unwrap(), 3, "the popup and both messages");
    let stored = node.outbox().read(0, 100).await.unwrap();
    let left: Vec<(u64, Option<Outbound>)> = stored
        .iter()
        .map(|entry| {
            let item = serde_json::from_slice::<OutboxEntry>(&entry.body).ok();
            (
                entry.seq,
                item.and_then(|stored| stored.item.desk().cloned()),
            )
        })
        .collect();
    assert_eq!(
        left,
        [
            (1, None),
            (2, Some(rejected)),
            (3, None),
            (4, Some(cleared)),
            (5, None),
            (6, Some(offline)),
            (7, Some(Outbound::Event(finished))),
            (8, Some(message("c2", "other"))),
        ],
        "the disposition an agent typed is not kept"
    );
    let delivery = |body: &[u8]| {
        serde_json::from_slice::<OutboxEntry>(body)
            .unwrap()
            .delivery
    };
    assert_eq!(
        delivery(&stored[6].body),
        delivery(&before[6].body),
        "the stripped copy keeps its delivery id"
    );
    assert_eq!(
        erase_conversation(&store, Some(&node), "demo", "c1")
            .await
            .unwrap(),
        0,
        "a purge done again keeps the same end events"
    );
    assert_eq!(node.outbox().read(0, 100).await.unwrap(), stored);
}

#[tokio::test]
async fn an_end_event_stripped_while_its_attempts_fail_goes_out_as_stripped() {
    let receiver = Receiver::default();
    receiver.failing.store(true, Ordering::SeqCst);
    let (node, store, _dir) = node(&receiver).await;
    let finished = job_event("c1", EventName::JobFinished).with_reason("Ann's refund, card 4242");
    node.record(&agent(), &Outbound::Event(finished))
        .await
        .unwrap();
    let deliveries = Arc::clone(&node);
    let _loop = tokio::spawn(async move {
        deliveries.run_deliveries(std::future::pending()).await;
    });
    until("a first attempt", async || !receiver.requests().is_empty()).await;

    let erased = erase_conversation(&store, Some(&node), "demo", "c1").await;
    assert_eq!(erased.unwrap(), 0, "an end event is kept");
    let tried = receiver.requests().len();
    receiver.failing.store(false, Ordering::SeqCst);
    until("the cursor at 1", async || {
        node.outbox().cursor().await.unwrap().seq == 1
    })
    .await;
    for (_, body) in &receiver.requests()[tried..] {
        let body: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(body["item"]["event"], "JOBFINISHED");
        assert_eq!(body["item"].get("reason"), None, "{body}");
    }
}

#[tokio::test]
async fn the_transcript_and_the_offer_with_its_summary_are_erased_and_a_refusal_is_kept() {
    let receiver = Receiver::default();
    let (node, store, _dir) = node(&receiver).await;
    let transcript = ForAgent {
        transcript: true,
        ..ForAgent::desk(agent(), message("c1", "I live at Via Roma 1"))
    };
    let popup = ForAgent {
        summary: Some("Visitor: I live at Via Roma 1".to_owned()),
        ..ForAgent::desk(agent(), Outbound::Event(job_event("c1", EventName::Popup)))
    };
    let refusal = ForAgent {
        agent: agent(),
        item: Item::Edge(EdgeItem::CommandRefused(CommandRefused {
            id: Some("send-1".to_owned()),
            command: "send".to_owned(),
            code: "not_your_conversation".to_owned(),
            message: "conversation c1 is not online with this agent".to_owned(),
        })),
        summary: None,
        transcript: false,
    };
    for item in [&transcript, &popup, &refusal] {
        node.record_item(item).await.unwrap();
    }
    let erased = erase_conversation(&store, Some(&node), "demo", "c1").await;
    assert_eq!(erased.unwrap(), 2, "the transcript's message and the offer");
    let stored = node.outbox().read(0, 10).await.unwrap();
    assert_eq!(stored[0].body.as_ref(), ERASED);
    assert_eq!(stored[1].body.as_ref(), ERASED);
    let kept: OutboxEntry = serde_json::from_slice(&stored[2].body).unwrap();
    assert_eq!(kept.item, refusal.item, "a refusal holds no visitor data");
}
