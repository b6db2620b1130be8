//! An erasure erases the visitor's items from the site's webhook outbox (docs/retention.md),
//! through the real server on sled and on a private Redis: while the contact centre is down,
//! two visitors chat with its agent, so the outbox holds the items of both; one of them is
//! erased; once the contact centre is back it gets every item of the other, in order, and of
//! the erased one only the end of their chat that the erasure caused (CONNECTIONCLEARED and
//! what follows: no visitor data, and the contact centre closes the chat), nothing earlier (no
//! offer, no word they said); the store's outbox holds nothing else of them from the moment
//! the erasure answered. Retention by age does the same when it deletes a conversation whose
//! items still wait (keeping the end of its chat too), reading the outbox once for all the
//! conversations of a pass.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use bytes::Bytes;
use serde_json::{Value, json};
use staffetta::config::WebhookSettings;
use staffetta::connector::outbox_log;
use staffetta::secret::Secret;
use staffetta::store::{Observed, Store, StoreResult, WriteObserver};

use super::{chat_id, erase};
use crate::handoff::desk::ask_for_human;
use crate::handoff::external::post_signed_command;
use crate::handoff::{ADMIN_TOKEN, add_operator};
use crate::support::app::spawn_app_wrapped;
use crate::support::redis_server::private_redis_or_skip;
use crate::support::visitor::Visitor;
use crate::support::{TestApp, wait_for};

const SECRET: &str = "erasure-outbox-secret-0123";

/// The contact centre: answers 503 while down, 204 otherwise; keeps every body it got.
#[derive(Clone, Default)]
pub(super) struct Centre {
    pub(super) attempts: Arc<Mutex<Vec<Value>>>,
    acknowledged: Arc<Mutex<Vec<Value>>>,
    pub(super) down: Arc<AtomicBool>,
}

async fn centre_hook(State(centre): State<Centre>, body: Bytes) -> StatusCode {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    centre.attempts.lock().unwrap().push(body.clone());
    if centre.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    centre.acknowledged.lock().unwrap().push(body);
    StatusCode::NO_CONTENT
}

impl Centre {
    pub(super) async fn start(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let app = Router::new().fallback(centre_hook).with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{address}/hook")
    }

    /// The acknowledged bodies, the first of each delivery id.
    pub(super) fn kept(&self) -> Vec<Value> {
        let mut seen = std::collections::HashSet::new();
        self.acknowledged
            .lock()
            .unwrap()
            .iter()
            .filter(|b| seen.insert(b["delivery"].as_str().unwrap_or_default().to_owned()))
            .cloned()
            .collect()
    }
}

/// A node whose demo site has the webhook `url` (one attempt per round), on sled or on the
/// Redis at `redis`.
pub(super) async fn node(url: String, redis: Option<String>) -> TestApp {
    node_with_retention(url, redis, None).await
}

async fn node_with_retention(
    url: String,
    redis: Option<String>,
    retention_days: Option<u32>,
) -> TestApp {
    node_wrapped(url, redis, retention_days, |store| store).await
}

/// [`node`] with a retention and its store wrapped by `wrap`.
pub(super) async fn node_wrapped(
    url: String,
    redis: Option<String>,
    retention_days: Option<u32>,
    wrap: impl FnOnce(Arc<dyn Store>) -> Arc<dyn Store>,
) -> TestApp {
    let configure = move |settings: &mut staffetta::config::Settings| {
        settings.sites[0].retention_days = retention_days;
        settings.admin.token = Secret::new(ADMIN_TOKEN);
        settings.agent.demo_operators = false;
        let mut webhook = WebhookSettings::new(url, Secret::new(SECRET));
        webhook.max_attempts = 1;
        webhook.backoff_ms = 0;
        webhook.timeout_ms = 2_000;
        settings.sites[0].webhook = Some(webhook);
        if let Some(url) = redis {
            settings.store.url = Some(staffetta::store::RedisUrl::parse(url).unwrap());
        }
    };
    spawn_app_wrapped(configure, wrap).await
}

/// The items stored in the demo site's outbox, as the contact centre would get them.
pub(super) async fn stored_items(app: &TestApp) -> Vec<Value> {
    let entries = app
        .state
        .store
        .read_log(&outbox_log("demo"), 0, 10_000)
        .await
        .unwrap();
    entries
        .iter()
        .map(|entry| serde_json::from_slice(&entry.body).unwrap())
        .collect()
}

/// Waits until the outbox holds an item that `matches`; that item.
pub(super) async fn until_stored(
    app: &TestApp,
    what: &str,
    matches: impl Fn(&Value) -> bool,
) -> Value {
    wait_for(what, Duration::from_secs(10), || async {
        stored_items(app)
            .await
            .into_iter()
            .find(|stored| matches(&stored["item"]))
    })
    .await
}

