//! The webhook contract as a contact centre meets it (docs/connectors.md), through the real
//! server and a fake contact centre on loopback that keeps every delivery:
//!
//! - a command that can be checked when it arrives (an agent who is not an operator, a chat
//!   or an offer the desk does not know, a pause reason the site does not have, an empty
//!   message) is refused at once with a 4xx, `code` and `message`, and nothing is queued;
//! - a command that passed those checks but that the desk refuses when it applies it comes
//!   back as a `command_refused` item carrying the command's `id`;
//! - items name the agent by the login the contact centre uses in its commands, with the
//!   operator id beside it (`agent_id`, and `from.login` of an agent's message);
//! - the conversation before the handoff (the visitor's messages and the bot's answers, the
//!   last 50) comes before the offer, and the offer carries the handoff summary.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use staffetta::config::{Settings, WebhookSettings};
use staffetta::connector::outbox_log;
use staffetta::secret::Secret;
use staffetta::store::{AppendBatch, Observed, Store, StoreResult, WriteObserver};
use tokio::sync::Notify;

use super::console::visitor_event;
use super::desk::ask_for_human;
use super::external::post_signed_command;
use super::{ADMIN_TOKEN, add_operator};
use crate::support::app::spawn_app_wrapped;
use crate::support::{TestApp, wait_for};

const SECRET: &str = "webhook-contract-secret-0123";

/// Every body the fake contact centre received (it answers 204 to each).
#[derive(Clone, Default)]
struct Centre {
    bodies: Arc<Mutex<Vec<Value>>>,
}

