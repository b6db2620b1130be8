//! A session start with a `client_start_id` happens once (`visitor::start_id`): a repeat of
//! the same start (its answer was lost on the way) answers the same session with 200, counts
//! and lists nothing again, and the same id used by another visitor or with other fields is
//! refused with 409 `client_start_id_reused`. After the repeat window the id starts anew.

use std::time::Duration;

use serde_json::{Value, json};
use staffetta::visitor::{mau, start};

use crate::support::spawn_app;
use crate::support::visitor::Answer;

fn start_body(anonymous_id: &str, start_id: &str) -> Value {
    json!({
        "anonymous_id": anonymous_id,
        "locale": "en",
        "page_url": "https://shop.example/cart",
        "client_start_id": start_id,
    })
}

fn anonymous_id() -> String {
    format!("anon-{}", uuid::Uuid::new_v4().simple())
}

fn start_id() -> String {
    format!("start-{}", uuid::Uuid::new_v4().simple())
}

/// The session fields that must be the same on a repeat.
fn session_of(answer: &Answer) -> Value {
    let b = &answer.body;
    json!([
        b["session_id"],
        b["session_token"],
        b["conversation_id"],
        b["seq"],
        b["output"],
        b["context"],
        b["state"],
        b["locale"],
        b["timeout_s"],
        b["warning_s"],
    ])
}

#[tokio::test]
async fn a_repeated_start_answers_the_same_session_and_counts_the_visitor_once() {
    let app = spawn_app().await;
    let visitor = anonymous_id();
    let body = start_body(&visitor, &start_id());
    let first = app.start_session_raw("demo", &body).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    let repeat = app.start_session_raw("demo", &body).await;
    assert_eq!(repeat.status, 200, "{:?}", repeat.body);
    assert_eq!(session_of(&repeat), session_of(&first));
    assert!(
        first.body["output"]["generic"][0]["text"].is_string(),
        "{:?}",
        first.body
    );

    // The repeated answer's token works on the session.
    let session = first.body["session_id"].as_str().unwrap();
    let token = repeat.body["session_token"].as_str().unwrap();
    let events = app
        .http
        .get(format!(
            "{}/api/v1/sites/demo/sessions/{session}/events?after=0",
            app.base_url
        ))
        .header("origin", crate::support::visitor::ORIGIN)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);

    let key = format!("a:{visitor}");
    let store = app.state.store.as_ref();
    let month = mau::month_of(jiff::Timestamp::from_millisecond(app.clock.now_ms()).unwrap());
    let counted = store
        .set_members(&format!("mau:demo:{month}"))
        .await
        .unwrap();
    assert_eq!(
        counted,
        std::slice::from_ref(&key),
        "one visitor counted once"
    );
    let listed = store
        .set_members(&start::visitor_conversations("demo", &key))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "one conversation: {listed:?}");
}

#[tokio::test]
async fn the_same_start_id_for_another_visitor_or_other_fields_is_refused() {
    let app = spawn_app().await;
    let id = start_id();
    let visitor = anonymous_id();
    let first = app
        .start_session_raw("demo", &start_body(&visitor, &id))
        .await;
    assert_eq!(first.status, 201, "{:?}", first.body);

    let other_visitor = app
        .start_session_raw("demo", &start_body(&anonymous_id(), &id))
        .await;
    assert_eq!(other_visitor.status, 409, "{:?}", other_visitor.body);
    assert_eq!(other_visitor.code(), "client_start_id_reused");
    assert!(other_visitor.body.get("session_token").is_none());

    let mut other_fields = start_body(&visitor, &id);
    other_fields["locale"] = json!("it");
    let refused = app.start_session_raw("demo", &other_fields).await;
    assert_eq!(refused.status, 409, "{:?}", refused.body);
    assert_eq!(refused.code(), "client_start_id_reused");
}

#[tokio::test]
async fn a_malformed_start_id_is_refused() {
    let app = spawn_app().await;
    let refused = app
        .start_session_raw("demo", &start_body(&anonymous_id(), "short"))
        .await;
    assert_eq!(refused.status, 400, "{:?}", refused.body);
    assert_eq!(refused.code(), "invalid_client_start_id");
}

#[tokio::test]
async fn a_start_id_starts_a_new_session_once_its_repeat_window_has_passed() {
    let app = spawn_app().await;
    let body = start_body(&anonymous_id(), &start_id());
    let first = app.start_session_raw("demo", &body).await;
    assert_eq!(first.status, 201);
    app.advance(staffetta::visitor::start_id::REPEAT_WINDOW + Duration::from_secs(1));
    let later = app.start_session_raw("demo", &body).await;
    assert_eq!(later.status, 201, "{:?}", later.body);
    assert_ne!(later.body["session_id"], first.body["session_id"]);
}
