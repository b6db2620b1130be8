//! An external contact centre through the real server: the site's webhook connector gets
//! the desk's events and the visitor's messages; the contact centre's signed commands log
//! its agent in, accept the offer and answer the visitor.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};
use staffetta::config::WebhookSettings;
use staffetta::connector::{COMMANDS_PATH, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use staffetta::secret::Secret;
use staffetta_handoff::connector::webhook_signature;

use super::console::visitor_event;
use super::desk::ask_for_human;
use super::{ADMIN_TOKEN, add_operator};
use crate::support::{TestApp, spawn_app_with, wait_for};

const SECRET: &str = "external-desk-secret-0123";

type Inbox = Arc<Mutex<Vec<Value>>>;

async fn receive(State(inbox): State<Inbox>, body: axum::body::Bytes) -> StatusCode {
    match serde_json::from_slice::<Value>(&body) {
        Ok(delivery) => {
            inbox.lock().unwrap().push(delivery);
            StatusCode::NO_CONTENT
        }
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

async fn command(app: &TestApp, agent: &str, command: Value) {
    let body = json!({"agent": agent, "command": command});
    let response = post_signed_command(app, SECRET, &body).await;
    assert_eq!(response.status(), 202, "{}", response.text().await.unwrap());
}

/// Posts `body` to the demo site's webhook command endpoint as a contact centre would: signed
/// with `secret` over the test clock's timestamp.
pub(crate) async fn post_signed_command(
    app: &TestApp,
    secret: &str,
    body: &Value,
) -> reqwest::Response {
    let body = serde_json::to_vec(body).unwrap();
    let timestamp = app.clock.now_ms() / 1000;
    app.http
        .post(format!(
            "{}{}",
            app.base_url,
            COMMANDS_PATH.replace("{site}", "demo")
        ))
        .header("content-type", "application/json")
        .header(TIMESTAMP_HEADER, timestamp)
        .header(
            SIGNATURE_HEADER,
            webhook_signature(secret.as_bytes(), timestamp, &body),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn delivered(inbox: &Inbox, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
    wait_for(what, Duration::from_secs(5), || {
        let found = inbox.lock().unwrap().iter().find(|d| matches(d)).cloned();
        async move { found }
    })
    .await
}

#[tokio::test]
async fn an_external_desk_logs_in_accepts_and_chats_through_signed_webhooks() {
    let inbox: Inbox = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver = listener.local_addr().unwrap();
    let hook = Router::new()
        .route("/hook", post(receive))
        .with_state(Arc::clone(&inbox));
    tokio::spawn(async move { axum::serve(listener, hook).await });
    let app = spawn_app_with(|settings| {
        settings.admin.token = Secret::new(ADMIN_TOKEN);
        settings.agent.demo_operators = false;
        settings.sites[0].webhook = Some(WebhookSettings::new(
            format!("http://{receiver}/hook"),
            Secret::new(SECRET),
        ));
    })
    .await;
    add_operator(&app, "ext-ada", "pass-ext-ada", "agent").await;

    command(
        &app,
        "ext-ada",
        json!({"command": "set_state", "state": "ready"}),
    )
    .await;
    delivered(&inbox, "LOGGEDIN", |d| d["item"]["event"] == "LOGGEDIN").await;

    let visitor = app.visitor().await;
    ask_for_human(&visitor).await;
    let popup = delivered(&inbox, "POPUP", |d| d["item"]["event"] == "POPUP").await;
    let offer = popup["item"]["id"].as_str().unwrap().to_owned();
    let chat_id = popup["item"]["chat_id"].as_str().unwrap().to_owned();
    command(
        &app,
        "ext-ada",
        json!({"command": "accept", "offer": offer}),
    )
    .await;
    assert_eq!(
        visitor_event(&visitor, "agent_joined").await["agent_name"],
        "ext-ada"
    );

    visitor.say("where is my parcel?").await;
    let message = delivered(&inbox, "the visitor's message", |d| {
        d["item"]["kind"] == "message" && d["item"]["text"] == "where is my parcel?"
    })
    .await;
    assert_eq!(message["item"]["conversation"], chat_id.as_str());

    command(
        &app,
        "ext-ada",
        json!({"command": "send", "conversation": chat_id, "text": "On its way."}),
    )
    .await;
    let answer = visitor_event(&visitor, "message").await;
    assert!(answer.is_object());
    wait_for("the agent's answer", Duration::from_secs(5), || async {
        let events = super::console::visitor_events(&visitor, 0).await;
        events
            .iter()
            .find(|e| e["from"] == "agent" && e["agent_name"] == "ext-ada")
            .cloned()
    })
    .await;
}
