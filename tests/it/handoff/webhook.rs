//! The webhook connector passes the connector conformance story over real HTTP: a fake
//! external contact centre (axum on 127.0.0.1:0) receives the signed webhooks, checks
//! their signatures, and posts the agent's signed commands to the commands endpoint
//! (`staffetta::connector::router`, also on 127.0.0.1:0).
//!
//! The durable outbox through the real server (`outbox` below): events survive a restart
//! between the desk change and the acknowledgement, a receiver that fails then recovers
//! gets every event once in order, and two nodes on one Redis deliver each event once and
//! apply a repeated command once.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use bytes::Bytes;
use serde::Deserialize;
use staffetta::config::{Settings, WebhookSettings};
use staffetta::connector::{COMMANDS_PATH, Connectors, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use staffetta::secret::Secret;
use staffetta::store::Clock;
use staffetta_handoff::AgentId;
use staffetta_handoff::connector::conformance::{self, RemoteDesk};
use staffetta_handoff::connector::{
    BoxFuture, ConnectorError, Inbound, Outbound, verify_webhook_signature, webhook_signature,
};
use tokio::net::TcpListener;

const SECRET: &str = "conformance-webhook-secret";

/// A delivery as the contact centre reads it.
#[derive(Deserialize)]
struct Delivery {
    delivery: String,
    site: String,
    agent: AgentId,
    item: Outbound,
}

/// What the fake contact centre's receiver saw.
#[derive(Clone, Default)]
struct Inbox {
    items: Arc<Mutex<Vec<(AgentId, Outbound)>>>,
    deliveries: Arc<Mutex<Vec<String>>>,
    bad_requests: Arc<Mutex<Vec<String>>>,
}

fn now() -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(Clock::system().now_ms()).expect("clock in range")
}

/// The contact centre's webhook receiver: verifies, records, answers 204.
async fn hook(State(inbox): State<Inbox>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let verified = match (header(TIMESTAMP_HEADER), header(SIGNATURE_HEADER)) {
        (Some(timestamp), Some(signature)) => timestamp.parse().is_ok_and(|timestamp| {
            verify_webhook_signature(SECRET.as_bytes(), timestamp, &body, signature, now(), 300)
                .is_ok()
        }),
        _ => false,
    };
    if !verified {
        inbox.bad_requests.lock().unwrap().push("signature".into());
        return StatusCode::UNAUTHORIZED;
    }
    match serde_json::from_slice::<Delivery>(&body) {
        Ok(delivery) if delivery.site == "demo" => {
            inbox.deliveries.lock().unwrap().push(delivery.delivery);
            inbox
                .items
                .lock()
                .unwrap()
                .push((delivery.agent, delivery.item));
            StatusCode::NO_CONTENT
        }
        other => {
            let why = other.err().map_or("site".into(), |e| e.to_string());
            inbox.bad_requests.lock().unwrap().push(why);
            StatusCode::BAD_REQUEST
        }
    }
}

/// The fake external contact centre: its receiver's inbox and a client for commands.
struct ExternalDesk {
    http: reqwest::Client,
    commands_url: String,
    inbox: Inbox,
    read: usize,
}

impl RemoteDesk for ExternalDesk {
    fn send<'a>(&'a mut self, inbound: &'a Inbound) -> BoxFuture<'a, Result<(), ConnectorError>> {
        Box::pin(async move {
            let body =
                serde_json::to_vec(inbound).map_err(|e| ConnectorError::Protocol(e.to_string()))?;
            let timestamp = Clock::system().now_ms() / 1_000;
            let signature = webhook_signature(SECRET.as_bytes(), timestamp, &body);
            let response = self
                .http
                .post(&self.commands_url)
                .header("content-type", "application/json")
                .header(TIMESTAMP_HEADER, timestamp)
                .header(SIGNATURE_HEADER, signature)
                .body(body)
                .send()
                .await
                .map_err(|e| ConnectorError::Unreachable(e.to_string()))?;
            let status = response.status();
            let answer = response.text().await.unwrap_or_default();
            if status != StatusCode::ACCEPTED || !answer.contains("queued") {
                return Err(ConnectorError::Refused(format!("{status}: {answer}")));
            }
            Ok(())
        })
    }

    fn received(&mut self) -> BoxFuture<'_, Result<Vec<(AgentId, Outbound)>, ConnectorError>> {
        let items = self.inbox.items.lock().unwrap();
        let fresh = items[self.read..].to_vec();
        self.read = items.len();
        Box::pin(std::future::ready(Ok(fresh)))
    }
}