async fn keep(State(centre): State<Centre>, body: axum::body::Bytes) -> StatusCode {
    match serde_json::from_slice::<Value>(&body) {
        Ok(delivery) => {
            centre.bodies.lock().unwrap().push(delivery);
            StatusCode::NO_CONTENT
        }
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

impl Centre {
    /// Serves the centre on loopback; the URL of its hook.
    async fn start(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let app = Router::new().fallback(keep).with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{address}/hook")
    }

    fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().unwrap().clone()
    }

    /// The first delivery whose item `matches`, once it came.
    async fn delivered(&self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        wait_for(what, Duration::from_secs(10), || {
            let found = self.bodies().into_iter().find(|d| matches(&d["item"]));
            async move { found }
        })
        .await
    }

    async fn event(&self, name: &str) -> Value {
        self.delivered(name, |item| item["event"] == name).await
    }
}

/// Holds the desk write that stores an `ESTABLISHED` (an accept being applied) while
/// [`Gate::armed`], until [`Gate::open`]: commands queued meanwhile are checked on arrival
/// against the desk before that accept.
#[derive(Debug, Default)]
struct Gate {
    armed: AtomicBool,
    held: Notify,
    opened: Notify,
}

impl Gate {
    fn open(&self) {
        self.opened.notify_one();
    }
}

#[async_trait::async_trait]
impl WriteObserver for Gate {
    async fn before_append(
        &self,
        _inner: &dyn Store,
        log: &str,
        batch: &AppendBatch,
    ) -> StoreResult<()> {
        let accepting = log == outbox_log("demo")
            && batch
                .entries
                .iter()
                .any(|entry| entry.windows(11).any(|w| w == b"ESTABLISHED"));
        if accepting && self.armed.swap(false, Ordering::SeqCst) {
            self.held.notify_one();
            self.opened.notified().await;
        }
        Ok(())
    }
}

/// A node whose demo site hands its chats to `centre`, on a store watched by a [`Gate`],
/// with `ext-ada` as an operator.
async fn node(centre: &Centre) -> (TestApp, Arc<Observed<Gate>>) {
    let url = centre.start().await;
    let gate = Arc::new(Mutex::new(None::<Arc<Observed<Gate>>>));
    let kept = Arc::clone(&gate);
    let app = spawn_app_wrapped(
        move |settings: &mut Settings| {
            settings.admin.token = Secret::new(ADMIN_TOKEN);
            settings.agent.demo_operators = false;
            settings.limits.messages_per_minute = 1_000;
            let mut webhook = WebhookSettings::new(url, Secret::new(SECRET));
            webhook.backoff_ms = 0;
            settings.sites[0].webhook = Some(webhook);
        },
        move |store| {
            let observed = Arc::new(Observed::new(store, Gate::default()));
            *kept.lock().unwrap() = Some(Arc::clone(&observed));
            observed as Arc<dyn Store>
        },
    )
    .await;
    add_operator(&app, "ext-ada", "pass-ext-ada", "agent").await;
    let gate = gate.lock().unwrap().take().expect("the store was wrapped");
    (app, gate)
}

/// Posts a signed command of `agent`; the status and the JSON answer.
async fn command(app: &TestApp, id: &str, agent: &str, command: Value) -> (u16, Value) {
    let body = json!({ "id": id, "agent": agent, "command": command });
    let response = post_signed_command(app, SECRET, &body).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn queued(app: &TestApp, id: &str, agent: &str, what: Value) {
    let (status, answer) = command(app, id, agent, what).await;
    assert_eq!((status, &answer), (202, &json!({ "status": "queued" })));
}

/// Waits until the node applied every command it queued: the next one is checked on the
/// desk as it stands.
async fn settled(app: &TestApp) {
    let connector = app.state.agents.external.connector("demo").unwrap().clone();
    wait_for(
        "the queued commands applied",
        Duration::from_secs(5),
        || {
            let done = connector.unapplied() == 0;
            async move { done.then_some(()) }
        },
    )
    .await;
}

/// `ext-ada` ready and offered a visitor's chat: (visitor, offer id, chat id).
async fn offered(
    app: &TestApp,
    centre: &Centre,
) -> (crate::support::visitor::Visitor, Value, Value) {
    queued(
        app,
        "ready-1",
        "ext-ada",
        json!({"command": "set_state", "state": "ready"}),
    )
    .await;
    centre.event("LOGGEDIN").await;
    let visitor = app.visitor().await;
    ask_for_human(&visitor).await;
    let popup = centre.event("POPUP").await;
    (
        visitor,
        popup["item"]["id"].clone(),
        popup["item"]["chat_id"].clone(),
    )
}

#[tokio::test]
async fn commands_that_can_be_checked_on_arrival_are_refused_at_once_and_not_queued() {
    let centre = Centre::default();
    let (app, _gate) = node(&centre).await;
    let ready = json!({"command": "set_state", "state": "ready"});
    let (status, answer) = command(&app, "ghost-1", "ghost", ready.clone()).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (422, Some("unknown_agent")),
        "{answer}"
    );
    assert!(!answer["error"]["message"].as_str().unwrap().is_empty());

    queued(&app, "ready-1", "ext-ada", ready).await;
    centre.event("LOGGEDIN").await;
    settled(&app).await;
    let refused = [
        (
            json!({"command": "send", "conversation": "c-nobody", "text": "Hello?"}),
            422,
            "unknown_conversation",
        ),
        (
            json!({"command": "end", "conversation": "c-nobody"}),
            422,
            "unknown_conversation",
        ),
        (
            json!({"command": "accept", "offer": "999"}),
            422,
            "unknown_offer",
        ),
        (
            json!({"command": "set_state", "state": "pause", "reason": 4242}),
            422,
            "unknown_pause_reason",
        ),
        (
            json!({"command": "wrapup_done", "job": "999", "disposition": "solved"}),
            422,
            "unknown_job",
        ),
    ];
    for (index, (what, expected_status, expected_code)) in refused.into_iter().enumerate() {
        let (status, answer) =
            command(&app, &format!("bad-{index}"), "ext-ada", what.clone()).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (expected_status, Some(expected_code)),
            "{what}: {answer}"
        );
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{what}: {answer}");
    }
    // A refused id was not remembered: the same id, fixed, is a new command.
    let pause = json!({"command": "set_state", "state": "pause", "reason": 1701});
    queued(&app, "bad-3", "ext-ada", pause).await;
    centre.event("PAUSE").await;
    let refusals: Vec<Value> = centre
        .bodies()
        .into_iter()
        .filter(|d| d["item"]["kind"] == "command_refused")
        .collect();
    assert!(
        refusals.is_empty(),
        "nothing refused at once was queued: {refusals:?}"
    );
}