pub(super) async fn command(app: &TestApp, command: Value) {
    let body = json!({ "agent": "ext-ada", "command": command });
    let response = post_signed_command(app, SECRET, &body).await;
    assert_eq!(response.status(), 202);
}

/// `visitor` asks for a human, ext-ada accepts (the offer is read from the outbox: the
/// contact centre is down), and the visitor says `text`.
pub(super) async fn chat(app: &TestApp, visitor: &Visitor, text: &str) {
    ask_for_human(visitor).await;
    let chat = chat_id(visitor);
    let popup = until_stored(app, "the offer", |item| {
        item["event"] == "POPUP" && item["chat_id"] == chat.as_str()
    })
    .await;
    command(
        app,
        json!({ "command": "accept", "offer": popup["item"]["id"] }),
    )
    .await;
    until_stored(app, "the chat's start", |item| {
        item["event"] == "JOBSTARTED" && item["chat_id"] == chat.as_str()
    })
    .await;
    visitor.say(text).await;
}

/// Whether `body` names the chat `chat` or holds `text` anywhere.
pub(super) fn mentions(body: &Value, chat: &str, text: &str) -> bool {
    let body = body.to_string();
    body.contains(chat) || body.contains(text)
}

/// Whether `body` (a stored entry or a delivery) holds one of the events that end a chat or
/// an offer, which an erasure keeps when it ended the chat itself.
fn is_end_event(body: &Value) -> bool {
    let item = &body["item"];
    item["kind"] == "event"
        && (item["event"] == "CONNECTIONCLEARED"
            || item["event"] == "JOBFINISHED"
            || (item["event"] == "JOBCHANGED" && item["job_state"] == "offline"))
}

