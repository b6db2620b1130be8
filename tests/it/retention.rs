//! Erasing a visitor through the real server (`DELETE /api/v1/admin/sites/{site}/users/
//! {user_key}`, docs/retention.md): a visitor with an ended conversation, a live chat with an
//! agent and an offline request is erased; the visitor, the agents' previous conversations
//! and offline list no longer know them, another visitor keeps everything, and the month's
//! MAU count stays the same. Retention by age (`retention_days`) is in `age.rs`, finished
//! jobs (the agents' wrap-ups) in `jobs.rs`, the erased visitor's items in a webhook outbox
//! in `outbox.rs` (the ends of their chats in `outbox_ends.rs`, a retention pass whose outbox
//! scan fails in `outbox_scan_failure.rs`); the look-up of a conversation's visitor key in
//! `lookup.rs`.

use serde_json::{Value, json};

mod age;
mod exclusive;
pub(crate) mod jobs;
mod late_writes;
mod lookup;
mod mau_failure;
mod open_tabs;
mod outage;
mod outbox;
mod outbox_ends;
mod outbox_scan_failure;
mod session_link;
mod two_nodes;

use crate::handoff::console::{self, agent};
use crate::handoff::desk::ask_for_human;
use crate::handoff::{ADMIN_TOKEN, spawn_desk};
use crate::support::TestApp;
use crate::support::visitor::{ORIGIN, Visitor};

