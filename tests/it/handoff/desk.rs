//! The handoff end to end through the real server: a visitor over HTTP, agents over the
//! console websocket, deadlines moved with the manual clock.

use std::time::Duration;

use serde_json::{Value, json};

use super::console::{self, Console, agent, visitor_event, visitor_events};
use super::{spawn_desk, spawn_desk_behind_local_proxy};
use crate::support::TestApp;
use crate::support::visitor::Visitor;

pub(crate) async fn ask_for_human(visitor: &Visitor) -> Value {
    let response = visitor
        .request(reqwest::Method::POST, "/handoff")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

pub(super) async fn leave_handoff(visitor: &Visitor) -> u16 {
    visitor
        .request(reqwest::Method::DELETE, "/handoff")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Ada at her console, online with a visitor who asked for a human: (console, visitor,
/// offer id, chat id).
pub(super) async fn live_chat(app: &TestApp) -> (Console, Visitor, String, String) {
    let mut ada = agent(app, "ada", "agent").await;
    let visitor = app.visitor().await;
    ask_for_human(&visitor).await;
    let offer = ada.offer().await;
    let chat_id = ada.accept(&offer).await;
    (ada, visitor, offer, chat_id)
}

pub(super) fn texts(events: &[Value], from: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["type"] == "message" && e["from"] == from)
        .map(|e| {
            e["output"]["generic"][0]["text"]
                .as_str()
                .or_else(|| e["input"]["text"].as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_dialog_hands_over_the_agent_accepts_they_chat_and_wrap_up_frees_the_agent() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    assert_eq!(ada.until("LOGGEDIN").await["event"], "LOGGEDIN");
    let visitor = app.visitor().await;
    // The dialog's connect_to_agent starts the handoff.
    let answer = visitor.say("talk to a human").await;
    assert!(
        answer["output"]["generic"]
            .to_string()
            .contains("connect_to_agent"),
        "{answer}"
    );
    let offer = ada.offer().await;
    let chat_id = ada.accept(&offer).await;
    assert_eq!(ada.until("JOBSTARTED").await["job_state"], "online");
    assert_eq!(
        visitor_event(&visitor, "agent_joined").await["agent_name"],
        "ada"
    );

    // Agent -> visitor, rendered and named.
    ada.send(json!({"command": "send", "conversation": chat_id, "text": "Hello, I'm **Ada**."}))
        .await;
    let echoed = ada.until("MESSAGE").await;
    assert_eq!(echoed["from"], "agent");
    assert!(
        echoed["html"]
            .as_str()
            .unwrap()
            .contains("<strong>Ada</strong>")
    );
    let events = visitor_events(&visitor, 0).await;
    assert_eq!(texts(&events, "agent"), ["Hello, I'm **Ada**."]);
    assert!(
        events
            .iter()
            .any(|e| e["from"] == "agent" && e["agent_name"] == "ada")
    );

    // Visitor -> agent; the bot stays silent.
    let reply = visitor.say("my order is late").await;
    assert_eq!(reply["output"]["generic"], json!([]));
    let message = ada.until("MESSAGE").await;
    assert_eq!(
        (message["from"].as_str(), message["text"].as_str()),
        (Some("visitor"), Some("my order is late"))
    );
    assert_eq!(message["seq"], reply["seq"]);

    // The transcript has the bot part before the handoff.
    let transcript: Value = console::transcript(&app, &ada.token, &chat_id).await;
    let lines = transcript["messages"].as_array().unwrap();
    assert!(lines[0]["from"] == "bot", "{transcript}");
    assert!(lines.iter().any(|l| l["text"] == "talk to a human"));
    assert!(transcript["handoff_seq"].as_u64().unwrap() > 1);
    assert!(
        transcript["visitor"]["ip"].is_null(),
        "an agent without the permission sees no IP"
    );

    // The agent ends, then wraps up.
    ada.send(json!({"command": "end", "conversation": chat_id}))
        .await;
    assert_eq!(ada.until("CONNECTIONCLEARED").await["reason"], "agent");
    let wrap_up = loop {
        let changed = ada.until("JOBCHANGED").await;
        if changed["job_state"] == "offline" {
            break changed;
        }
    };
    assert!(wrap_up["offlineStartTime"].as_i64().is_some(), "{wrap_up}");
    assert!(
        wrap_up["deadline"].as_i64().is_some(),
        "the wrap-up limit: {wrap_up}"
    );
    assert_eq!(
        visitor_event(&visitor, "conversation_ended").await["by"],
        "agent"
    );
    ada.send(json!({"command": "wrapup_done", "job": offer, "disposition": "solved", "notes": "late parcel"})).await;
    assert_eq!(ada.until("JOBFINISHED").await["reason"], "solved");
    // The ended conversation takes no more messages.
    let refused = visitor
        .send_raw("after-end", json!({"text": "hello?"}))
        .await;
    assert_eq!(refused.code(), "conversation_ended");
}

#[tokio::test]
async fn a_rejected_offer_goes_to_the_next_agent() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    app.advance(Duration::from_secs(1));
    let mut bob = agent(&app, "bob", "agent").await;
    let visitor = app.visitor().await;
    let answer = ask_for_human(&visitor).await;
    assert_eq!(answer["outcome"], "offered", "{answer}");
    // Ada logged in first, so she has been available longest.
    let offer = ada.offer().await;
    ada.send(json!({"command": "reject", "offer": offer})).await;
    assert_eq!(ada.until("JOBFINISHED").await["reason"], "rejected");
    let second = bob.offer().await;
    let chat = bob.accept(&second).await;
    assert_eq!(chat, visitor.started.conversation_id);
}

#[tokio::test]
async fn a_visitor_rejected_by_the_only_agent_is_told_nobody_is_available_and_the_bot_answers() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    let visitor = app.visitor().await;
    assert_eq!(ask_for_human(&visitor).await["outcome"], "offered");
    let offer = ada.offer().await;
    ada.send(json!({"command": "reject", "offer": offer})).await;
    assert_eq!(ada.until("JOBFINISHED").await["reason"], "rejected");
    // Nobody else could ever be offered the chat: the visitor may leave a request instead
    // of waiting for ever at "number 1 in the queue".
    let closed = visitor_event(&visitor, "queue_closed").await;
    assert_eq!(closed["reason"], "nobody_available", "{closed}");
    let reply = visitor.pick("profile").await;
    assert!(
        reply["output"]["generic"]
            .to_string()
            .contains("What's your name?"),
        "the bot has the conversation again: {reply}"
    );
}

#[tokio::test]
async fn offer_times_out_and_agent_is_forced_to_pause() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    let visitor = app.visitor().await;
    ask_for_human(&visitor).await;
    let offer = ada.offer().await;
    app.advance(Duration::from_secs(21));
    assert_eq!(ada.until("FORCED").await["event"], "FORCED");
    assert_eq!(ada.until("JOBFINISHED").await["reason"], "timeout");
    // The late accept is refused; the visitor still waits in the queue.
    ada.send(json!({"command": "accept", "offer": offer})).await;
    assert_eq!(ada.until("ERROR").await["command"], "accept");
    assert_eq!(visitor_event(&visitor, "queue_update").await["position"], 1);
    // Ready again: the conversation is offered again.
    ada.send(json!({"command": "set_state", "state": "ready"}))
        .await;
    let again = ada.offer().await;
    assert_ne!(again, offer);
}

#[tokio::test]
async fn two_agents_accepting_at_once_exactly_one_wins() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    app.advance(Duration::from_secs(1));
    let mut bob = agent(&app, "bob", "agent").await;
    let visitor = app.visitor().await;
    ask_for_human(&visitor).await;
    let offer = ada.offer().await;
    ada.send(json!({"command": "accept", "offer": offer})).await;
    bob.send(json!({"command": "accept", "offer": offer})).await;
    assert_eq!(ada.until("ESTABLISHED").await["id"], offer.as_str());
    let refused = bob.until("ERROR").await;
    assert_eq!(refused["command"], "accept");
    assert!(
        !bob.gets_within("ESTABLISHED", Duration::from_millis(300))
            .await
    );
}

#[tokio::test]
async fn a_transfer_to_another_agent_keeps_the_history() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    let visitor = app.visitor().await;
    visitor.say("hello").await;
    ask_for_human(&visitor).await;
    let offer = ada.offer().await;
    let chat_id = ada.accept(&offer).await;
    ada.send(json!({"command": "send", "conversation": chat_id, "text": "Let me ask Bob."}))
        .await;
    ada.until("MESSAGE").await;
    let mut bob = agent(&app, "bob", "agent").await;
    ada.send(json!({"command": "transfer", "conversation": chat_id, "to": {"kind": "agent", "id": bob.id}})).await;
    assert_eq!(
        ada.until("CONNECTIONCLEARED").await["reason"],
        "transferred"
    );
    let second = bob.offer().await;
    bob.accept(&second).await;
    assert_eq!(
        visitor_event(&visitor, "agent_left").await["agent_name"],
        "ada"
    );
    let transcript: Value = console::transcript(&app, &bob.token, &chat_id).await;
    let texts: Vec<&str> = transcript["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert!(
        texts.contains(&"hello") && texts.contains(&"Let me ask Bob."),
        "{texts:?}"
    );
}

