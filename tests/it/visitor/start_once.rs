//! A session start with a `client_start_id` happens once (`visitor::start_id`): a repeat of
//! the same start (its answer was lost on the way) answers the same session with 200, counts
//! and lists nothing again, and the same id used by another visitor or with other fields is
//! refused with 409 `client_start_id_reused`. A repeat while the first attempt runs is 409
//! `start_in_progress`; a refused start lets go of its id; after the repeat window, or once
//! the conversation was erased, the id starts a new session.

use std::time::Duration;

use serde_json::{Value, json};
use staffetta::store::{AppendBatch, Observed, Store, StoreResult, WriteObserver};
use staffetta::visitor::{mau, start, start_id};

use crate::support::spawn_app;
use crate::support::visitor::Answer;

/// How long a test waits for the server.
const WAIT: Duration = Duration::from_secs(10);

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
    app.advance(start_id::REPEAT_WINDOW + Duration::from_secs(1));
    let later = app.start_session_raw("demo", &body).await;
    assert_eq!(later.status, 201, "{:?}", later.body);
    assert_ne!(later.body["session_id"], first.body["session_id"]);
}

#[tokio::test]
async fn a_repeat_after_the_conversation_was_erased_starts_a_new_session() {
    let app = crate::handoff::spawn_desk(10).await;
    let visitor = anonymous_id();
    let body = start_body(&visitor, &start_id());
    let first = app.start_session_raw("demo", &body).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    let erased = app
        .http
        .delete(format!(
            "{}/api/v1/admin/sites/demo/users/a:{visitor}",
            app.base_url
        ))
        .bearer_auth(crate::handoff::ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 200);

    let repeat = app.start_session_raw("demo", &body).await;
    assert_eq!(repeat.status, 201, "{:?}", repeat.body);
    assert_ne!(repeat.body["session_id"], first.body["session_id"]);
    assert_ne!(repeat.body["session_token"], first.body["session_token"]);
    let again = app.start_session_raw("demo", &body).await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(session_of(&again), session_of(&repeat));
}

#[tokio::test]
async fn a_refused_start_lets_go_of_its_id_and_its_retry_starts_the_session() {
    let app = crate::support::spawn_app_with(|settings| {
        settings.limits.new_sessions_per_minute = 1;
    })
    .await;
    let spent = app
        .start_session_raw("demo", &json!({ "anonymous_id": anonymous_id() }))
        .await;
    assert_eq!(spent.status, 201);
    let body = start_body(&anonymous_id(), &start_id());
    let refused = app.start_session_raw("demo", &body).await;
    assert_eq!(refused.status, 429, "{:?}", refused.body);
    app.advance(Duration::from_secs(61));
    let retried = app.start_session_raw("demo", &body).await;
    assert_eq!(retried.status, 201, "{:?}", retried.body);
}

#[tokio::test]
async fn a_repeat_while_the_first_start_runs_is_told_to_come_back() {
    let app = spawn_app().await;
    let visitor = anonymous_id();
    let id = start_id();
    let body = start_body(&visitor, &id);
    // The first attempt has claimed the id and is still starting the session.
    let request: staffetta_widget::protocol::StartSession =
        serde_json::from_value(body.clone()).unwrap();
    let fingerprint = start_id::fingerprint("demo", &format!("a:{visitor}"), &request);
    let claimed = start_id::claim(
        &app.state,
        "demo",
        start_id::StartId::parse(&id).unwrap(),
        fingerprint,
    )
    .await
    .unwrap();
    assert!(matches!(claimed, start_id::Claim::New(_)));

    let repeat = app.start_session_raw("demo", &body).await;
    assert_eq!(repeat.status, 409, "{:?}", repeat.body);
    assert_eq!(repeat.code(), "start_in_progress");
    assert_eq!(repeat.headers["retry-after"], "1");
}

/// Holds a session start at its welcome until released.
#[derive(Debug, Default)]
struct WelcomeGate {
    reached: tokio::sync::Notify,
    released: tokio::sync::Notify,
}

#[derive(Debug)]
struct Gated(std::sync::Arc<WelcomeGate>);

#[async_trait::async_trait]
impl WriteObserver for Gated {
    async fn before_append(&self, _: &dyn Store, log: &str, _: &AppendBatch) -> StoreResult<()> {
        if log.starts_with("conversation:") {
            self.0.reached.notify_one();
            self.0.released.notified().await;
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_start_whose_client_went_away_is_finished_and_its_repeat_gets_the_session() {
    let gate = std::sync::Arc::new(WelcomeGate::default());
    let observer = Gated(std::sync::Arc::clone(&gate));
    let app = crate::support::app::spawn_app_wrapped(
        |_| {},
        |store| std::sync::Arc::new(Observed::new(store, observer)),
    )
    .await;
    let visitor = anonymous_id();
    let body = start_body(&visitor, &start_id());
    let url = format!("{}/api/v1/sites/demo/sessions", app.base_url);
    let request = app
        .http
        .post(&url)
        .header("origin", crate::support::visitor::ORIGIN)
        .json(&body)
        .send();
    // The client goes away while the server writes the welcome.
    tokio::select! {
        _ = request => panic!("the start answered while held"),
        () = gate.reached.notified() => {}
    }
    gate.released.notify_one();

    let repeat = crate::support::wait_for("the first start to finish", WAIT, || async {
        let answer = app.start_session_raw("demo", &body).await;
        (answer.code() != "start_in_progress").then_some(answer)
    })
    .await;
    assert_eq!(repeat.status, 200, "{:?}", repeat.body);
    let listed = app
        .state
        .store
        .set_members(&start::visitor_conversations(
            "demo",
            &format!("a:{visitor}"),
        ))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "one conversation: {listed:?}");
}
