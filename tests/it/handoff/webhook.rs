//! The webhook connector passes the connector conformance story over real HTTP: a fake
//! external contact centre (axum on 127.0.0.1:0) receives the signed webhooks, checks
//! their signatures, and posts the agent's signed commands to the commands endpoint
//! (`staffetta::connector::router`, also on 127.0.0.1:0).

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

/// The contact centre's receiver, Staffetta's commands endpoint, and the registry.
async fn setup() -> (Arc<Connectors>, ExternalDesk) {
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
    let connectors = Arc::new(Connectors::from_settings(&settings, &Clock::system()).unwrap());
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
    let (connectors, mut desk) = setup().await;
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
    let (_connectors, desk) = setup().await;
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
