//! A transfer that lands between reading who has a conversation and storing the visitor's
//! message does not credit the message to the previous agent: the message's item in the
//! site's webhook outbox names the agent who has the conversation when it is stored, on sled
//! and on Redis.
//!
//! The race is played deterministically: a store that watches the node's writes, seeing the
//! append of the visitor's message, first lets `ext-ada` transfer the chat to `ext-bob` and
//! `ext-bob` accept it (through the unwatched store), then lets the append go on. The webhook
//! points at a closed port, so nothing is delivered or trimmed while the test reads the
//! outbox.

use serde_json::{Value, json};
use staffetta::app::AppState;
use staffetta::config::{Settings, WebhookSettings};
use staffetta::connector::outbox_log;
use staffetta::desk::commands::apply_external;
use staffetta::secret::Secret;
use staffetta::store::RedisUrl;
use staffetta_handoff::connector::Inbound;

use super::desk::ask_for_human;
use super::race::send_raced;
use super::{ADMIN_TOKEN, add_operator};
use crate::support::redis_server::private_redis_or_skip;
use crate::support::{TestApp, spawn_app_with};

/// The transfer to play before the append of the racing message.
#[derive(Debug)]
struct Race {
    /// The node's state on the unwatched store.
    state: AppState,
    conversation: String,
    /// `ext-bob`'s operator id (the transfer's target).
    bob: String,
}

/// `ext-ada` transfers the chat to `ext-bob`, who accepts it.
async fn transfer_to_bob(race: &Race) {
    let transfer = json!({
        "command": "transfer", "conversation": race.conversation,
        "to": {"kind": "agent", "id": race.bob},
    });
    apply_external(&race.state, "demo", inbound("ext-ada", &transfer)).await;
    let popup = outbox(&race.state)
        .await
        .into_iter()
        .rev()
        .find(|entry| entry["item"]["event"] == "POPUP")
        .expect("the transfer offered the chat");
    assert_eq!(popup["agent"], race.bob.as_str(), "offered to ext-bob");
    let accept = json!({"command": "accept", "offer": popup["item"]["id"]});
    apply_external(&race.state, "demo", inbound("ext-bob", &accept)).await;
}

/// A command of `agent` as the site's external desk sends it.
pub(super) fn inbound(agent: &str, command: &Value) -> Inbound {
    serde_json::from_value(json!({"agent": agent, "command": command})).unwrap()
}

/// The demo site's outbox entries (`agent`, `item`, ...), in seq order.
pub(super) async fn outbox(state: &AppState) -> Vec<Value> {
    let entries = state
        .store
        .read_log(&outbox_log("demo"), 0, 1_000)
        .await
        .unwrap();
    entries
        .iter()
        .map(|e| serde_json::from_slice::<Value>(&e.body).unwrap())
        .collect()
}

