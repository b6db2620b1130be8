//! "Continue" on the idle warning (`POST .../continue` and the websocket `continue` frame),
//! driven by the node's manual clock: it moves the expiry to `timeout` after the click, and
//! an expired or ended session refuses it.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use staffetta::store::{Observed, Store};
use staffetta_widget::protocol::{EventKind, ServerFrame};

use crate::support::app::spawn_app_wrapped;
use crate::support::fail_once::FailOnce;
use crate::support::visitor::{ORIGIN, Visitor};
use crate::support::{TestApp, spawn_app, wait_for};

/// `POST .../sessions/{id}/continue`: (status, JSON body or Null).
async fn press_continue(visitor: &Visitor) -> (u16, Value) {
    let response = visitor
        .request(reqwest::Method::POST, "/continue")
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Waits for the persisted event after `after` and returns its `type`.
async fn next_event_type(visitor: &Visitor, after: u64) -> String {
    wait_for("the next event", Duration::from_secs(5), || async {
        let events = visitor.events(after, 0).await.body["events"].clone();
        events[0]["type"].as_str().map(str::to_owned)
    })
    .await
}

/// Moves the clock, lets the timer look at the schedule, and returns the events after
/// `after` (none expected yet).
async fn advance_quietly(app: &TestApp, visitor: &Visitor, by: u64, after: u64) -> Value {
    app.advance(Duration::from_secs(by));
    tokio::time::sleep(Duration::from_millis(150)).await;
    visitor.events(after, 0).await.body["events"].clone()
}

#[tokio::test]
async fn continue_after_the_warning_pushes_the_expiry_back_by_the_idle_timeout() {
    let app = spawn_app().await;
    let visitor = app.visitor().await; // the welcome is seq 1; timeout 300 s, warning at 240 s
    app.advance(Duration::from_secs(241));
    assert_eq!(next_event_type(&visitor, 1).await, "session_expiring");

    let (status, body) = press_continue(&visitor).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(body, Value::Null, "no body");

    // 301 s: the old deadline passed, the session lives on (expiry is now 241 + 300).
    assert_eq!(advance_quietly(&app, &visitor, 60, 2).await, json!([]));
    // 480 s: still before the new warning point (241 + 240).
    assert_eq!(advance_quietly(&app, &visitor, 179, 2).await, json!([]));
    app.advance(Duration::from_secs(1));
    assert_eq!(next_event_type(&visitor, 2).await, "session_expiring");
    // 540 s: one second before the new expiry.
    assert_eq!(advance_quietly(&app, &visitor, 59, 3).await, json!([]));
    app.advance(Duration::from_secs(1));
    assert_eq!(next_event_type(&visitor, 3).await, "session_expired");
}

#[tokio::test]
async fn a_continue_whose_write_fails_leaves_the_warning_when_it_was() {
    let failing = FailOnce::writes_of("session:");
    let observer = failing.clone();
    let app = spawn_app_wrapped(
        |_| {},
        move |store| Arc::new(Observed::new(store, observer)) as Arc<dyn Store>,
    )
    .await;
    let visitor = app.visitor().await; // the welcome is seq 1; warning at 240 s
    app.advance(Duration::from_secs(200));

    failing.arm();
    let (status, body) = press_continue(&visitor).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(failing.failed(), 1);

    // The session was not written, so neither was its deadline: the warning comes at 240 s.
    app.advance(Duration::from_secs(41));
    assert_eq!(next_event_type(&visitor, 1).await, "session_expiring");
}

#[tokio::test]
async fn continue_keeps_the_conversation_where_it_was() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    visitor.pick("profile").await; // asks for the name; head = 3
    app.advance(Duration::from_secs(241));
    assert_eq!(next_event_type(&visitor, 3).await, "session_expiring");
    assert_eq!(press_continue(&visitor).await.0, 204);
    app.advance(Duration::from_secs(100));
    let answered = visitor.say("Ada").await;
    assert_eq!(answered["context"]["name"], "Ada");
}

#[tokio::test]
async fn continue_on_an_expired_session_is_refused() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    app.advance(Duration::from_secs(241));
    assert_eq!(next_event_type(&visitor, 1).await, "session_expiring");
    app.advance(Duration::from_secs(60));
    assert_eq!(next_event_type(&visitor, 2).await, "session_expired");

    let (status, body) = press_continue(&visitor).await;
    assert_eq!(status, 410, "{body}");
    assert_eq!(body["error"]["code"], "session_expired");
    // Refused without a second notice.
    assert_eq!(visitor.events(3, 0).await.body["events"], json!([]));
}

#[tokio::test]
async fn continue_on_an_ended_conversation_is_a_conflict() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    assert_eq!(visitor.end().await.status, 200);
    let (status, body) = press_continue(&visitor).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "conversation_ended");
}

#[tokio::test]
async fn continue_on_an_unknown_session_is_not_found() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(format!(
            "{}/api/v1/sites/demo/sessions/{}/continue",
            app.base_url,
            "0".repeat(32)
        ))
        .header("origin", ORIGIN)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 404);
    let body: Value = response.json().await.expect("JSON error");
    assert_eq!(body["error"]["code"], "session_not_found");
}

#[tokio::test]
async fn the_websocket_continue_frame_keeps_the_session_and_is_refused_once_expired() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let mut socket = visitor.socket(Some(1)).await;
    app.advance(Duration::from_secs(241));
    let warned = socket.events_until(2).await;
    assert!(matches!(warned[0].kind, EventKind::SessionExpiring { .. }));
    socket.send(json!({ "type": "continue" })).await;
    // A ping after it: the pong proves the continue was handled without an error frame.
    socket.send(json!({ "type": "ping" })).await;
    assert!(matches!(socket.next().await, ServerFrame::Pong {}));

    // The old expiry passes quietly; the new one comes 300 s after the continue.
    assert_eq!(advance_quietly(&app, &visitor, 60, 2).await, json!([]));
    app.advance(Duration::from_secs(180));
    assert!(matches!(
        socket.events_until(3).await[0].kind,
        EventKind::SessionExpiring { .. }
    ));
    app.advance(Duration::from_secs(60));
    assert!(matches!(
        socket.events_until(4).await[0].kind,
        EventKind::SessionExpired { .. }
    ));

    socket.send(json!({ "type": "continue" })).await;
    match socket.next().await {
        ServerFrame::Error { code, .. } => assert_eq!(code, "session_expired"),
        other => panic!("expected an error frame, got {other:?}"),
    }
}
