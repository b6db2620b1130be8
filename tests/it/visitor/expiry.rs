//! Idle warning, expiry and restore, driven by the node's manual clock (no real waiting
//! beyond the timer noticing the moved clock).

use std::time::Duration;

use serde_json::json;
use staffetta_widget::protocol::EventKind;

use crate::support::{spawn_app, wait_for};

#[tokio::test]
async fn an_idle_session_is_warned_then_expired_then_restored_with_public_state_only() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    visitor.pick("profile").await;
    let answered = visitor.say("Ada").await; // head = 5
    let state = answered["state"].as_str().unwrap().to_owned();

    app.advance(Duration::from_secs(241));
    let warned = wait_for("session_expiring", Duration::from_secs(5), || async {
        let events = visitor.events(5, 0).await.body["events"].clone();
        (events.as_array()?.len() == 1).then_some(events)
    })
    .await;
    assert_eq!(warned[0]["type"], "session_expiring");
    assert!(!warned[0]["text"].as_str().unwrap().is_empty());

    app.advance(Duration::from_secs(60));
    let expired = wait_for("session_expired", Duration::from_secs(5), || async {
        let events = visitor.events(6, 0).await.body["events"].clone();
        (events.as_array()?.len() == 1).then_some(events)
    })
    .await;
    assert_eq!(expired[0]["type"], "session_expired");

    let late = visitor
        .send_raw("late", json!({ "text": "still there?" }))
        .await;
    assert_eq!(late.status, 410);
    assert_eq!(late.code(), "session_expired");

    let restored = app
        .visitor_with(&json!({ "anonymous_id": "anon-0123456789abcdef", "restore": state }))
        .await;
    assert_eq!(restored.started.context["name"], "Ada");
    assert!(restored.started.context.get("secret_code").is_none());
    assert_ne!(restored.started.session_id, visitor.started.session_id);
}

#[tokio::test]
async fn activity_before_the_warning_point_postpones_it() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    app.advance(Duration::from_secs(200));
    visitor.say("hello").await; // head = 3
    app.advance(Duration::from_secs(200));
    // Give the timer a chance to run; nothing may be due yet.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let events = visitor.events(3, 0).await.body["events"].clone();
    assert_eq!(events, json!([]));
    app.advance(Duration::from_secs(41));
    wait_for("postponed warning", Duration::from_secs(5), || async {
        let events = visitor.events(3, 0).await.body["events"].clone();
        (events[0]["type"] == "session_expiring").then_some(())
    })
    .await;
}

#[tokio::test]
async fn idle_deadlines_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let store_path = path.clone();
    let app = crate::support::spawn_app_with(move |s| s.store.path = store_path).await;
    let visitor = app.visitor().await;
    let session = visitor.started.clone();
    app.stop().await.unwrap();

    let store_path = path.clone();
    let again = crate::support::spawn_app_with(move |s| s.store.path = store_path).await;
    again.advance(Duration::from_secs(241));
    let events = wait_for("warning after restart", Duration::from_secs(5), || async {
        let answer = again
            .http
            .get(format!(
                "{}/api/v1/sites/demo/sessions/{}/events?after=1",
                again.base_url, session.session_id
            ))
            .bearer_auth(&session.session_token)
            .send()
            .await
            .ok()?;
        let body: serde_json::Value = answer.json().await.ok()?;
        (body["events"].as_array()?.len() == 1).then_some(body["events"].clone())
    })
    .await;
    let kind: EventKind = serde_json::from_value(events[0].clone()).unwrap();
    assert!(matches!(kind, EventKind::SessionExpiring { .. }));
}