#[tokio::test]
async fn the_wrap_up_limit_finishes_the_job_without_a_disposition() {
    let app = spawn_desk(10).await;
    let (mut ada, _visitor, _, chat_id) = live_chat(&app).await;
    ada.send(json!({"command": "end", "conversation": chat_id}))
        .await;
    ada.until("CONNECTIONCLEARED").await;
    app.advance(Duration::from_secs(121));
    assert_eq!(ada.until("JOBFINISHED").await["reason"], "wrap_up_limit");
}

#[tokio::test]
async fn a_console_reconnects_with_the_refresh_cookie_and_keeps_its_conversations() {
    let app = spawn_desk(10).await;
    let (ada, _visitor, _, chat_id) = live_chat(&app).await;
    let cookie = ada.cookie.clone();
    ada.close().await;
    // The console refreshes without the password and reconnects within the grace period.
    let refreshed: Value = app
        .http
        .post(format!("{}/api/v1/agent/refresh", app.base_url))
        .header("cookie", cookie)
        .header("x-staffetta-csrf", "1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = refreshed["access_token"].as_str().unwrap();
    let mut socket = console::connect(&app, token).await.unwrap();
    let snapshot = loop {
        use futures_util::StreamExt;
        let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let tokio_tungstenite::tungstenite::Message::Text(text) = frame {
            break serde_json::from_str::<Value>(&text).unwrap();
        }
    };
    assert_eq!(snapshot["event"], "SNAPSHOT");
    assert_eq!(snapshot["state"], "ready");
    assert_eq!(snapshot["conversations"][0]["chat_id"], chat_id.as_str());
    assert_eq!(snapshot["conversations"][0]["phase"], "online");
}

#[tokio::test]
async fn a_lost_console_past_the_grace_period_gives_the_conversation_back_to_the_queue() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    let mut bob = agent(&app, "bob", "agent").await;
    bob.pause().await;
    let visitor = app.visitor().await;
    ask_for_human(&visitor).await;
    let offer = ada.offer().await;
    ada.accept(&offer).await;
    ada.close().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    app.advance(Duration::from_secs(61));
    assert_eq!(
        visitor_event(&visitor, "agent_left").await["agent_name"],
        "ada"
    );
    bob.send(json!({"command": "set_state", "state": "ready"}))
        .await;
    bob.offer().await;
}

