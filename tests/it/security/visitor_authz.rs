//! A-01, A-07 and K-03: a visitor reaches only their own conversation (a session id is bound
//! to one site and opens nothing without its session token, which never travels in a URL),
//! and a conversation that ended takes nothing more on any transport.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::raw_ws::{RawSocket, TEXT};
use super::support::{add_copy_of_first_site, call};
use crate::support::visitor::{ORIGIN, Socket, Visitor};
use crate::support::{TestApp, spawn_app, spawn_app_with};

/// A node with two sites, `demo` and `shop`, sharing the dialog and the allowed origins.
async fn spawn_two_sites() -> TestApp {
    spawn_app_with(|settings| add_copy_of_first_site(settings, "shop")).await
}

/// Status and body of `method` on `/api/v1/sites/{site}/sessions/{session}{tail}`.
async fn on_session(
    app: &TestApp,
    method: Method,
    site: &str,
    session: &str,
    tail: &str,
) -> (StatusCode, Value) {
    let body = match tail {
        "/message" => Some(json!({ "client_message_id": "m-1", "input": { "text": "hi" } })),
        "/identity" => Some(json!({ "identity_token": "a.b.c" })),
        _ => None,
    };
    let path = format!("/api/v1/sites/{site}/sessions/{session}{tail}");
    let answer = call(app, method, &path, body.as_ref()).await;
    (answer.status, answer.body)
}

const SESSION_ROUTES: [(Method, &str); 7] = [
    (Method::POST, "/message"),
    (Method::GET, "/events?after=0&wait=0"),
    (Method::DELETE, ""),
    (Method::POST, "/continue"),
    (Method::PUT, "/identity"),
    (Method::POST, "/handoff"),
    (Method::DELETE, "/handoff"),
];

#[tokio::test]
async fn a_session_used_through_another_site_answers_exactly_like_a_missing_one() {
    let app = spawn_two_sites().await;
    let visitor = app.visitor().await;
    let missing = "0".repeat(32);
    for (method, tail) in SESSION_ROUTES {
        let foreign = on_session(&app, method.clone(), "shop", visitor.id(), tail).await;
        let absent = on_session(&app, method.clone(), "shop", &missing, tail).await;
        assert_eq!(
            foreign.0,
            StatusCode::NOT_FOUND,
            "{method} {tail}: {:?}",
            foreign.1
        );
        assert_eq!(foreign, absent, "{method} {tail}");
    }
    let url = format!(
        "{}/api/v1/sites/shop/sessions/{}/ws",
        app.base_url.replacen("http://", "ws://", 1),
        visitor.id()
    );
    match Socket::connect(&url, ORIGIN).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 404);
        }
        other => panic!("expected a 404 before the upgrade, got {other:?}"),
    }
    // None of it touched the session on its own site.
    let events = visitor.events(0, 0).await;
    assert_eq!(events.body["next_after"], 1);
    assert!(visitor.say("still here").await["seq"].as_u64().is_some());
}

/// The texts of every visitor and bot line in `events`.
fn lines(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| {
            e["input"]["text"]
                .as_str()
                .or_else(|| e["output"]["generic"][0]["text"].as_str())
                .map(str::to_owned)
        })
        .collect()
}