/// The end events are all that is left of the erased chat in `bodies`, and they hold
/// nothing but ids, the queue, the reason and times.
pub(super) fn only_the_end_of(bodies: &[Value], chat: &str, secret: &str) -> Vec<String> {
    let of_chat: Vec<&Value> = bodies
        .iter()
        .filter(|body| mentions(body, chat, secret))
        .collect();
    for body in &of_chat {
        assert!(is_end_event(body), "{body}");
        assert!(!body.to_string().contains(secret), "{body}");
        let fields: Vec<&str> = body["item"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for field in fields {
            assert!(
                [
                    "kind",
                    "event",
                    "id",
                    "uuid",
                    "chat_id",
                    "type",
                    "media_type",
                    "job_type",
                    "job_state",
                    "queue",
                    "reason",
                    "isACD",
                    "startTime",
                    "endTime",
                    "offlineStartTime",
                    "offlineEndTime",
                ]
                .contains(&field),
                "{field} in {body}"
            );
        }
    }
    of_chat
        .iter()
        .map(|body| body["item"]["event"].as_str().unwrap().to_owned())
        .collect()
}

async fn an_erased_visitors_pending_outbox_items_never_reach_the_contact_centre(
    redis: Option<String>,
) {
    let centre = Centre::default();
    centre.down.store(true, Ordering::SeqCst);
    let app = node(centre.start().await, redis).await;
    add_operator(&app, "ext-ada", "pass-ext-ada", "agent").await;
    command(&app, json!({ "command": "set_state", "state": "ready" })).await;

    let kept = app.visitor_with(&json!({ "user_id": "keep-me" })).await;
    chat(&app, &kept, "keep one").await;
    let erased = app.visitor_with(&json!({ "user_id": "erase-me" })).await;
    chat(&app, &erased, "my address is 1 Secret Lane").await;
    kept.say("keep two").await;
    until_stored(&app, "the last message", |item| item["text"] == "keep two").await;
    let erased_chat = chat_id(&erased);
    let secret = "Secret Lane";
    assert!(
        stored_items(&app)
            .await
            .iter()
            .any(|stored| mentions(stored, &erased_chat, secret)),
        "the erased visitor's items wait in the outbox"
    );

    let (status, body) = erase(&app, "demo", "u:erase-me").await;
    assert_eq!(status, 200, "{body}");
    let left = stored_items(&app).await;
    let ends = only_the_end_of(&left, &erased_chat, secret);
    assert_eq!(
        ends.first().map(String::as_str),
        Some("CONNECTIONCLEARED"),
        "{left:?}"
    );
    let tried = centre.attempts.lock().unwrap().len();

    centre.down.store(false, Ordering::SeqCst);
    wait_for(
        "the kept visitor's last message and the erased chat's end",
        Duration::from_secs(10),
        || {
            let kept = centre.kept();
            let arrived = kept.iter().any(|b| b["item"]["text"] == "keep two")
                && kept
                    .iter()
                    .filter(|b| mentions(b, &erased_chat, secret))
                    .count()
                    >= ends.len();
            async move { arrived.then_some(()) }
        },
    )
    .await;
    let attempts = centre.attempts.lock().unwrap().clone();
    only_the_end_of(&attempts[tried..], &erased_chat, secret);
    let kept_bodies = centre.kept();
    assert_eq!(
        only_the_end_of(&kept_bodies, &erased_chat, secret),
        ends,
        "the contact centre got the end of the erased chat and nothing else of it"
    );
    let seqs: Vec<u64> = kept_bodies
        .iter()
        .map(|b| b["seq"].as_u64().unwrap())
        .collect();
    assert!(seqs.is_sorted() && !seqs.is_empty(), "{seqs:?}");
    let kept_chat = chat_id(&kept);
    let of_kept: Vec<String> = kept_bodies
        .iter()
        .filter(|b| {
            b["item"]["chat_id"] == kept_chat.as_str()
                || b["item"]["conversation"] == kept_chat.as_str()
        })
        .map(|b| {
            b["item"]["event"]
                .as_str()
                .or(b["item"]["text"].as_str())
                .unwrap()
                .to_owned()
        })
        .collect();
    let position = |name: &str| of_kept.iter().position(|n| n == name).unwrap();
    assert!(position("POPUP") < position("JOBSTARTED"), "{of_kept:?}");
    assert!(position("JOBSTARTED") < position("keep one"), "{of_kept:?}");
    assert!(position("keep one") < position("keep two"), "{of_kept:?}");
    assert_eq!(kept_bodies[0]["item"]["event"], "LOGGEDIN");
}

#[tokio::test]
async fn an_erased_visitors_pending_outbox_items_never_reach_the_contact_centre_on_sled() {
    an_erased_visitors_pending_outbox_items_never_reach_the_contact_centre(None).await;
}

#[tokio::test]
async fn an_erased_visitors_pending_outbox_items_never_reach_the_contact_centre_on_redis() {
    let Some(redis) = private_redis_or_skip("erasure_outbox_on_redis").await else {
        return;
    };
    an_erased_visitors_pending_outbox_items_never_reach_the_contact_centre(Some(redis.url())).await;
}

#[tokio::test]
async fn retention_erases_the_waiting_outbox_items_of_a_conversation_it_deletes_but_its_end() {
    let centre = Centre::default();
    centre.down.store(true, Ordering::SeqCst);
    let app = node_with_retention(centre.start().await, None, Some(1)).await;
    add_operator(&app, "ext-ada", "pass-ext-ada", "agent").await;
    command(&app, json!({ "command": "set_state", "state": "ready" })).await;
    let old = app.visitor().await;
    chat(&app, &old, "an old secret").await;
    assert_eq!(old.end().await.status, 200);
    let old_chat = chat_id(&old);
    until_stored(&app, "the end of the old chat", |item| {
        item["event"] == "CONNECTIONCLEARED" && item["chat_id"] == old_chat.as_str()
    })
    .await;

    app.advance(Duration::from_secs(25 * 3_600));
    app.retention_caught_up().await;
    let log = format!("conversation:{old_chat}");
    assert_eq!(app.state.store.log_head(&log).await.unwrap(), 0, "deleted");
    let left = stored_items(&app).await;
    let ends = only_the_end_of(&left, &old_chat, "old secret");
    assert_eq!(
        ends.first().map(String::as_str),
        Some("CONNECTIONCLEARED"),
        "only the end of the chat is left: {left:?}"
    );
    assert!(
        left.iter()
            .any(|stored| stored["item"]["event"] == "LOGGEDIN"),
        "the agent's own items stay: {left:?}"
    );
}

/// Counts the reads of the demo site's webhook outbox.
#[derive(Clone, Debug, Default)]
struct OutboxReads(Arc<std::sync::atomic::AtomicUsize>);

#[async_trait::async_trait]
impl WriteObserver for OutboxReads {
    async fn before_call(
        &self,
        _inner: &dyn Store,
        call: &'static str,
        name: &str,
    ) -> StoreResult<()> {
        if call == "read_log" && name == outbox_log("demo") {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_retention_pass_that_deletes_several_conversations_reads_the_outbox_once() {
    // No webhook: no delivery loop reads the outbox, so every read counted is the pass's.
    let reads = OutboxReads::default();
    let observer = reads.clone();
    let app = spawn_app_wrapped(
        |settings| settings.sites[0].retention_days = Some(1),
        move |store| Arc::new(Observed::new(store, observer)) as Arc<dyn Store>,
    )
    .await;
    let mut logs = Vec::new();
    for _ in 0..3 {
        let visitor = app.visitor().await;
        assert_eq!(visitor.end().await.status, 200);
        logs.push(format!("conversation:{}", chat_id(&visitor)));
    }
    app.retention_caught_up().await;
    let before = reads.0.load(Ordering::SeqCst);

    app.advance(Duration::from_secs(25 * 3_600));
    app.retention_caught_up().await;
    for log in &logs {
        assert_eq!(app.state.store.log_head(log).await.unwrap(), 0, "deleted");
    }
    assert_eq!(reads.0.load(Ordering::SeqCst) - before, 1);
}