#[tokio::test]
async fn the_agent_websocket_refuses_a_missing_or_bad_token_before_upgrading() {
    let app = spawn_desk(10).await;
    for token in ["", "not-a-token"] {
        let refused = console::connect(&app, token).await.unwrap_err();
        let tokio_tungstenite::tungstenite::Error::Http(response) = refused else {
            panic!("expected an HTTP refusal, got {refused:?}");
        };
        assert_eq!(response.status(), 401);
    }
}

/// The address of the visitor banned in the test below (forwarded by a trusted local proxy).
const BANNED: &str = "198.51.100.50";

#[tokio::test]
async fn an_operator_with_the_ip_permission_bans_a_visitor_who_then_cannot_start_again() {
    let app = spawn_desk_behind_local_proxy().await;
    let mut boss = agent(&app, "boss", "admin").await;
    let visitor = app.visitor_forwarded_for(BANNED).await;
    ask_for_human(&visitor).await;
    let offer = boss.offer().await;
    let chat_id = boss.accept(&offer).await;
    let mut plain = agent(&app, "plain", "agent").await;
    plain
        .send(json!({"command": "ban_ip", "conversation": chat_id}))
        .await;
    assert_eq!(plain.until("ERROR").await["code"], "forbidden");
    boss.send(json!({"command": "ban_ip", "conversation": chat_id, "expires_s": 3600}))
        .await;
    assert!(boss.until("IP_BANNED").await["until"].as_i64().is_some());
    let refused = app
        .start_session_forwarded(
            "demo",
            &json!({"anonymous_id": "anon-banned-visitor-0001", "locale": "en"}),
            Some(BANNED),
        )
        .await;
    assert_eq!(
        (refused.status.as_u16(), refused.code()),
        (403, "ip_banned")
    );
    app.advance(Duration::from_secs(3601));
    let again = app
        .start_session_forwarded(
            "demo",
            &json!({"anonymous_id": "anon-banned-visitor-0001", "locale": "en"}),
            Some(BANNED),
        )
        .await;
    assert_eq!(again.status, 201, "{:?}", again.body);
}

