//! Two real nodes on one private Redis: what one node writes wakes the visitor tabs and the
//! agent consoles connected to the other (the cluster fan-out over Redis pub/sub), also
//! after Redis cut the subscriptions.

use std::time::Duration;

use serde_json::json;
use staffetta_widget::protocol::{Event, EventKind, Sender, ServerFrame};

use crate::handoff::console::{self, Console};
use crate::handoff::{ADMIN_TOKEN, add_operator};
use crate::support::redis_server::{RedisServer, private_redis_or_skip};
use crate::support::visitor::{Socket, Visitor};
use crate::support::{TestApp, spawn_app_with};

/// Two nodes sharing `redis`, with the admin API on and no demo operators.
pub(crate) async fn two_nodes(redis: &RedisServer) -> (TestApp, TestApp) {
    let node = || {
        let url = redis.url();
        spawn_app_with(move |settings| {
            settings.store.url = Some(staffetta::store::RedisUrl::parse(url).unwrap());
            settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
            settings.agent.demo_operators = false;
        })
    };
    let a = node().await;
    let b = node().await;
    assert!(a.state.bus.fanout().is_enabled());
    assert_ne!(a.state.bus.fanout().node(), b.state.bus.fanout().node());
    (a, b)
}

/// The same visitor session, talked to through another node.
fn through(node: &TestApp, visitor: &Visitor) -> Visitor {
    Visitor {
        base_url: node.base_url.clone(),
        http: node.http.clone(),
        started: visitor.started.clone(),
    }
}

/// The next typing event on `socket` (acks and persisted events skipped).
async fn next_typing(socket: &mut Socket) -> bool {
    loop {
        if let ServerFrame::Event {
            event:
                Event {
                    kind: EventKind::Typing { typing, .. },
                    ..
                },
        } = socket.next().await
        {
            return typing;
        }
    }
}

/// Sends typing `true` and waits for its echo: the socket's task is subscribed to the
/// conversation from then on.
async fn wait_until_listening(socket: &mut Socket) {
    socket
        .send(json!({ "type": "typing", "typing": true }))
        .await;
    assert!(next_typing(socket).await);
}

#[tokio::test]
async fn a_tab_on_one_node_sees_the_turn_and_the_typing_of_a_tab_on_the_other() {
    let Some(redis) = private_redis_or_skip("cluster_visitor_tabs").await else {
        return;
    };
    let (a, b) = two_nodes(&redis).await;
    let visitor_on_a = a.visitor().await;
    let visitor_on_b = through(&b, &visitor_on_a);
    let mut tab_a = visitor_on_a.socket(Some(1)).await;
    wait_until_listening(&mut tab_a).await;
    let mut tab_b = visitor_on_b.socket(Some(1)).await;
    wait_until_listening(&mut tab_b).await;

    // Typing on node B reaches the tab on node A (an ephemeral event, not in the log): the
    // `true` tab B just sent, then a `false`.
    assert!(next_typing(&mut tab_a).await);
    tab_b
        .send(json!({ "type": "typing", "typing": false }))
        .await;
    assert!(!next_typing(&mut tab_a).await);

    // A message handled by node B: its turn reaches the tab on node A, in seq order.
    let answer = visitor_on_b.pick("profile").await;
    assert_eq!(answer["seq"], 2);
    let events = tab_a.events_until(3).await;
    let from: Vec<_> = events
        .iter()
        .map(|e| match &e.kind {
            EventKind::Message { from, .. } => (e.seq, Some(*from)),
            _ => (e.seq, None),
        })
        .collect();
    assert_eq!(
        from,
        [
            (Some(2), Some(Sender::Visitor)),
            (Some(3), Some(Sender::Bot))
        ]
    );
    assert!(b.state.bus.fanout().stats().published > 0);
    assert!(a.state.bus.fanout().stats().delivered > 0);
    assert_eq!(a.state.bus.fanout().stats().malformed, 0);
}

#[tokio::test]
async fn a_console_on_one_node_gets_the_popup_for_a_handoff_asked_on_the_other() {
    let Some(redis) = private_redis_or_skip("cluster_console_popup").await else {
        return;
    };
    let (a, b) = two_nodes(&redis).await;
    add_operator(&a, "ada", "pass-ada", "agent").await;
    let mut ada: Console = console::open(&a, "ada").await;
    assert_eq!(ada.until("LOGGEDIN").await["event"], "LOGGEDIN");

    // The visitor talks to node B only.
    let visitor = b.visitor().await;
    let mut tab_b = visitor.socket(Some(1)).await;
    wait_until_listening(&mut tab_b).await;
    crate::handoff::desk::ask_for_human(&visitor).await;

    // The desk on node B offers the chat to Ada, whose console is on node A.
    let offer = ada.offer().await;
    let chat_id = ada.accept(&offer).await;

    // Ada's message, handled by node A, reaches the visitor's tab on node B.
    ada.send(json!({"command": "send", "conversation": chat_id, "text": "Hello from A"}))
        .await;
    let said = loop {
        if let ServerFrame::Event { event } = tab_b.next().await
            && let EventKind::Message {
                from: Sender::Agent,
                output,
                ..
            } = event.kind
        {
            break serde_json::to_value(output).unwrap();
        }
    };
    assert_eq!(said["generic"][0]["text"], "Hello from A", "{said}");
    assert!(a.state.agents.connections.is_connected("demo", &ada.id));
    assert!(!b.state.agents.connections.is_connected("demo", &ada.id));
}