#[tokio::test]
async fn a_queued_command_the_desk_refuses_later_comes_back_as_a_command_refused_item() {
    let centre = Centre::default();
    let (app, gate) = node(&centre).await;
    let (_visitor, offer, _chat) = offered(&app, &centre).await;
    // The accept is held in its desk write: the reject that follows is checked against the
    // desk where the offer is still pending, queued, and refused once the accept landed.
    gate.observer().armed.store(true, Ordering::SeqCst);
    queued(
        &app,
        "accept-1",
        "ext-ada",
        json!({"command": "accept", "offer": offer}),
    )
    .await;
    tokio::time::timeout(Duration::from_secs(10), gate.observer().held.notified())
        .await
        .expect("the accept reached its desk write");
    queued(
        &app,
        "reject-1",
        "ext-ada",
        json!({"command": "reject", "offer": offer}),
    )
    .await;
    gate.observer().open();
    let refused = centre
        .delivered("the refusal", |item| item["kind"] == "command_refused")
        .await;
    assert_eq!(refused["agent"], "ext-ada", "{refused}");
    let item = &refused["item"];
    assert_eq!(item["id"], "reject-1", "{item}");
    assert_eq!(item["command"], "reject", "{item}");
    assert_eq!(item["code"], "already_taken", "{item}");
    assert!(
        !item["message"].as_str().unwrap_or_default().is_empty(),
        "{item}"
    );
    let started = centre.event("JOBSTARTED").await;
    assert!(
        started["seq"].as_u64() < refused["seq"].as_u64(),
        "the refusal follows what the accept did"
    );
}

#[tokio::test]
async fn a_command_posted_right_behind_the_one_that_makes_it_valid_is_queued_and_applied() {
    let centre = Centre::default();
    let (app, gate) = node(&centre).await;
    let (visitor, offer, chat) = offered(&app, &centre).await;
    // The accept is held in its desk write: the chat is not Ada's yet when the greeting
    // arrives, but it will be when the greeting is applied, right after the accept.
    gate.observer().armed.store(true, Ordering::SeqCst);
    queued(
        &app,
        "accept-1",
        "ext-ada",
        json!({"command": "accept", "offer": offer}),
    )
    .await;
    tokio::time::timeout(Duration::from_secs(10), gate.observer().held.notified())
        .await
        .expect("the accept reached its desk write");
    let greet = json!({"command": "send", "conversation": chat, "text": "Hi, I am Ada."});
    queued(&app, "greet-1", "ext-ada", greet).await;
    gate.observer().open();
    centre
        .delivered("the greeting", |item| item["text"] == "Hi, I am Ada.")
        .await;
    wait_for(
        "the greeting at the visitor",
        Duration::from_secs(5),
        || async {
            let events = super::console::visitor_events(&visitor, 0).await;
            events
                .iter()
                .find(|e| e["from"] == "agent" && e.to_string().contains("Hi, I am Ada."))
                .cloned()
        },
    )
    .await;
    assert!(
        !centre
            .bodies()
            .iter()
            .any(|d| d["item"]["kind"] == "command_refused"),
        "nothing was refused"
    );
}

