//! Visitors who go away while waiting for an agent: after `handoff.visitor_gone_s` without a
//! websocket or long-poll of their session the wait is cancelled (the offer to the agent is
//! withdrawn, `handoff_cancelled` by `system`, reason `visitor_gone`); a reconnect within the
//! grace keeps the place, and so does a tab on another node; a live chat is not touched,
//! but once it is transferred or requeued a visitor gone for the grace is not waited for
//! (nor offered to anyone); the deadline survives a restart.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use staffetta::config::Settings;
use staffetta::desk::visitor_presence::GONE_SCHEDULE;

use super::ADMIN_TOKEN;
use super::console::{Console, agent, open, transcript, visitor_events};
use super::desk::{ask_for_human, live_chat};
use staffetta::visitor::record::conversation_log;

use crate::support::redis_server::private_redis_or_skip;
use crate::support::visitor::Visitor;
use crate::support::{TestApp, spawn_app_with, wait_for};

/// The grace of these tests.
const GONE_S: u64 = 30;

fn configure(settings: &mut Settings) {
    settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
    settings.agent.demo_operators = false;
    settings.sites[0].handoff.visitor_gone_s = GONE_S as u32;
    // Offers and lost consoles must not interfere with the visitor's grace.
    settings.sites[0].handoff.disconnect_grace_s = 3600;
    settings.sites[0].resources[0].offer_timeout_s = 3600;
}

async fn spawn(store: Option<PathBuf>) -> TestApp {
    spawn_app_with(move |settings| {
        configure(settings);
        if let Some(path) = store {
            settings.store.path = path;
        }
    })
    .await
}

/// Ada at her console, paused, so a visitor who asks waits in the queue.
async fn paused_agent(app: &TestApp) -> Console {
    let mut ada = agent(app, "ada", "agent").await;
    ada.pause().await;
    ada
}

/// When the next look at a waiting visitor is due (ms), if any.
async fn next_look(app: &TestApp) -> Option<i64> {
    app.state
        .store
        .next_due(GONE_SCHEDULE)
        .await
        .unwrap()
        .map(|(_, at)| at)
}

/// Waits until a socket took its lease: the look moved past the one the request scheduled
/// (35 s + grace) to the lease's end (75 s + grace).
async fn lease_taken(app: &TestApp) {
    let since = app.clock.now_ms();
    wait_for("the socket's lease", Duration::from_secs(5), || async {
        next_look(app).await.filter(|at| *at > since + 90_000)
    })
    .await;
}

/// Waits until the server has handled a closed socket: the look is due within the grace.
async fn look_within_grace(app: &TestApp) {
    let limit = app.clock.now_ms() + GONE_S as i64 * 1000;
    wait_for(
        "the look moves to the grace",
        Duration::from_secs(5),
        || async { next_look(app).await.filter(|at| *at <= limit) },
    )
    .await;
}

/// The first event of `kind` in the visitor's conversation log, read from the store: a
/// long-poll would count as the visitor being there.
async fn logged(app: &TestApp, visitor: &Visitor, kind: &str) -> Option<Value> {
    let log = conversation_log(&visitor.started.conversation_id);
    let entries = app.state.store.read_log(&log, 0, 1000).await.unwrap();
    entries
        .iter()
        .filter_map(|entry| serde_json::from_slice::<Value>(&entry.body).ok())
        .find(|event| event["type"] == kind)
}

/// Waits (5 s) until the log has an event of `kind`.
async fn logged_soon(app: &TestApp, visitor: &Visitor, kind: &str) -> Value {
    wait_for(
        &format!("{kind} in the log"),
        Duration::from_secs(5),
        || logged(app, visitor, kind),
    )
    .await
}

