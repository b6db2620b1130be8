//! Security catalogue: what only agents see (after-chat notes, other agents,
//! agent ids, tokens, bans, the dialog's note for the agent) never reaches the visitor over
//! the websocket, long-poll or HTTP answers; and texts operators configure are shown
//! literally, never evaluated as templates.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::console::{self, agent, visitor_event, visitor_events};
use super::desk::{ask_for_human, texts};
use super::security_support::{claims_of, console_on, desk_settings};
use super::{spawn_desk, spawn_desk_behind_local_proxy};
use crate::support::visitor::{ORIGIN, Visitor, ws_request};
use crate::support::{spawn_app_with, wait_for};

/// Every text frame the visitor's websocket receives, collected in the background.
struct Captured {
    frames: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Captured {
    async fn open(visitor: &Visitor) -> Self {
        let request = ws_request(&visitor.ws_url("?after=0"), ORIGIN, visitor.token());
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let frames: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = Arc::clone(&frames);
        let task = tokio::spawn(async move {
            while let Some(Ok(message)) = socket.next().await {
                if let Message::Text(text) = message {
                    sink.lock().unwrap().push(text.to_string());
                }
            }
        });
        Self { frames, task }
    }

    fn text(&self) -> String {
        self.frames.lock().unwrap().join("\n")
    }
}

impl Drop for Captured {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test]
async fn nothing_only_agents_see_reaches_the_visitor_on_any_transport() {
    // Behind a trusted local proxy, so that the visitor has an address a ban may hit.
    let app = spawn_desk_behind_local_proxy().await;
    let mut ada = agent(&app, "ada", "agent").await;
    let mut boss = agent(&app, "boss", "admin").await;
    boss.pause().await;
    let visitor = app.visitor_forwarded_for("198.51.100.51").await;
    let socket = Captured::open(&visitor).await;
    let mut answers = vec![visitor.say("hello there").await.to_string()];
    answers.push(ask_for_human(&visitor).await.to_string());
    let offer = ada.offer().await;
    let chat = ada.accept(&offer).await;
    ada.send(json!({"command": "send", "conversation": chat, "text": "Hi, Ada here."}))
        .await;
    answers.push(visitor.say("thanks").await.to_string());
    ada.send(json!({"command": "end", "conversation": chat}))
        .await;
    ada.until("CONNECTIONCLEARED").await;
    ada.send(
        json!({"command": "wrapup_done", "job": offer, "disposition": "solved",
        "notes": "INTERNAL-NOTE-7f3a rude customer"}),
    )
    .await;
    ada.until("JOBFINISHED").await;
    boss.send(json!({"command": "ban_ip", "conversation": chat, "expires_s": 60}))
        .await;
    boss.until("IP_BANNED").await;
    visitor_event(&visitor, "conversation_ended").await;
    wait_for(
        "the visitor's socket to hear the end",
        Duration::from_secs(5),
        || async { socket.text().contains("conversation_ended").then_some(()) },
    )
    .await;
    let polled = visitor.events(0, 0).await.body.to_string();
    let claims = claims_of(&app, &ada.token);
    let secrets = [
        "INTERNAL-NOTE-7f3a",
        ada.id.as_str(),
        boss.id.as_str(),
        ada.token.as_str(),
        ada.cookie.trim_start_matches("staffetta_refresh="),
        claims.fam.as_str(),
        "boss",
        "IP_BANNED",
        "disposition",
        "can_see_ip",
    ];
    let transports = [
        ("websocket", socket.text()),
        ("long-poll", polled),
        ("HTTP answers", answers.join("\n")),
    ];
    for (transport, seen) in &transports[..2] {
        assert!(
            seen.contains("Hi, Ada here."),
            "{transport} saw the chat: {seen}"
        );
    }
    for (transport, seen) in &transports {
        for secret in secrets {
            assert!(
                !seen.contains(secret),
                "{transport} carries agent-only `{secret}`: {seen}"
            );
        }
    }
}

#[tokio::test]
async fn the_dialogs_note_for_the_agent_never_reaches_the_visitor() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    let visitor = app.visitor().await;
    let socket = Captured::open(&visitor).await;
    let answer = visitor.say("talk to a human").await.to_string();
    ada.offer().await;
    wait_for("the turn on the socket", Duration::from_secs(5), || async {
        socket.text().contains("connect_to_agent").then_some(())
    })
    .await;
    let polled = visitor.events(0, 0).await.body.to_string();
    // The fixture dialog's note: "The visitor {name} asked for a person."
    for (transport, seen) in [
        ("HTTP answer", answer),
        ("long-poll", polled),
        ("websocket", socket.text()),
    ] {
        assert!(
            !seen.contains("asked for a person"),
            "{transport} carries message_to_agent: {seen}"
        );
    }
}