async fn serve(app: Router) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

/// The contact centre's receiver, Staffetta's commands endpoint, and the registry (on a
/// sled store in `dir`).
async fn setup(dir: &tempfile::TempDir) -> (Arc<Connectors>, ExternalDesk) {
    let inbox = Inbox::default();
    let receiver = serve(
        Router::new()
            .route("/hook", post(hook))
            .with_state(inbox.clone()),
    )
    .await;
    let mut settings = Settings::default();
    settings.sites[0].webhook = Some(WebhookSettings::new(
        format!("http://{receiver}/hook"),
        Secret::new(SECRET),
    ));
    let store: Arc<dyn staffetta::store::Store> = Arc::new(
        staffetta::store::SledStore::open(&dir.path().join("store"), Clock::system())
            .await
            .unwrap(),
    );
    let connectors =
        Arc::new(Connectors::from_settings(&settings, &Clock::system(), &store).unwrap());
    let staffetta = serve(staffetta::connector::router(Arc::clone(&connectors))).await;
    let desk = ExternalDesk {
        http: reqwest::Client::new(),
        commands_url: format!(
            "http://{staffetta}{}",
            COMMANDS_PATH.replace("{site}", "demo")
        ),
        inbox,
        read: 0,
    };
    (connectors, desk)
}

#[tokio::test]
async fn the_webhook_connector_passes_the_conformance_story_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let (connectors, mut desk) = setup(&dir).await;
    let connector = connectors.get("demo").expect("the demo site has a webhook");
    let report = conformance::handoff_story(&*connector, &mut desk)
        .await
        .unwrap();
    assert!(desk.inbox.bad_requests.lock().unwrap().is_empty());
    let deliveries = desk.inbox.deliveries.lock().unwrap().clone();
    assert_eq!(deliveries.len(), report.received.len());
    let mut unique = deliveries.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        deliveries.len(),
        "each delivery has its own id"
    );
    let wrap_up = report.record.wrap_up.expect("the story submits a wrap-up");
    assert_eq!(wrap_up.disposition().as_str(), "solved");
}

#[tokio::test]
async fn the_commands_endpoint_refuses_what_the_story_never_sends() {
    let dir = tempfile::tempdir().unwrap();
    let (_connectors, desk) = setup(&dir).await;
    let body = br#"{"agent":"story-agent","command":{"command":"logout"}}"#.to_vec();
    let unsigned = desk
        .http
        .post(&desk.commands_url)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    let answer: serde_json::Value = unsigned.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "bad_signature");
    let old = Clock::system().now_ms() / 1_000 - 3_600;
    let stale = desk
        .http
        .post(&desk.commands_url)
        .header(TIMESTAMP_HEADER, old)
        .header(
            SIGNATURE_HEADER,
            webhook_signature(SECRET.as_bytes(), old, &body),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
    let answer: serde_json::Value = stale.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "stale_signature");
}

mod outbox {
    //! The webhook outbox through the real server, with a contact centre that dedupes by
    //! delivery id as the contract asks.

    use std::path::PathBuf;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use axum::Router;
    use axum::extract::State;
    use axum::http::StatusCode;
    use bytes::Bytes;
    use serde_json::{Value, json};
    use staffetta::config::{Settings, WebhookSettings};
    use staffetta::secret::Secret;

    use super::{SECRET, serve};
    use crate::handoff::console::visitor_events;
    use crate::handoff::desk::ask_for_human;
    use crate::handoff::external::post_signed_command;
    use crate::handoff::{ADMIN_TOKEN, add_operator};
    use crate::support::redis_server::private_redis_or_skip;
    use crate::support::{TestApp, spawn_app_with, wait_for};

    /// A contact centre: answers 503 while `failing` or for the first `fail_first`
    /// requests, 204 otherwise; keeps every body it got and the ones it acknowledged.
    #[derive(Clone, Default)]
    struct Centre {
        attempts: Arc<Mutex<Vec<Value>>>,
        acknowledged: Arc<Mutex<Vec<Value>>>,
        failing: Arc<AtomicBool>,
        fail_first: Arc<AtomicUsize>,
    }