/// Whether the visitor's wait is cancelled within a moment (the timer runs apart).
async fn cancelled_soon(app: &TestApp, visitor: &Visitor) -> Option<Value> {
    for _ in 0..10 {
        if let Some(event) = logged(app, visitor, "handoff_cancelled").await {
            return Some(event);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

#[tokio::test]
async fn a_visitor_who_closes_the_socket_while_offered_leaves_the_queue_after_the_grace() {
    let app = spawn(None).await;
    let mut ada = agent(&app, "ada", "agent").await;
    let visitor = app.visitor().await;
    let socket = visitor.socket(None).await;
    assert_eq!(ask_for_human(&visitor).await["outcome"], "offered");
    let offer = ada.offer().await;
    // The socket takes its lease when it sees the queue_update.
    lease_taken(&app).await;
    drop(socket);
    look_within_grace(&app).await;

    app.advance(Duration::from_secs(GONE_S - 1));
    assert!(cancelled_soon(&app, &visitor).await.is_none());
    app.advance(Duration::from_secs(2));
    let cancelled = logged_soon(&app, &visitor, "handoff_cancelled").await;
    assert_eq!(cancelled["by"], "system");
    assert_eq!(cancelled["reason"], "visitor_gone");
    assert!(
        cancelled["text"]
            .as_str()
            .unwrap()
            .contains("left the queue"),
        "{cancelled}"
    );
    // The offer is withdrawn from Ada's console and the desk forgets the conversation.
    let finished = ada.until("JOBFINISHED").await;
    assert_eq!(finished["id"], offer.as_str(), "{finished}");
    assert_eq!(
        finished["chat_id"],
        visitor.started.conversation_id.as_str()
    );
    assert_eq!(finished["reason"], "cancelled", "{finished}");
    let desk = staffetta::desk::site_desk::read(&app.state, "demo")
        .await
        .unwrap();
    let conversation =
        staffetta_handoff::ConversationId::parse(&visitor.started.conversation_id).unwrap();
    assert!(desk.conversation(&conversation).is_none());
    wait_for("no look left", Duration::from_secs(5), || async {
        next_look(&app).await.is_none().then_some(())
    })
    .await;
    // The bot answers again, and the transcript keeps the reason.
    let reply = visitor.pick("profile").await;
    assert!(
        reply["output"]["generic"]
            .to_string()
            .contains("What's your name?")
    );
    let boss = agent(&app, "boss", "admin").await;
    let lines = transcript(&app, &boss.token, &visitor.started.conversation_id).await;
    let line = lines["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["event"]["type"] == "handoff_cancelled")
        .cloned()
        .unwrap_or_else(|| panic!("no handoff_cancelled line in {lines}"));
    assert_eq!(line["from"], "system");
    assert_eq!(line["event"]["reason"], "visitor_gone");
}

#[tokio::test]
async fn a_visitor_who_reconnects_within_the_grace_keeps_the_place_in_the_queue() {
    let app = spawn(None).await;
    let mut ada = paused_agent(&app).await;
    let visitor = app.visitor().await;
    let socket = visitor.socket(None).await;
    assert_eq!(ask_for_human(&visitor).await["outcome"], "queued");
    lease_taken(&app).await;
    drop(socket);
    look_within_grace(&app).await;

    // A reload: a new socket of the same session before the grace ends.
    app.advance(Duration::from_secs(GONE_S - 5));
    let _again = visitor.socket(None).await;
    let reconnected = app.clock.now_ms();
    wait_for("the new socket's lease", Duration::from_secs(5), || async {
        next_look(&app)
            .await
            .filter(|at| *at > reconnected + GONE_S as i64 * 1000)
    })
    .await;
    app.advance(Duration::from_secs(10));
    assert!(cancelled_soon(&app, &visitor).await.is_none());

    // Still first in line: Ada is offered the conversation as soon as she is available.
    ada.send(json!({"command": "set_state", "state": "ready"}))
        .await;
    let popup = ada.until("POPUP").await;
    assert_eq!(popup["chat_id"], visitor.started.conversation_id.as_str());
}

#[tokio::test]
async fn a_long_poll_keeps_the_place_and_stopping_it_leaves_the_queue_later() {
    let app = spawn(None).await;
    let _ada = paused_agent(&app).await;
    let visitor = app.visitor().await;
    assert_eq!(ask_for_human(&visitor).await["outcome"], "queued");
    // A poll counts as a connection for its wait plus a margin, then the grace runs.
    let polled = app.clock.now_ms();
    visitor_events(&visitor, 0).await;
    let look = next_look(&app).await.unwrap();
    assert!(look >= polled + 35_000 + GONE_S as i64 * 1000, "{look}");
    app.advance(Duration::from_secs(35 + GONE_S - 1));
    assert!(cancelled_soon(&app, &visitor).await.is_none());
    app.advance(Duration::from_secs(2));
    let cancelled = logged_soon(&app, &visitor, "handoff_cancelled").await;
    assert_eq!(cancelled["reason"], "visitor_gone");
}

#[tokio::test]
async fn a_visitor_with_a_live_chat_is_not_taken_out_when_the_socket_closes() {
    let app = spawn(None).await;
    let (mut ada, visitor, _, chat_id) = live_chat(&app).await;
    // The socket holds a lease during the live chat too; closing it starts the grace.
    let socket = visitor.socket(None).await;
    lease_taken(&app).await;
    drop(socket);
    look_within_grace(&app).await;
    // Long past every look.
    app.advance(Duration::from_secs(300));
    wait_for("no look left", Duration::from_secs(5), || async {
        next_look(&app).await.is_none().then_some(())
    })
    .await;
    assert!(cancelled_soon(&app, &visitor).await.is_none());
    let desk = staffetta::desk::site_desk::read(&app.state, "demo")
        .await
        .unwrap();
    let conversation = staffetta_handoff::ConversationId::parse(&chat_id).unwrap();
    assert_eq!(
        desk.owner_of(&conversation).map(|a| a.as_str()),
        Some(ada.id.as_str())
    );
    // The chat goes on.
    ada.send(json!({"command": "send", "conversation": chat_id, "text": "Still there?"}))
        .await;
    wait_for("the agent's message", Duration::from_secs(5), || async {
        let log = conversation_log(&visitor.started.conversation_id);
        let entries = app.state.store.read_log(&log, 0, 1000).await.unwrap();
        entries
            .iter()
            .filter_map(|entry| serde_json::from_slice::<Value>(&entry.body).ok())
            .find(|event| event["from"] == "agent")
    })
    .await;
    assert!(
        !ada.gets_within("CONNECTIONCLEARED", Duration::from_millis(200))
            .await
    );
}

#[tokio::test]
async fn the_grace_after_a_closed_socket_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let app = spawn(Some(store.clone())).await;
    let _ada = paused_agent(&app).await;
    let visitor = app.visitor().await;
    let socket = visitor.socket(None).await;
    assert_eq!(ask_for_human(&visitor).await["outcome"], "queued");
    lease_taken(&app).await;
    drop(socket);
    look_within_grace(&app).await;
    app.stop().await.unwrap();

    let again = spawn(Some(store)).await;
    again.advance(Duration::from_secs(GONE_S + 1));
    let cancelled = logged_soon(&again, &visitor, "handoff_cancelled").await;
    assert_eq!(cancelled["by"], "system");
    assert_eq!(cancelled["reason"], "visitor_gone");
    // Ada, back at her console, is not offered the chat of someone who left.
    let mut ada = open(&again, "ada").await;
    ada.send(json!({"command": "set_state", "state": "ready"}))
        .await;
    assert!(!ada.gets_within("POPUP", Duration::from_millis(300)).await);
}

/// How many connections of the visitor's session hold a lease, read from the store.
async fn leases(app: &TestApp, visitor: &Visitor) -> usize {
    let key = format!("visitor-sockets:{}", visitor.started.session_id);
    app.state
        .store
        .due(&key, i64::MAX, 100)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_tab_still_open_on_another_node_keeps_the_visitor_queued() {
    let Some(redis) = private_redis_or_skip("abandon_two_nodes").await else {
        return;
    };
    let node = || {
        let url = redis.url();
        spawn_app_with(move |settings| {
            configure(settings);
            settings.store.url = Some(staffetta::store::RedisUrl::parse(url).unwrap());
        })
    };
    let (a, b) = (node().await, node().await);
    let _ada = paused_agent(&a).await;
    let visitor = a.visitor().await;
    let on_b = Visitor {
        base_url: b.base_url.clone(),
        http: b.http.clone(),
        started: visitor.started.clone(),
    };
    let tab_a = visitor.socket(None).await;
    let tab_b = on_b.socket(None).await;
    assert_eq!(ask_for_human(&visitor).await["outcome"], "queued");
    wait_for("a lease per tab", Duration::from_secs(5), || async {
        (leases(&a, &visitor).await == 2).then_some(())
    })
    .await;

    // The tab on node A closes; node B's tab still holds its lease: the look stays late.
    drop(tab_a);
    wait_for("tab A's lease dropped", Duration::from_secs(5), || async {
        (leases(&a, &visitor).await == 1).then_some(())
    })
    .await;
    let grace_end = a.clock.now_ms() + GONE_S as i64 * 1000;
    assert!(next_look(&a).await.unwrap() > grace_end);
    for node in [&a, &b] {
        node.advance(Duration::from_secs(GONE_S + 1));
    }
    assert!(cancelled_soon(&a, &visitor).await.is_none());

    // The last tab closes, on node B: after the grace the wait is cancelled.
    drop(tab_b);
    wait_for(
        "the look moves to the grace",
        Duration::from_secs(5),
        || async {
            let limit = b.clock.now_ms() + GONE_S as i64 * 1000;
            next_look(&b).await.filter(|at| *at <= limit)
        },
    )
    .await;
    for node in [&a, &b] {
        node.advance(Duration::from_secs(GONE_S + 1));
    }
    let cancelled = logged_soon(&a, &visitor, "handoff_cancelled").await;
    assert_eq!(cancelled["reason"], "visitor_gone");
}

#[tokio::test]
async fn a_visitor_who_left_during_the_chat_leaves_the_queue_when_the_agent_is_lost() {
    let app = spawn_app_with(|settings| {
        configure(settings);
        settings.sites[0].handoff.disconnect_grace_s = 20;
    })
    .await;
    // Bob, paused, keeps the team open once Ada is gone.
    let mut bob = agent(&app, "bob", "agent").await;
    bob.pause().await;
    let (ada, visitor, _, _) = live_chat(&app).await;
    // The look the request scheduled finds the live chat and ends.
    app.advance(Duration::from_secs(35 + GONE_S + 1));
    wait_for("no look left", Duration::from_secs(5), || async {
        next_look(&app).await.is_none().then_some(())
    })
    .await;

    // Ada's console is lost: after her grace the visitor is back in the queue, with no tab.
    ada.close().await;
    wait_for("Ada's console is lost", Duration::from_secs(5), || async {
        let desk = staffetta::desk::site_desk::read(&app.state, "demo")
            .await
            .unwrap();
        desk.agents()
            .any(|a| a.disconnected_at().is_some())
            .then_some(())
    })
    .await;
    app.advance(Duration::from_secs(21));
    logged_soon(&app, &visitor, "agent_left").await;
    // The visitor was found gone during the chat: no wait for a new agent, no look.
    let cancelled = logged_soon(&app, &visitor, "handoff_cancelled").await;
    assert_eq!(cancelled["reason"], "visitor_gone");
    assert!(next_look(&app).await.is_none());
    let desk = staffetta::desk::site_desk::read(&app.state, "demo")
        .await
        .unwrap();
    assert_eq!(desk.conversations().count(), 0);
}

#[tokio::test]
async fn a_chat_transferred_after_its_visitor_left_is_cancelled_not_offered() {
    let app = spawn(None).await;
    let (mut ada, visitor, _, chat_id) = live_chat(&app).await;
    let mut bob = agent(&app, "bob", "agent").await;
    // The visitor has no tab: the look the request scheduled finds them gone for the grace
    // during the live chat, which goes on (the agent decides).
    app.advance(Duration::from_secs(35 + GONE_S + 1));
    wait_for("no look left", Duration::from_secs(5), || async {
        next_look(&app).await.is_none().then_some(())
    })
    .await;
    assert!(cancelled_soon(&app, &visitor).await.is_none());

    // Ada hands the chat to Bob: nobody is there to wait for him.
    ada.send(json!({"command": "transfer", "conversation": chat_id, "to": {"kind": "agent", "id": bob.id}})).await;
    assert_eq!(
        ada.until("CONNECTIONCLEARED").await["reason"],
        "transferred"
    );
    let cancelled = logged_soon(&app, &visitor, "handoff_cancelled").await;
    assert_eq!(cancelled["by"], "system");
    assert_eq!(cancelled["reason"], "visitor_gone");
    assert!(
        !bob.gets_within("POPUP", Duration::from_millis(300)).await,
        "Bob is not offered a chat whose visitor left"
    );
    let desk = staffetta::desk::site_desk::read(&app.state, "demo")
        .await
        .unwrap();
    let conversation = staffetta_handoff::ConversationId::parse(&chat_id).unwrap();
    assert!(desk.conversation(&conversation).is_none());
    // A visitor who comes back later finds the bot.
    let reply = visitor.pick("profile").await;
    assert!(
        reply["output"]["generic"]
            .to_string()
            .contains("What's your name?")
    );
}

#[tokio::test]
async fn a_visitor_who_came_back_during_the_chat_is_transferred_as_usual() {
    let app = spawn(None).await;
    let (mut ada, visitor, _, chat_id) = live_chat(&app).await;
    let mut bob = agent(&app, "bob", "agent").await;
    app.advance(Duration::from_secs(35 + GONE_S + 1));
    wait_for("no look left", Duration::from_secs(5), || async {
        next_look(&app).await.is_none().then_some(())
    })
    .await;
    let conversation = staffetta_handoff::ConversationId::parse(&chat_id).unwrap();
    let desk = staffetta::desk::site_desk::read(&app.state, "demo")
        .await
        .unwrap();
    assert!(desk.conversation(&conversation).unwrap().is_visitor_gone());
    // The visitor opens the chat again: the desk forgets they were gone.
    let _socket = visitor.socket(None).await;
    wait_for("the visitor is back", Duration::from_secs(5), || async {
        let desk = staffetta::desk::site_desk::read(&app.state, "demo")
            .await
            .unwrap();
        (!desk.conversation(&conversation)?.is_visitor_gone()).then_some(())
    })
    .await;
    ada.send(json!({"command": "transfer", "conversation": chat_id, "to": {"kind": "agent", "id": bob.id}})).await;
    let popup = bob.until("POPUP").await;
    assert_eq!(popup["chat_id"], chat_id.as_str());
    assert!(cancelled_soon(&app, &visitor).await.is_none());
}
