//! Deliveries of the webhook connector against a loopback receiver: body and signature,
//! retries of transient failures, bounded attempts, refusals, timeouts, closing. The
//! receiver is shared with the outbox tests (`delivery_tests.rs`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use serde_json::{Value, json};
use staffetta_handoff::AgentId;
use staffetta_handoff::connector::{
    Author, ChatMessage, Connector, ConnectorError, Outbound, verify_webhook_signature,
};
use tokio::net::TcpListener;

use super::{SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookConnector};
use crate::config::WebhookSettings;
use crate::secret::Secret;
use crate::store::ManualClock;

pub(super) const SECRET: &str = "delivery-test-secret";
pub(super) const NOW_MS: i64 = 1_800_000_000_000;

/// What the receiver answers, in order (then 204), and what it got.
#[derive(Clone, Default)]
pub(super) struct Receiver {
    script: Arc<Mutex<VecDeque<StatusCode>>>,
    got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    delay: Option<Duration>,
    /// While set, every request is answered 503 (after the script).
    pub(super) failing: Arc<std::sync::atomic::AtomicBool>,
    /// When set, each request waits for a permit before it is answered.
    pub(super) held: Option<Arc<tokio::sync::Semaphore>>,
    /// How many requests were answered.
    pub(super) answered: Arc<std::sync::atomic::AtomicUsize>,
}

impl Receiver {
    pub(super) fn answering(statuses: &[u16]) -> Self {
        let script = statuses
            .iter()
            .map(|s| StatusCode::from_u16(*s).unwrap())
            .collect();
        Self {
            script: Arc::new(Mutex::new(script)),
            ..Self::default()
        }
    }

    /// A receiver that answers each request only once it gets a permit from `held`.
    pub(super) fn held(held: &Arc<tokio::sync::Semaphore>) -> Self {
        Self {
            held: Some(Arc::clone(held)),
            ..Self::default()
        }
    }

    pub(super) fn requests(&self) -> Vec<(HeaderMap, Bytes)> {
        self.got.lock().unwrap().clone()
    }
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    receiver.got.lock().unwrap().push((headers, body));
    if let Some(delay) = receiver.delay {
        tokio::time::sleep(delay).await;
    }
    if let Some(held) = &receiver.held {
        held.acquire().await.expect("never closed").forget();
    }
    receiver
        .answered
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let next = receiver.script.lock().unwrap().pop_front();
    let failing = receiver
        .failing
        .load(std::sync::atomic::Ordering::SeqCst)
        .then_some(StatusCode::SERVICE_UNAVAILABLE);
    next.or(failing).unwrap_or(StatusCode::NO_CONTENT)
}

/// Serves `receiver` on 127.0.0.1:0; the URL of its hook.
pub(super) async fn serve(receiver: Receiver) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    // Any path: the receiver is not part of the server's routes (which the OpenAPI
    // coverage test reads from `.route(` calls in src/).
    let app = Router::new().fallback(receive).with_state(receiver);
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}/hook")
}

/// A connector for `url` on a fresh sled store (kept in the returned folder).
async fn connector(
    url: &str,
    max_attempts: u32,
    timeout_ms: u64,
) -> (WebhookConnector, tempfile::TempDir) {
    let mut settings = WebhookSettings::new(url, Secret::new(SECRET));
    settings.max_attempts = max_attempts;
    settings.timeout_ms = timeout_ms;
    settings.backoff_ms = 0;
    let clock = ManualClock::new(NOW_MS).clock();
    let dir = tempfile::tempdir().unwrap();
    let store = crate::store::SledStore::open(&dir.path().join("store"), clock.clone())
        .await
        .unwrap();
    let connector = WebhookConnector::new("demo", &settings, clock, Arc::new(store)).unwrap();
    (connector, dir)
}

pub(super) fn agent() -> AgentId {
    AgentId::parse("ada").unwrap()
}

fn message() -> Outbound {
    Outbound::Message(ChatMessage {
        conversation: staffetta_handoff::ConversationId::parse("c1").unwrap(),
        from: Author::Visitor,
        text: "Hello".into(),
        at: jiff::Timestamp::from_second(1_800_000_000).unwrap(),
    })
}

pub(super) fn verify(headers: &HeaderMap, body: &[u8]) {
    verify_at(headers, body, NOW_MS);
}

/// Checks the signature headers of a request signed when the clock read `now_ms`.
pub(super) fn verify_at(headers: &HeaderMap, body: &[u8], now_ms: i64) {
    let timestamp: i64 = headers[TIMESTAMP_HEADER].to_str().unwrap().parse().unwrap();
    assert_eq!(timestamp, now_ms / 1_000);
    let signature = headers[SIGNATURE_HEADER].to_str().unwrap();
    let now = jiff::Timestamp::from_millisecond(now_ms).unwrap();
    verify_webhook_signature(SECRET.as_bytes(), timestamp, body, signature, now, 0).unwrap();
}