    async fn centre_hook(State(centre): State<Centre>, body: Bytes) -> StatusCode {
        let Ok(body) = serde_json::from_slice::<Value>(&body) else {
            return StatusCode::BAD_REQUEST;
        };
        centre.attempts.lock().unwrap().push(body.clone());
        let scripted = centre
            .fail_first
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if scripted || centre.failing.load(Ordering::SeqCst) {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        centre.acknowledged.lock().unwrap().push(body);
        StatusCode::NO_CONTENT
    }

    impl Centre {
        /// Serves the centre; the URL of its hook.
        async fn start(&self) -> String {
            let app = Router::new().fallback(centre_hook).with_state(self.clone());
            format!("http://{}/hook", serve(app).await)
        }

        /// What the centre keeps: acknowledged bodies, the first of each delivery id.
        fn kept(&self) -> Vec<Value> {
            let mut seen = std::collections::HashSet::new();
            self.acknowledged
                .lock()
                .unwrap()
                .iter()
                .filter(|b| seen.insert(b["delivery"].as_str().unwrap_or_default().to_owned()))
                .cloned()
                .collect()
        }

        /// The names of the kept events (`message` for a message), in order.
        fn kept_names(&self) -> Vec<String> {
            self.kept()
                .iter()
                .map(|b| {
                    b["item"]["event"]
                        .as_str()
                        .or(b["item"]["kind"].as_str())
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect()
        }

        async fn until_kept(&self, name: &str) {
            wait_for(name, Duration::from_secs(10), || {
                let found = self.kept_names().iter().any(|n| n == name);
                async move { found.then_some(()) }
            })
            .await;
        }

        /// Every kept event carries the next seq: once each, in order, none missing.
        fn assert_once_in_order(&self) -> Vec<Value> {
            let kept = self.kept();
            let seqs: Vec<u64> = kept.iter().map(|b| b["seq"].as_u64().unwrap()).collect();
            let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
            assert_eq!(seqs, expected, "{:?}", self.kept_names());
            kept
        }
    }

    /// A node whose demo site sends its webhooks to `url`: one attempt per round (or
    /// `attempts`), no backoff; sled under `store` or the Redis at `redis`.
    async fn node(
        url: &str,
        attempts: u32,
        store: Option<PathBuf>,
        redis: Option<String>,
    ) -> TestApp {
        let url = url.to_owned();
        spawn_app_with(move |settings: &mut Settings| {
            settings.admin.token = Secret::new(ADMIN_TOKEN);
            settings.agent.demo_operators = false;
            let mut webhook = WebhookSettings::new(url, Secret::new(SECRET));
            webhook.max_attempts = attempts;
            webhook.backoff_ms = 0;
            webhook.timeout_ms = 2_000;
            settings.sites[0].webhook = Some(webhook);
            if let Some(path) = store {
                settings.store.path = path;
            }
            if let Some(url) = redis {
                settings.store.url = Some(staffetta::store::RedisUrl::parse(url).unwrap());
            }
        })
        .await
    }

    /// Posts a signed command of `agent` (with `id` when given); the answer's status.
    async fn command(app: &TestApp, id: Option<&str>, agent: &str, command: Value) -> String {
        let mut body = json!({ "agent": agent, "command": command });
        if let Some(id) = id {
            body["id"] = json!(id);
        }
        let response = post_signed_command(app, SECRET, &body).await;
        assert_eq!(response.status(), 202);
        let answer: Value = response.json().await.unwrap();
        answer["status"].as_str().unwrap().to_owned()
    }

    #[tokio::test]
    async fn events_survive_a_restart_between_the_desk_change_and_the_acknowledgement() {
        let centre = Centre::default();
        centre.failing.store(true, Ordering::SeqCst);
        let url = centre.start().await;
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        let app = node(&url, 1, Some(store.clone()), None).await;
        add_operator(&app, "ext-ada", "pass-ext-ada", "agent").await;
        let ready = json!({ "command": "set_state", "state": "ready" });
        assert_eq!(command(&app, None, "ext-ada", ready).await, "queued");
        // The centre saw LOGGEDIN but answered 503: not acknowledged when the node stops.
        let tried = wait_for("a first attempt", Duration::from_secs(10), || {
            let attempts = centre.attempts.lock().unwrap().clone();
            let found = attempts
                .into_iter()
                .find(|b| b["item"]["event"] == "LOGGEDIN");
            async move { found }
        })
        .await;
        app.stop().await.unwrap();
        assert!(centre.kept().is_empty());

        centre.failing.store(false, Ordering::SeqCst);
        let again = node(&url, 1, Some(store), None).await;
        centre.until_kept("LOGGEDIN").await;
        let kept = centre.assert_once_in_order();
        let logged_in = kept
            .iter()
            .find(|b| b["item"]["event"] == "LOGGEDIN")
            .unwrap();
        assert_eq!(
            logged_in["delivery"], tried["delivery"],
            "the same id after the restart"
        );
        assert_eq!(logged_in["seq"], tried["seq"]);
        drop(again);
    }

    #[tokio::test]
    async fn a_receiver_that_fails_then_recovers_gets_every_event_once_in_order() {
        let centre = Centre::default();
        // Two failed rounds of two attempts, then the third round goes through.
        centre.fail_first.store(4, Ordering::SeqCst);
        let url = centre.start().await;
        let app = node(&url, 2, None, None).await;
        add_operator(&app, "ext-ada", "pass-ext-ada", "agent").await;
        let ready = json!({ "command": "set_state", "state": "ready" });
        assert_eq!(command(&app, None, "ext-ada", ready).await, "queued");
        let visitor = app.visitor().await;
        ask_for_human(&visitor).await;
        centre.until_kept("POPUP").await;
        centre.assert_once_in_order();
        let names = centre.kept_names();
        let position = |name: &str| names.iter().position(|n| n == name).unwrap();
        assert!(position("LOGGEDIN") < position("JOBSCHEDULED"), "{names:?}");
        assert!(position("JOBSCHEDULED") < position("POPUP"), "{names:?}");
        let attempts = centre.attempts.lock().unwrap().clone();
        assert!(
            attempts[..5].iter().all(|b| b["seq"] == 1),
            "seq 1 waited for the receiver"
        );
    }

    #[tokio::test]
    async fn two_nodes_on_one_redis_deliver_each_event_once_and_apply_a_repeated_command_once() {
        let Some(redis) = private_redis_or_skip("webhook_outbox_two_nodes").await else {
            return;
        };
        let centre = Centre::default();
        let url = centre.start().await;
        let a = node(&url, 3, None, Some(redis.url())).await;
        let b = node(&url, 3, None, Some(redis.url())).await;
        add_operator(&a, "ext-ada", "pass-ext-ada", "agent").await;

        let ready = json!({ "command": "set_state", "state": "ready" });
        assert_eq!(
            command(&b, Some("ready-1"), "ext-ada", ready.clone()).await,
            "queued"
        );
        assert_eq!(
            command(&a, Some("ready-1"), "ext-ada", ready).await,
            "duplicate"
        );
        centre.until_kept("LOGGEDIN").await;

        let visitor = a.visitor().await;
        ask_for_human(&visitor).await;
        centre.until_kept("POPUP").await;
        let popup = centre
            .kept()
            .into_iter()
            .find(|b| b["item"]["event"] == "POPUP")
            .unwrap();
        let accept = json!({ "command": "accept", "offer": popup["item"]["id"] });
        assert_eq!(
            command(&b, Some("accept-1"), "ext-ada", accept.clone()).await,
            "queued"
        );
        assert_eq!(
            command(&a, Some("accept-1"), "ext-ada", accept).await,
            "duplicate"
        );
        centre.until_kept("JOBSTARTED").await;

        let chat = popup["item"]["chat_id"].clone();
        let send = json!({ "command": "send", "conversation": chat, "text": "Said once." });
        assert_eq!(
            command(&a, Some("send-1"), "ext-ada", send.clone()).await,
            "queued"
        );
        assert_eq!(
            command(&b, Some("send-1"), "ext-ada", send).await,
            "duplicate"
        );
        let said = async || {
            visitor_events(&visitor, 0)
                .await
                .into_iter()
                .filter(|e| e["from"] == "agent" && e.to_string().contains("Said once."))
                .count()
        };
        wait_for("the agent's message", Duration::from_secs(5), || async {
            (said().await > 0).then_some(())
        })
        .await;
        // What the visitor says next reaches the centre after the agent's message.
        visitor.say("and then?").await;
        wait_for("the visitor's answer", Duration::from_secs(10), || {
            let found = centre
                .kept()
                .iter()
                .any(|b| b["item"]["text"] == "and then?");
            async move { found.then_some(()) }
        })
        .await;
        assert_eq!(said().await, 1, "the repeated send was applied once");

        centre.assert_once_in_order();
        let attempts = centre.attempts.lock().unwrap().len();
        assert_eq!(attempts, centre.kept().len(), "no event was sent twice");
    }
}