async fn erase(app: &TestApp, site: &str, key: &str) -> (u16, Value) {
    let response = app
        .http
        .delete(format!(
            "{}/api/v1/admin/sites/{site}/users/{key}",
            app.base_url
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    let doc = crate::openapi::contract::openapi();
    let path = "/api/v1/admin/sites/{site}/users/{user_key}";
    crate::openapi::contract::assert_documented(&doc, "delete", path, status, &body);
    (status, body)
}

pub(crate) async fn leave_request(app: &TestApp, visitor: &Visitor, text: &str) {
    let (status, body) = request_answer(app, visitor, text).await;
    assert_eq!(status, 201, "{body}");
}

/// `POST .../offline-requests` from `visitor`'s session: status and body.
pub(crate) async fn request_answer(app: &TestApp, visitor: &Visitor, text: &str) -> (u16, Value) {
    let response = app
        .http
        .post(format!(
            "{}/api/v1/sites/demo/offline-requests",
            app.base_url
        ))
        .header("origin", ORIGIN)
        .bearer_auth(visitor.token())
        .json(&json!({
            "name": "Visitor", "email": "visitor@example.org", "text": text,
            "session_id": visitor.id(),
        }))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

pub(crate) async fn offline_texts(app: &TestApp, token: &str) -> Vec<String> {
    let listed: Value = app
        .http
        .get(format!("{}/api/v1/agent/offline-requests", app.base_url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    listed["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap().to_owned())
        .collect()
}

pub(crate) async fn transcript_status(app: &TestApp, token: &str, chat_id: &str) -> u16 {
    app.http
        .get(format!(
            "{}/api/v1/agent/conversations/{chat_id}",
            app.base_url
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn mau_count(app: &TestApp) -> u64 {
    mau_report(app).await["unique_users"].as_u64().unwrap()
}

/// The demo site's MAU report of the default month (the admin token is [`ADMIN_TOKEN`]).
pub(crate) async fn mau_report(app: &TestApp) -> Value {
    app.http
        .get(format!("{}/api/v1/admin/sites/demo/mau", app.base_url))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// An entry as versions before offline-request records wrote it: the whole request.
async fn append_old_style_request(app: &TestApp, conversation: &str, text: &str) {
    let old = json!({
        "id": uuid::Uuid::now_v7().to_string(),
        "name": "Old", "email": "old@example.org", "text": text,
        "resource": null, "conversation": conversation, "created_at": "2025-01-02T03:04:05Z",
    });
    crate::handoff::append_whole_offline_request(app, &old).await;
}

pub(crate) fn chat_id(visitor: &Visitor) -> String {
    visitor.started.conversation_id.as_str().to_owned()
}

#[tokio::test]
async fn an_erased_visitor_is_gone_for_themselves_and_for_agents_and_others_keep_everything() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    // An admin to read transcripts, on pause so that ada gets the offer.
    let mut root = agent(&app, "root", "admin").await;
    root.pause().await;

    // An ended conversation with a request left from it, in the old and in the new format.
    let first = app.visitor_with(&json!({ "user_id": "erase-me" })).await;
    first.say("hello").await;
    leave_request(&app, &first, "erase-me asks").await;
    append_old_style_request(&app, &chat_id(&first), "erase-me asked long ago").await;
    assert_eq!(first.end().await.status, 200);
    // Another visitor, who stays.
    let other = app.visitor_with(&json!({ "user_id": "keep-me" })).await;
    leave_request(&app, &other, "keep-me asks").await;
    // A live chat with ada.
    let live = app.visitor_with(&json!({ "user_id": "erase-me" })).await;
    ask_for_human(&live).await;
    let offer = ada.offer().await;
    ada.accept(&offer).await;
    live.say("I need a human").await;

    let before = console::transcript(&app, &ada.token, &chat_id(&live)).await;
    assert_eq!(
        before["visitor"]["previous_conversations"][0]["chat_id"],
        chat_id(&first)
    );
    let mut listed = offline_texts(&app, &ada.token).await;
    listed.sort();
    assert_eq!(
        listed,
        ["erase-me asked long ago", "erase-me asks", "keep-me asks"]
    );
    let mau_before = mau_count(&app).await;
    assert_eq!(mau_before, 2);

    let (status, body) = erase(&app, "demo", "u:erase-me").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({
            "site": "demo", "user_key": "u:erase-me",
            "conversations": 2, "live_conversations_ended": 1, "offline_requests": 1,
            "finished_jobs": 0, "mau_months_anonymized": 1,
        })
    );

    // The agent's chat ended; the visitor's sessions are gone.
    ada.until("CONNECTIONCLEARED").await;
    for visitor in [&first, &live] {
        let events = visitor.events(0, 0).await;
        assert_eq!(events.status, 404, "{:?}", events.body);
        assert_eq!(events.code(), "session_not_found");
        let sent = visitor.send_raw("after-erasure", json!({ "text": "still there?" }));
        assert_eq!(sent.await.status, 404);
        assert_eq!(
            transcript_status(&app, &root.token, &chat_id(visitor)).await,
            404
        );
    }
    assert_eq!(offline_texts(&app, &ada.token).await, ["keep-me asks"]);
    // The other visitor keeps their conversation and a new one lists it as previous.
    assert_eq!(other.events(0, 0).await.status, 200);
    let again = app.visitor_with(&json!({ "user_id": "keep-me" })).await;
    let view = console::transcript(&app, &root.token, &chat_id(&again)).await;
    assert_eq!(
        view["visitor"]["previous_conversations"][0]["chat_id"],
        chat_id(&other)
    );
    // Billing keeps its count; the key itself is gone.
    assert_eq!(mau_count(&app).await, mau_before);
    let month = staffetta::visitor::mau::month_of(jiff::Timestamp::now());
    let members = app
        .state
        .store
        .set_members(&staffetta::visitor::mau::set_name("demo", &month))
        .await
        .unwrap();
    assert!(
        !members.iter().any(|m| m.contains("erase-me")),
        "{members:?}"
    );
    assert!(members.contains(&"u:keep-me".to_owned()), "{members:?}");

    // A second erasure finds nothing.
    let (status, body) = erase(&app, "demo", "u:erase-me").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["conversations"], 0);
    assert_eq!(body["live_conversations_ended"], 0);
    assert_eq!(body["offline_requests"], 0);
    assert_eq!(body["mau_months_anonymized"], 0);
    assert_eq!(mau_count(&app).await, mau_before);

    // Coming back after the erasure is a new visitor with a fresh history.
    let back = app.visitor_with(&json!({ "user_id": "erase-me" })).await;
    let view = console::transcript(&app, &root.token, &chat_id(&back)).await;
    assert_eq!(view["visitor"]["previous_conversations"], json!([]));
}

#[tokio::test]
async fn erasure_refuses_unknown_sites_malformed_keys_and_missing_admin_tokens() {
    let app = spawn_desk(10).await;
    let (status, body) = erase(&app, "nope", "u:someone").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("unknown_site"))
    );
    for key in ["someone", "x:someone", "u:", "a:no%20spaces", "u:%0Abad"] {
        let (status, body) = erase(&app, "demo", key).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("invalid_user_key")),
            "{key}: {body}"
        );
    }
    // Keys with reserved characters are URL-encoded: `/` in a user id.
    let (status, body) = erase(&app, "demo", "u:team%2Fone").await;
    assert_eq!((status, &body["user_key"]), (200, &json!("u:team/one")));
    let unauthenticated = app
        .http
        .delete(format!(
            "{}/api/v1/admin/sites/demo/users/u:someone",
            app.base_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
}