#[tokio::test]
async fn a_delivery_posts_the_signed_envelope_once() {
    let receiver = Receiver::default();
    let (webhook, _dir) = connector(&serve(receiver.clone()).await, 3, 5_000).await;
    webhook.deliver(&agent(), &message()).await.unwrap();
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    let (headers, body) = &requests[0];
    assert_eq!(headers["content-type"], "application/json");
    verify(headers, body);
    let envelope: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(envelope["site"], "demo");
    assert_eq!(envelope["agent"], "ada");
    assert_eq!(envelope["delivery"].as_str().unwrap().len(), 36);
    assert_eq!(envelope["item"], serde_json::to_value(message()).unwrap());
    assert_eq!(envelope["item"]["kind"], json!("message"));
    let item: Outbound = serde_json::from_value(envelope["item"].clone()).unwrap();
    assert_eq!(item, message());
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_same_delivery_a_third_time() {
    let receiver = Receiver::answering(&[503, 500]);
    let (webhook, _dir) = connector(&serve(receiver.clone()).await, 3, 5_000).await;
    webhook.deliver(&agent(), &message()).await.unwrap();
    let requests = receiver.requests();
    assert_eq!(requests.len(), 3);
    for (headers, body) in &requests {
        verify(headers, body);
        assert_eq!(body, &requests[0].1, "one delivery id across retries");
    }
}

#[tokio::test]
async fn attempts_are_bounded_and_the_last_failure_is_reported() {
    let receiver = Receiver::answering(&[500, 502, 503, 504, 500]);
    let (webhook, _dir) = connector(&serve(receiver.clone()).await, 3, 5_000).await;
    let err = webhook.deliver(&agent(), &message()).await.unwrap_err();
    assert_eq!(
        err,
        ConnectorError::Unreachable("HTTP 503 Service Unavailable (after 3 attempts)".into())
    );
    assert_eq!(receiver.requests().len(), 3);
}

#[tokio::test]
async fn rate_limits_are_retried() {
    let receiver = Receiver::answering(&[429]);
    let (webhook, _dir) = connector(&serve(receiver.clone()).await, 2, 5_000).await;
    webhook.deliver(&agent(), &message()).await.unwrap();
    assert_eq!(receiver.requests().len(), 2);
}

#[tokio::test]
async fn a_client_error_is_a_refusal_and_is_not_retried() {
    for status in [400, 401, 404, 302] {
        let receiver = Receiver::answering(&[status]);
        let (webhook, _dir) = connector(&serve(receiver.clone()).await, 3, 5_000).await;
        let err = webhook.deliver(&agent(), &message()).await.unwrap_err();
        assert!(
            matches!(&err, ConnectorError::Refused(why) if why.starts_with(&format!("HTTP {status}"))),
            "{err:?}"
        );
        assert_eq!(receiver.requests().len(), 1, "{status}");
    }
}

#[tokio::test]
async fn an_unreachable_receiver_fails_after_every_attempt_without_naming_the_url() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let url = format!("http://user:pass@{address}/hook?token=t0k3n");
    let (webhook, _dir) = connector(&url, 2, 1_000).await;
    let err = webhook.deliver(&agent(), &message()).await.unwrap_err();
    let ConnectorError::Unreachable(why) = &err else {
        panic!("expected unreachable, got {err:?}");
    };
    assert!(why.starts_with("connection failed"), "{why}");
    assert!(why.ends_with("(after 2 attempts)"), "{why}");
    for leak in ["t0k3n", "user:pass", "/hook", SECRET] {
        assert!(!why.contains(leak), "{why} names {leak}");
        assert!(!format!("{webhook:?}").contains(leak), "{webhook:?}");
    }
}

#[tokio::test]
async fn a_receiver_slower_than_the_timeout_counts_as_a_failed_attempt() {
    let receiver = Receiver {
        delay: Some(Duration::from_secs(30)),
        ..Receiver::default()
    };
    let (webhook, _dir) = connector(&serve(receiver.clone()).await, 1, 100).await;
    let err = webhook.deliver(&agent(), &message()).await.unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Unreachable(why) if why.starts_with("timed out")),
        "{err:?}"
    );
    assert_eq!(receiver.requests().len(), 1);
}

#[tokio::test]
async fn a_closed_connector_delivers_nothing_and_yields_no_more_commands() {
    let receiver = Receiver::default();
    let (webhook, _dir) = connector(&serve(receiver.clone()).await, 3, 5_000).await;
    webhook.close();
    assert_eq!(
        webhook.deliver(&agent(), &message()).await,
        Err(ConnectorError::Closed)
    );
    assert_eq!(webhook.next_command().await, Ok(None));
    assert!(receiver.requests().is_empty());
}