#[tokio::test]
async fn items_name_the_agent_by_login_with_the_operator_id_beside_it() {
    let centre = Centre::default();
    let (app, _gate) = node(&centre).await;
    let (visitor, offer, chat) = offered(&app, &centre).await;
    let logged_in = centre.event("LOGGEDIN").await;
    assert_eq!(logged_in["agent"], "ext-ada", "{logged_in}");
    let id = logged_in["agent_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(id.starts_with("op-"), "{logged_in}");
    // The id names the same agent: commands may use it.
    queued(
        &app,
        "accept-1",
        &id,
        json!({"command": "accept", "offer": offer}),
    )
    .await;
    visitor_event(&visitor, "agent_joined").await;
    let send = json!({"command": "send", "conversation": chat, "text": "Hello from Ada."});
    queued(&app, "send-1", "ext-ada", send).await;
    let echoed = centre
        .delivered("the agent's message", |item| {
            item["text"] == "Hello from Ada."
        })
        .await;
    assert_eq!(echoed["agent"], "ext-ada");
    assert_eq!(echoed["agent_id"], id.as_str());
    assert_eq!(
        echoed["item"]["from"],
        json!({"kind": "agent", "id": id, "login": "ext-ada"})
    );
    for body in centre.bodies() {
        assert_eq!(body["agent"], "ext-ada", "{body}");
        assert_eq!(body["agent_id"], id.as_str(), "{body}");
    }
}

/// The messages of `popup`'s chat delivered before it (its transcript), in seq order.
fn transcript_of(centre: &Centre, popup: &Value) -> Vec<Value> {
    let mut before: Vec<Value> = centre
        .bodies()
        .into_iter()
        .filter(|d| d["seq"].as_u64() < popup["seq"].as_u64())
        .filter(|d| {
            d["item"]["kind"] == "message" && d["item"]["conversation"] == popup["item"]["chat_id"]
        })
        .collect();
    before.sort_by_key(|d| d["seq"].as_u64());
    before
}

#[tokio::test]
async fn the_conversation_before_the_handoff_comes_before_the_offer_with_its_summary() {
    let centre = Centre::default();
    let (app, _gate) = node(&centre).await;
    queued(
        &app,
        "ready-1",
        "ext-ada",
        json!({"command": "set_state", "state": "ready"}),
    )
    .await;
    centre.event("LOGGEDIN").await;

    let visitor = app.visitor().await;
    visitor.say("Where is my parcel?").await;
    ask_for_human(&visitor).await;
    let popup = centre.event("POPUP").await;
    assert_eq!(
        popup["item"]["chat_id"],
        visitor.started.conversation_id.as_str()
    );
    let summary = popup["item"]["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("Visitor: Where is my parcel?"), "{popup}");
    let transcript = transcript_of(&centre, &popup);
    let lines: Vec<(String, &str)> = transcript
        .iter()
        .map(|d| {
            assert_eq!(d["agent"], "ext-ada");
            assert_eq!(d["item"]["transcript"], true, "{d}");
            let from = d["item"]["from"]["kind"].as_str().unwrap().to_owned();
            (from, d["item"]["text"].as_str().unwrap())
        })
        .collect();
    let asked = lines
        .iter()
        .position(|(from, text)| from == "visitor" && *text == "Where is my parcel?")
        .unwrap_or_else(|| panic!("the visitor's message is in the transcript: {lines:?}"));
    assert!(
        lines[asked + 1..].iter().any(|(from, _)| from == "bot"),
        "the bot's answer follows it: {lines:?}"
    );
    let scheduled = centre.event("JOBSCHEDULED").await;
    assert!(
        scheduled["seq"].as_u64() < transcript[0]["seq"].as_u64(),
        "after the chat was scheduled, before its offer"
    );
}

#[tokio::test]
async fn the_transcript_sent_with_an_offer_is_the_last_50_messages_in_order() {
    let centre = Centre::default();
    let (app, _gate) = node(&centre).await;
    queued(
        &app,
        "ready-1",
        "ext-ada",
        json!({"command": "set_state", "state": "ready"}),
    )
    .await;
    centre.event("LOGGEDIN").await;
    let visitor = app.visitor().await;
    for n in 1..=60 {
        visitor.say(&format!("m{n}")).await;
    }
    ask_for_human(&visitor).await;
    let popup = centre.event("POPUP").await;
    let transcript = transcript_of(&centre, &popup);
    assert_eq!(
        transcript.len(),
        50,
        "the last 50 messages before the handoff"
    );
    let visitor_lines: Vec<u32> = transcript
        .iter()
        .filter(|d| d["item"]["from"] == json!({"kind": "visitor"}))
        .map(|d| {
            let text = d["item"]["text"].as_str().unwrap();
            text.trim_start_matches('m').parse().unwrap()
        })
        .collect();
    assert_eq!(visitor_lines.last(), Some(&60));
    assert!(!visitor_lines.contains(&1), "older messages are left out");
    assert!(
        visitor_lines.windows(2).all(|w| w[0] + 1 == w[1]),
        "in order: {visitor_lines:?}"
    );
}
