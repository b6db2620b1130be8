//! Visitor messages of different conversations in handoff on one site with an external desk
//! do not conflict with each other: each is stored on its first try, with its outbox item
//! for the agent, on sled and on Redis. Each message's write is guarded by the desk's
//! version as read, and a guard only reads the desk, so one message never invalidates what
//! another read.
//!
//! The concurrency is forced: a store that watches the node's appends holds the first try
//! of each message until every message has read the desk and reached its write, then lets
//! all of them go. A write that changed the desk (as a write-back of the desk record would)
//! would make every other message's write a conflict and a second try.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use staffetta::connector::outbox_log;
use staffetta::desk::commands::apply_external;
use staffetta::store::{AppendBatch, Observed, Store, StoreResult, WriteObserver};
use staffetta::visitor::conversation;
use staffetta_widget::protocol::{MessageInput, MessageRequest};
use tokio::sync::Barrier;

use super::ADMIN_TOKEN;
use super::desk::ask_for_human;
use super::webhook_transfer_race::{external_desk_app, inbound, outbox};
use crate::support::TestApp;
use crate::support::redis_server::private_redis_or_skip;
use crate::support::visitor::Visitor;

/// Conversations whose visitors write at once.
const CHATS: usize = 4;

/// Counts the appends of each watched message and holds each one's first try at a barrier
/// that opens once every watched message has reached its write.
#[derive(Debug)]
struct AllAtOnce {
    attempts: Mutex<BTreeMap<String, usize>>,
    barrier: Barrier,
}

#[async_trait::async_trait]
impl WriteObserver for AllAtOnce {
    async fn before_append(
        &self,
        _inner: &dyn Store,
        _log: &str,
        batch: &AppendBatch,
    ) -> StoreResult<()> {
        let Some(id) = batch.client_message_id.as_ref() else {
            return Ok(());
        };
        let attempt = {
            let mut attempts = self.attempts.lock().unwrap();
            let Some(count) = attempts.get_mut(id) else {
                return Ok(());
            };
            *count += 1;
            *count
        };
        if attempt == 1 {
            self.barrier.wait().await;
        }
        Ok(())
    }
}

/// Creates an operator who may take `capacity` conversations at once.
async fn add_operator_with_capacity(app: &TestApp, login: &str, capacity: u8) {
    let response = app
        .http
        .post(format!(
            "{}/api/v1/admin/sites/demo/operators",
            app.base_url
        ))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({
            "login": login, "password": format!("pass-{login}"), "role": "agent",
            "display_name": login, "capacity": capacity,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

/// [`CHATS`] visitors, each in a chat with `ext-ada` (on Redis when `redis` is set), write
/// at once; returns the outbox entries after their messages, `ext-ada`'s operator id and how
/// many times each message was appended.
async fn messages_of_several_chats_at_once(
    redis: Option<String>,
) -> (Vec<Value>, String, BTreeMap<String, usize>) {
    let app = external_desk_app(redis).await;
    add_operator_with_capacity(&app, "ext-ada", u8::try_from(CHATS).unwrap()).await;
    let ready = json!({"command": "set_state", "state": "ready"});
    apply_external(&app.state, "demo", inbound("ext-ada", &ready)).await;
    // One offer at a time: each chat is offered and accepted before the next visitor asks.
    let mut visitors: Vec<Visitor> = Vec::new();
    let mut ada = String::new();
    for _ in 0..CHATS {
        let visitor = app.visitor().await;
        ask_for_human(&visitor).await;
        visitors.push(visitor);
        let popup = outbox(&app.state)
            .await
            .into_iter()
            .rev()
            .find(|entry| entry["item"]["event"] == "POPUP")
            .expect("the chat is offered");
        ada = popup["agent"].as_str().unwrap().to_owned();
        let accept = json!({"command": "accept", "offer": popup["item"]["id"]});
        apply_external(&app.state, "demo", inbound("ext-ada", &accept)).await;
    }
    let started = outbox(&app.state)
        .await
        .iter()
        .filter(|entry| entry["item"]["event"] == "JOBSTARTED")
        .count();
    assert_eq!(started, CHATS, "ext-ada has every chat");

    let ids: Vec<String> = (0..CHATS).map(|chat| format!("m-chat-{chat}")).collect();
    let watched_store = Arc::new(Observed::new(
        Arc::clone(&app.state.store),
        AllAtOnce {
            attempts: Mutex::new(ids.iter().map(|id| (id.clone(), 0)).collect()),
            barrier: Barrier::new(CHATS),
        },
    ));
    let mut watched = app.state.clone();
    watched.store = Arc::clone(&watched_store) as Arc<dyn Store>;
    let head = app.state.store.log_head(&outbox_log("demo")).await.unwrap();
    let mut sends = tokio::task::JoinSet::new();
    for (visitor, id) in visitors.iter().zip(&ids) {
        let state = watched.clone();
        let session = visitor.id().to_owned();
        let request = MessageRequest {
            client_message_id: id.clone(),
            input: MessageInput {
                text: Some(format!("Hello from {id}")),
                ..MessageInput::default()
            },
        };
        sends.spawn(async move { conversation::send(&state, &session, request).await });
    }
    let all = tokio::time::timeout(Duration::from_secs(30), sends.join_all())
        .await
        .expect("every message reached its write");
    for answer in all {
        answer.expect("the message is stored");
    }
    let attempts = watched_store.observer().attempts.lock().unwrap().clone();
    let after: Vec<Value> = outbox(&app.state)
        .await
        .into_iter()
        .skip(usize::try_from(head).unwrap())
        .collect();
    (after, ada, attempts)
}

/// Checks every message was written on its first try and is in the outbox for `ext-ada`.
fn assert_each_stored_once_on_its_first_try(
    after: &[Value],
    ada: &str,
    attempts: &BTreeMap<String, usize>,
) {
    assert!(
        attempts.values().all(|count| *count == 1),
        "no message had to be tried again: {attempts:?}"
    );
    let mut texts: Vec<&str> = after
        .iter()
        .filter(|entry| entry["item"]["kind"] == "message" && entry["transcript"] != true)
        .inspect(|entry| assert_eq!(entry["agent"], ada, "{entry:#}"))
        .filter_map(|entry| entry["item"]["text"].as_str())
        .collect();
    texts.sort_unstable();
    let expected: Vec<String> = attempts
        .keys()
        .map(|id| format!("Hello from {id}"))
        .collect();
    assert_eq!(texts, expected, "one item per message: {after:#?}");
}

#[tokio::test]
async fn concurrent_visitor_messages_of_several_chats_are_each_stored_on_the_first_try() {
    let (after, ada, attempts) = messages_of_several_chats_at_once(None).await;
    assert_each_stored_once_on_its_first_try(&after, &ada, &attempts);
}

#[tokio::test]
async fn concurrent_visitor_messages_of_several_chats_are_each_stored_on_the_first_try_on_redis() {
    let Some(redis) = private_redis_or_skip("webhook_concurrent_messages").await else {
        return;
    };
    let (after, ada, attempts) = messages_of_several_chats_at_once(Some(redis.url())).await;
    assert_each_stored_once_on_its_first_try(&after, &ada, &attempts);
}