const TEMPLATES: &str = "{{7*7}} ${7*7} {name} #{7*7} {{constructor.constructor('alert(1)')()}}";
/// For labels of at most 64 characters.
const SHORT_TEMPLATES: &str = "{{7*7}} ${7*7} {name} #{7*7}";

/// Markdown may turn `*7*` into emphasis, but nothing is evaluated or substituted.
fn literal_in_html(html: &Value) {
    let html = html.as_str().unwrap();
    for kept in [
        "{name}",
        "${7",
        "#{7",
        "constructor.constructor(",
        "alert(1)",
    ] {
        assert!(html.contains(kept), "{kept} in {html}");
    }
    assert!(!html.contains("49"), "{html}");
}

#[tokio::test]
async fn template_like_texts_from_operators_are_shown_literally() {
    let app = spawn_app_with(|settings| {
        desk_settings(settings);
        let site = &mut settings.sites[0];
        site.home_screen.greeting = [("en".to_owned(), TEMPLATES.to_owned())].into();
        site.launcher.greeting = [("en".to_owned(), TEMPLATES.to_owned())].into();
        site.handoff.pause_reasons[0].label = SHORT_TEMPLATES.to_owned();
        site.resources[0].name = SHORT_TEMPLATES.to_owned();
    })
    .await;
    let config: Value = app
        .http
        .get(format!(
            "{}/api/v1/sites/demo/config?locale=en",
            app.base_url
        ))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["launcher"]["greeting"], TEMPLATES);
    assert_eq!(config["home_screen"]["greeting"], TEMPLATES);
    literal_in_html(&config["home_screen"]["greeting_html"]);

    let mut ada = console_on(&app, "demo", "ada", "agent").await;
    let snapshot = ada.until("SNAPSHOT").await;
    assert_eq!(snapshot["pause_reasons"][0]["label"], SHORT_TEMPLATES);
    assert_eq!(snapshot["resources"][0]["name"], SHORT_TEMPLATES);
    let visitor = app.visitor().await;
    ask_for_human(&visitor).await;
    let offer = ada.offer().await;
    let chat = ada.accept(&offer).await;
    ada.send(json!({"command": "send", "conversation": chat, "text": TEMPLATES}))
        .await;
    let echoed = ada.until("MESSAGE").await;
    assert_eq!(echoed["text"], TEMPLATES);
    let events = visitor_events(&visitor, 0).await;
    assert_eq!(texts(&events, "agent"), [TEMPLATES]);
    let message = events.iter().find(|e| e["from"] == "agent").unwrap();
    literal_in_html(&message["output"]["generic"][0]["html"]);
    let transcript = console::transcript(&app, &ada.token, &chat).await;
    assert!(transcript.to_string().contains("{{7*7}} ${7*7} {name}"));
}

#[tokio::test]
async fn a_template_like_operator_name_is_refused_or_shown_literally() {
    let app = spawn_app_with(desk_settings).await;
    let created = app
        .http
        .post(format!(
            "{}/api/v1/admin/sites/demo/operators",
            app.base_url
        ))
        .bearer_auth(super::ADMIN_TOKEN)
        .json(&json!({"login": "ada", "password": "pass-ada", "display_name": "{{7*7}} ${7*7}"}))
        .send()
        .await
        .unwrap();
    if created.status() == 400 {
        return;
    }
    assert_eq!(created.status(), 201);
    let mut ada = super::console::open(&app, "ada").await;
    let visitor = app.visitor().await;
    ask_for_human(&visitor).await;
    let offer = ada.offer().await;
    ada.accept(&offer).await;
    assert_eq!(
        visitor_event(&visitor, "agent_joined").await["agent_name"],
        "{{7*7}} ${7*7}"
    );
}