/// The agent of the last outbox entry with this event.
async fn agent_of_last(state: &AppState, event: &str) -> String {
    outbox(state)
        .await
        .into_iter()
        .rev()
        .find(|entry| entry["item"]["event"] == event)
        .and_then(|entry| entry["agent"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no {event} in the outbox"))
}

/// A node whose demo site has an external desk (on Redis when `redis` is set), without
/// operators yet. The webhook points at a closed port: nothing is delivered or trimmed.
pub(super) async fn external_desk_app(redis: Option<String>) -> TestApp {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    spawn_app_with(move |settings: &mut Settings| {
        settings.admin.token = Secret::new(ADMIN_TOKEN);
        settings.agent.demo_operators = false;
        settings.sites[0].webhook = Some(WebhookSettings::new(url, Secret::new("s".repeat(32))));
        settings.store.url = redis.map(|url| RedisUrl::parse(url).unwrap());
    })
    .await
}

/// The demo site with an external desk (on Redis when `redis` is set): `ext-ada` has a chat
/// with a visitor and `ext-bob` is ready. The visitor's message `m-race` races a transfer of
/// the chat from `ext-ada` to `ext-bob`; the outbox entries after it are returned with
/// `ext-ada`'s and `ext-bob`'s operator ids and how many times the message was appended.
async fn message_raced_by_transfer(redis: Option<String>) -> (Vec<Value>, String, String, usize) {
    let app = external_desk_app(redis).await;
    add_operator(&app, "ext-ada", "pass-ext-ada", "agent").await;
    add_operator(&app, "ext-bob", "pass-ext-bob", "agent").await;
    let ready = json!({"command": "set_state", "state": "ready"});
    apply_external(&app.state, "demo", inbound("ext-ada", &ready)).await;
    let visitor = app.visitor().await;
    ask_for_human(&visitor).await;
    let popup = outbox(&app.state)
        .await
        .into_iter()
        .find(|entry| entry["item"]["event"] == "POPUP")
        .expect("the offer is in the outbox");
    let ada = popup["agent"].as_str().unwrap().to_owned();
    let accept = json!({"command": "accept", "offer": popup["item"]["id"]});
    apply_external(&app.state, "demo", inbound("ext-ada", &accept)).await;
    assert_eq!(agent_of_last(&app.state, "JOBSTARTED").await, ada);
    apply_external(&app.state, "demo", inbound("ext-bob", &ready)).await;
    let bob = agent_of_last(&app.state, "LOGGEDIN").await;
    assert_ne!(bob, ada);

    let race = Race {
        state: app.state.clone(),
        conversation: visitor.started.conversation_id.clone(),
        bob: bob.clone(),
    };
    let head = app.state.store.log_head(&outbox_log("demo")).await.unwrap();
    let attempts = send_raced(&app.state, visitor.id(), "Still there?", async move {
        transfer_to_bob(&race).await;
    })
    .await;
    let after: Vec<Value> = outbox(&app.state)
        .await
        .into_iter()
        .skip(usize::try_from(head).unwrap())
        .collect();
    (after, ada, bob, attempts)
}

/// Checks what the outbox got after the raced message: the transfer's events, then the
/// message for `ext-bob` only.
fn assert_message_is_for_bob(after: &[Value], ada: &str, bob: &str, attempts: usize) {
    let messages: Vec<&Value> = after
        .iter()
        .filter(|entry| entry["item"]["kind"] == "message" && entry["transcript"] != true)
        .collect();
    assert_eq!(messages.len(), 1, "one item for the message: {after:#?}");
    assert_eq!(messages[0]["item"]["text"], "Still there?");
    assert_eq!(
        messages[0]["agent"], bob,
        "the message is for the agent who has the chat when it is stored, not {ada}"
    );
    let position = |wanted: &dyn Fn(&Value) -> bool| after.iter().position(wanted);
    let bob_started = position(&|e| e["agent"] == bob && e["item"]["event"] == "JOBSTARTED");
    let ada_cleared = position(&|e| e["agent"] == ada && e["item"]["event"] == "CONNECTIONCLEARED");
    let message = position(&|e| e["item"]["kind"] == "message" && e["transcript"] != true);
    assert!(ada_cleared.is_some() && bob_started.is_some(), "{after:#?}");
    assert!(
        bob_started < message,
        "after ext-bob's JOBSTARTED: {after:#?}"
    );
    assert_eq!(
        attempts, 2,
        "the raced write wrote nothing and was tried again"
    );
}

#[tokio::test]
async fn a_visitor_message_raced_by_a_transfer_is_in_the_outbox_for_the_new_agent() {
    let (after, ada, bob, attempts) = message_raced_by_transfer(None).await;
    assert_message_is_for_bob(&after, &ada, &bob, attempts);
}

#[tokio::test]
async fn a_visitor_message_raced_by_a_transfer_is_in_the_outbox_for_the_new_agent_on_redis() {
    let Some(redis) = private_redis_or_skip("webhook_transfer_race").await else {
        return;
    };
    let (after, ada, bob, attempts) = message_raced_by_transfer(Some(redis.url())).await;
    assert_message_is_for_bob(&after, &ada, &bob, attempts);
}