#[tokio::test]
async fn after_redis_cuts_the_subscription_a_tab_still_gets_the_turn_written_on_the_other_node() {
    let Some(redis) = private_redis_or_skip("cluster_resubscribe").await else {
        return;
    };
    let (a, b) = two_nodes(&redis).await;
    let visitor_on_a = a.visitor().await;
    let mut tab_a = visitor_on_a.socket(Some(1)).await;
    wait_until_listening(&mut tab_a).await;

    // Redis drops both nodes' subscriptions; node B writes at once, before node A can be
    // subscribed again. Node A resubscribes and wakes its tabs, which re-read the log.
    cut_subscriptions(&redis).await;
    through(&b, &visitor_on_a).pick("profile").await;
    let seqs: Vec<_> = tab_a.events_until(3).await.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [Some(2), Some(3)]);
}

/// Makes Redis drop both nodes' subscriptions.
async fn cut_subscriptions(redis: &RedisServer) {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut admin = client.get_multiplexed_async_connection().await.unwrap();
    let killed: i64 = redis::cmd("CLIENT")
        .arg(&["KILL", "TYPE", "pubsub"])
        .query_async(&mut admin)
        .await
        .unwrap();
    assert_eq!(killed, 2);
}

#[tokio::test]
async fn after_redis_cuts_the_subscription_a_console_gets_a_fresh_snapshot_with_what_it_missed() {
    let Some(redis) = private_redis_or_skip("cluster_console_resync").await else {
        return;
    };
    let (a, b) = two_nodes(&redis).await;
    add_operator(&a, "ada", "pass-ada", "agent").await;
    let mut ada: Console = console::open(&a, "ada").await;
    ada.until("SNAPSHOT").await;
    let visitor = b.visitor().await;
    crate::handoff::desk::ask_for_human(&visitor).await;
    let offer = ada.offer().await;
    let chat = ada.accept(&offer).await;

    // The visitor leaves through node B at once: the CONNECTIONCLEARED it publishes for Ada
    // is lost if node A is not subscribed again yet. Once it is, Ada's console is sent its
    // state afresh, with the chat in after-chat work.
    cut_subscriptions(&redis).await;
    assert_eq!(visitor.end().await.status, 200);
    let snapshot = ada.until("SNAPSHOT").await;
    let conversations = snapshot["conversations"].as_array().unwrap();
    assert!(
        conversations
            .iter()
            .any(|c| c["chat_id"] == chat.as_str() && c["phase"] == "wrap_up"),
        "{snapshot}"
    );
}

#[tokio::test]
async fn closing_a_console_on_one_node_keeps_the_agent_who_has_one_on_the_other() {
    let Some(redis) = private_redis_or_skip("cluster_agent_presence").await else {
        return;
    };
    let (a, b) = two_nodes(&redis).await;
    add_operator(&a, "ada", "pass-ada", "agent").await;
    let on_a: Console = console::open(&a, "ada").await;
    let on_b: Console = console::open(&b, "ada").await;
    let id = on_a.id.clone();
    on_a.close().await;
    crate::support::wait_for(
        "node A to see the socket close",
        Duration::from_secs(5),
        || {
            let gone = !a.state.agents.connections.is_connected("demo", &id);
            async move { gone.then_some(()) }
        },
    )
    .await;
    let desk = staffetta::desk::site_desk::read(&a.state, "demo")
        .await
        .unwrap();
    let ada = staffetta_handoff::AgentId::parse(&id).unwrap();
    assert_eq!(
        desk.agent(&ada).unwrap().disconnected_at(),
        None,
        "the console on node B is still open"
    );
    on_b.close().await;
    crate::support::wait_for(
        "the grace period to start",
        Duration::from_secs(5),
        || async {
            let desk = staffetta::desk::site_desk::read(&b.state, "demo")
                .await
                .ok()?;
            desk.agent(&ada)?.disconnected_at().map(|_| ())
        },
    )
    .await;
}

/// Opens a websocket of `visitor` on `node` without waiting for the loop; the HTTP refusal
/// status, if any.
async fn try_socket(node: &TestApp, visitor: &Visitor) -> Result<Socket, u16> {
    let url = format!(
        "{}/api/v1/sites/demo/sessions/{}/ws",
        node.base_url.replacen("http://", "ws://", 1),
        visitor.id()
    );
    match Socket::connect_as(&url, crate::support::visitor::ORIGIN, visitor.token()).await {
        Ok(socket) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(other) => panic!("websocket failed: {other:?}"),
    }
}

#[tokio::test]
async fn the_websocket_limit_per_address_holds_across_nodes() {
    let Some(redis) = private_redis_or_skip("cluster_websocket_limit").await else {
        return;
    };
    let node = || {
        let url = redis.url();
        spawn_app_with(move |settings| {
            settings.store.url = Some(staffetta::store::RedisUrl::parse(url).unwrap());
            settings.limits.max_websockets_per_ip = 2;
        })
    };
    let (a, b) = (node().await, node().await);
    let visitor = a.visitor().await;
    let _on_a = visitor.socket(None).await;
    let on_b = through(&b, &visitor).socket(None).await;
    // Each node holds one socket of this address: a third is refused on either node.
    assert_eq!(try_socket(&a, &visitor).await.err(), Some(429));
    assert_eq!(try_socket(&b, &visitor).await.err(), Some(429));

    // Closing the socket on B frees its slot for a socket on A.
    drop(on_b);
    crate::support::wait_for(
        "the closed socket's slot",
        Duration::from_secs(5),
        || async { try_socket(&a, &visitor).await.ok() },
    )
    .await;
}