#[tokio::test]
async fn a_socket_and_a_poll_carry_only_their_own_conversation() {
    let app = spawn_app().await;
    let alice = app.visitor().await;
    let bob = app.visitor().await;
    let mut alice_socket = RawSocket::connect(&app, &alice).await;
    let poll = {
        let alice = &alice;
        async move { alice.events(1, 3).await }
    };
    let bob_talks = async {
        let mut bob_socket = RawSocket::connect(&app, &bob).await;
        assert!(
            bob_socket
                .send_frame(true, TEXT, br#"{"type":"typing","typing":true}"#)
                .await
        );
        bob.pick("profile").await;
        bob.say("bob's secret order 4711").await;
        // A resume frame names no conversation: it replays the socket's own.
        assert!(
            bob_socket
                .send_frame(true, TEXT, br#"{"type":"resume","after":0}"#)
                .await
        );
        alice.pick("profile").await;
        alice.say("alice's question").await
    };
    let (polled, _) = tokio::join!(poll, bob_talks);
    let polled = polled.body["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        lines(&polled).iter().all(|l| !l.contains("bob")),
        "{polled:?}"
    );
    // Everything Alice's socket was sent before her pong is hers.
    assert!(
        alice_socket
            .send_frame(true, TEXT, br#"{"type":"resume","after":0}"#)
            .await
    );
    assert!(
        alice_socket
            .send_frame(true, TEXT, br#"{"type":"ping"}"#)
            .await
    );
    let mut seen = Vec::new();
    loop {
        let frame = alice_socket.next_json().await;
        if frame["type"] == "pong" {
            break;
        }
        seen.push(frame["event"].clone());
    }
    let texts = lines(&seen);
    assert!(texts.iter().any(|t| t == "alice's question"), "{texts:?}");
    assert!(texts.iter().all(|t| !t.contains("bob")), "{texts:?}");
    assert!(
        seen.iter().all(|e| e["type"] != "typing"),
        "Bob's typing reached Alice: {seen:?}"
    );
}

#[tokio::test]
async fn ending_ones_own_conversation_leaves_every_other_conversation_open() {
    let app = spawn_app().await;
    let alice = app.visitor().await;
    let bob = app.visitor().await;
    assert_eq!(alice.end().await.status, 200);
    // Alice's session cannot end Bob's through his conversation id either.
    let (status, _) = on_session(
        &app,
        Method::DELETE,
        "demo",
        &bob.started.conversation_id,
        "",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(bob.say("still open?").await["seq"].as_u64().is_some());
    let bob_events = bob.events(0, 0).await.body["events"].clone();
    assert!(
        bob_events
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["type"] != "conversation_ended"),
        "{bob_events}"
    );
}

fn restore_state(site: &str, public: &Value) -> String {
    use base64::Engine as _;
    let envelope = json!({ "v": 1, "site": site, "public": public });
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(envelope.to_string())
}

#[tokio::test]
async fn a_restore_state_restores_only_this_sites_declared_public_variables() {
    let app = spawn_two_sites().await;
    let start = |site: &'static str, state: String| {
        let app = &app;
        async move {
            app.start_session_raw(
                site,
                &json!({ "anonymous_id": "anon-0123456789abcdef", "restore": state }),
            )
            .await
        }
    };
    let demo_state = restore_state("demo", &json!({ "name": "Ada" }));
    let other_site = start("shop", demo_state.clone()).await;
    assert_eq!(
        (other_site.status.as_u16(), other_site.code()),
        (400, "invalid_restore_state")
    );
    let forged = restore_state(
        "demo",
        &json!({
            "name": "Ada",
            "secret_code": "forged",
            "undeclared": true,
        }),
    );
    let restored = start("demo", forged).await;
    assert_eq!(restored.status, 201, "{:?}", restored.body);
    assert_eq!(restored.body["context"], json!({ "name": "Ada" }));
    let wrong_type = start(
        "demo",
        restore_state("demo", &json!({ "name": { "$ne": null } })),
    )
    .await;
    assert_eq!(wrong_type.status, 201, "{:?}", wrong_type.body);
    assert_eq!(wrong_type.body["context"], json!({}));
}

// --- A-07: after the end ---

/// The conversation's log head.
async fn head(visitor: &Visitor) -> u64 {
    visitor.events(0, 0).await.body["next_after"]
        .as_u64()
        .unwrap()
}

async fn assert_nothing_more_is_taken(app: &TestApp, visitor: &Visitor) {
    let before = head(visitor).await;
    let http = visitor
        .send_raw("late-http", json!({ "text": "hello?" }))
        .await;
    assert_eq!(
        (http.status.as_u16(), http.code()),
        (409, "conversation_ended")
    );
    let mut socket = RawSocket::connect(app, visitor).await;
    let frame = json!({
        "type": "message", "client_message_id": "late-ws", "input": { "text": "hello?" },
    });
    assert!(
        socket
            .send_frame(true, TEXT, frame.to_string().as_bytes())
            .await
    );
    let error = loop {
        let frame = socket.next_json().await;
        if frame["type"] == "error" {
            break frame;
        }
    };
    assert_eq!(error["code"], "conversation_ended", "{error}");
    assert_eq!(error["client_message_id"], "late-ws");
    for tail in ["/handoff", "/continue"] {
        let answer = visitor.request(Method::POST, tail).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::CONFLICT, "{tail}");
        let body: Value = answer.json().await.unwrap();
        assert_eq!(
            body["error"]["code"], "conversation_ended",
            "{tail}: {body}"
        );
    }
    // Nothing was queued or stored.
    assert_eq!(head(visitor).await, before);
}

#[tokio::test]
async fn after_the_visitor_ends_the_conversation_no_transport_takes_a_message() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    assert_eq!(visitor.end().await.status, 200);
    assert_nothing_more_is_taken(&app, &visitor).await;
}

#[tokio::test]
async fn after_the_bot_ends_the_conversation_no_transport_takes_a_message() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    visitor.pick("bye").await;
    assert_nothing_more_is_taken(&app, &visitor).await;
}