#[tokio::test]
async fn after_a_restart_on_one_node_agents_get_the_grace_period_to_reconnect() {
    let app = spawn_desk(10).await;
    let (_ada, visitor, _, _) = live_chat(&app).await;
    // What a restarted single node does before it serves: nobody's socket survived.
    staffetta::desk::timer::recover_after_restart(&app.state).await;
    let desk = staffetta::desk::site_desk::read(&app.state, "demo")
        .await
        .unwrap();
    assert!(desk.agents().all(|a| a.disconnected_at().is_some()));
    app.advance(Duration::from_secs(61));
    assert_eq!(
        visitor_event(&visitor, "agent_left").await["agent_name"],
        "ada"
    );
}

#[tokio::test]
async fn logging_out_leaves_the_desk_but_not_while_a_conversation_is_online() {
    let app = spawn_desk(10).await;
    let (mut ada, _visitor, _, chat_id) = live_chat(&app).await;
    let cookie = ada.cookie.clone();
    let logout = || {
        app.http
            .post(format!("{}/api/v1/agent/logout", app.base_url))
            .header("cookie", cookie.clone())
            .header("x-staffetta-csrf", "1")
            .send()
    };
    let refused = logout().await.unwrap();
    assert_eq!(refused.status(), 409);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "conversations_active");
    ada.send(json!({"command": "end", "conversation": chat_id}))
        .await;
    ada.until("CONNECTIONCLEARED").await;
    let done = logout().await.unwrap();
    assert_eq!(done.status(), 204);
    assert_eq!(ada.until("LOGGEDOUT").await["event"], "LOGGEDOUT");
    let desk = staffetta::desk::site_desk::read(&app.state, "demo")
        .await
        .unwrap();
    assert_eq!(desk.agents().count(), 0);
}

#[tokio::test]
async fn consoles_learn_who_joins_the_desk_and_admins_read_any_conversation() {
    let app = spawn_desk(10).await;
    let mut boss = agent(&app, "boss", "admin").await;
    let _bob = agent(&app, "bob", "agent").await;
    let roster = loop {
        let frame = boss.until("AGENTS").await;
        if frame["agents"].as_array().unwrap().len() == 2 {
            break frame;
        }
    };
    assert!(roster.to_string().contains("\"display_name\":\"bob\""));
    let visitor = app.visitor().await;
    visitor.pick("profile").await;
    let transcript = app
        .http
        .get(format!(
            "{}/api/v1/agent/conversations/{}",
            app.base_url, visitor.started.conversation_id
        ))
        .bearer_auth(&boss.token)
        .send()
        .await
        .unwrap();
    assert_eq!(transcript.status(), 200);
    let transcript: Value = transcript.json().await.unwrap();
    assert!(transcript["handoff_seq"].is_null(), "{transcript}");
    assert!(transcript["messages"].as_array().unwrap().len() >= 3);
}