/// `method` on the visitor's session with `authorization` as the header value (or none).
async fn with_authorization(
    visitor: &Visitor,
    method: Method,
    tail: &str,
    authorization: Option<&str>,
) -> (StatusCode, Value, Option<String>) {
    let mut request = visitor
        .http
        .request(
            method,
            format!(
                "{}/api/v1/sites/demo/sessions/{}{tail}",
                visitor.base_url,
                visitor.id()
            ),
        )
        .header("origin", ORIGIN);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    if tail == "/message" {
        request = request.json(&json!({ "client_message_id": "m-1", "input": { "text": "hi" } }));
    }
    let response = request.send().await.expect("sent");
    let status = response.status();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body, challenge)
}

#[tokio::test]
async fn the_session_id_alone_opens_nothing_on_any_route_or_transport() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let other = app.visitor().await;
    let others = format!("Bearer {}", other.token());
    for (method, tail) in SESSION_ROUTES {
        for (authorization, code) in [
            (None, "session_token_required"),
            (Some(others.as_str()), "invalid_session_token"),
            (Some("Basic dXNlcjpwYXNz"), "invalid_session_token"),
            (Some("Bearer "), "invalid_session_token"),
        ] {
            let (status, body, challenge) =
                with_authorization(&visitor, method.clone(), tail, authorization).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {tail}: {body}");
            assert_eq!(body["error"]["code"], code, "{method} {tail}");
            assert!(
                challenge.is_some_and(|c| c.starts_with("Bearer")),
                "{method} {tail}: no WWW-Authenticate"
            );
        }
    }
    let url = visitor.ws_url("");
    match Socket::connect(&url, ORIGIN).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 401);
        }
        other => panic!("expected 401 before the upgrade, got {other:?}"),
    }
    match Socket::connect_as(&url, ORIGIN, other.token()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 401);
        }
        other => panic!("expected 401 before the upgrade, got {other:?}"),
    }
    // An offline request may not link itself to the conversation with the id alone.
    let form = json!({
        "name": "Mallory", "email": "m@example.org", "text": "send me the transcript",
        "session_id": visitor.id(),
    });
    let linked = call(
        &app,
        Method::POST,
        "/api/v1/sites/demo/offline-requests",
        Some(&form),
    )
    .await;
    assert_eq!(linked.status, StatusCode::UNAUTHORIZED, "{:?}", linked.body);
    // None of it touched the session: the welcome is still the last event, and its own
    // token still works on every transport.
    assert_eq!(visitor.events(0, 0).await.body["next_after"], 1);
    assert!(visitor.say("still mine").await["seq"].as_u64().is_some());
    let mut socket = visitor.socket(Some(0)).await;
    assert!(matches!(
        socket.next().await,
        staffetta_widget::protocol::ServerFrame::Event { .. }
    ));
}

#[tokio::test]
async fn the_websocket_selects_the_protocol_and_never_echoes_the_token() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let request = crate::support::visitor::ws_request(&visitor.ws_url(""), ORIGIN, visitor.token());
    let (_, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("upgraded");
    let selected = response
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok());
    assert_eq!(selected, Some("staffetta.v1"));
    for (name, value) in response.headers() {
        let value = value.to_str().unwrap_or_default();
        assert!(!value.contains(visitor.token()), "{name}: {value}");
    }
}

#[tokio::test]
async fn a_session_stored_before_tokens_existed_opens_with_its_id_until_it_ends() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let key = format!("session:{}", visitor.id());
    let stored = app.state.store.get(&key).await.unwrap().unwrap();
    let mut record: Value = serde_json::from_slice(&stored.value).unwrap();
    assert!(record["token_digest"].is_string(), "{record}");
    record.as_object_mut().unwrap().remove("token_digest");
    app.state
        .store
        .put(staffetta::store::RecordWrite {
            key,
            expected_version: Some(stored.version),
            value: serde_json::to_vec(&record).unwrap().into(),
            ttl: None,
        })
        .await
        .unwrap();
    let (status, body, _) = with_authorization(&visitor, Method::GET, "/events", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["next_after"], 1);

    // Ended, its transcript is no longer readable by the id alone.
    let (status, body, _) = with_authorization(&visitor, Method::DELETE, "", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body, challenge) =
        with_authorization(&visitor, Method::GET, "/events", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["code"], "session_token_required", "{body}");
    assert!(challenge.is_some());
}
