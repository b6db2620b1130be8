//! The end events of an erased visitor's chat stay in the webhook outbox whatever produced
//! them (docs/retention.md), through the real server on sled and on a private Redis, while
//! the contact centre is down: a chat the visitor had ended before the erasure keeps its
//! waiting CONNECTIONCLEARED / JOBCHANGED offline / JOBFINISHED (without the disposition the
//! agent typed), and an erasure cut short after it ended a live chat keeps them when it is
//! done again. Once the contact centre is back it gets those end events and nothing else of
//! the chat.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use staffetta::store::{Observed, Store, StoreError, StoreResult, WriteObserver};

use super::outbox::{
    Centre, chat, command, node, node_wrapped, only_the_end_of, stored_items, until_stored,
};
use super::{chat_id, erase};
use crate::handoff::add_operator;
use crate::support::redis_server::private_redis_or_skip;
use crate::support::{TestApp, wait_for};

const SECRET: &str = "Secret Lane";

/// ext-ada is ready at the (down) contact centre of a fresh node.
async fn ready(app: &TestApp) {
    add_operator(app, "ext-ada", "pass-ext-ada", "agent").await;
    command(app, json!({ "command": "set_state", "state": "ready" })).await;
}

/// The names of the events left of `chat` in the outbox, all of them end events without
/// [`SECRET`].
async fn ends_left(app: &TestApp, chat: &str) -> Vec<String> {
    only_the_end_of(&stored_items(app).await, chat, SECRET)
}

/// Brings the contact centre back and checks it gets `ends` of `chat` and nothing else.
async fn the_centre_gets_only(centre: &Centre, chat: &str, ends: &[String]) {
    centre.down.store(false, Ordering::SeqCst);
    wait_for(
        "the erased chat's end events at the contact centre",
        Duration::from_secs(10),
        || {
            let arrived = only_the_end_of(&centre.kept(), chat, SECRET).len() >= ends.len();
            async move { arrived.then_some(()) }
        },
    )
    .await;
    assert_eq!(only_the_end_of(&centre.kept(), chat, SECRET), ends);
    let attempts: Vec<Value> = centre.attempts.lock().unwrap().clone();
    only_the_end_of(&attempts, chat, SECRET);
}

async fn a_chat_ended_before_the_erasure_keeps_its_waiting_end_events(redis: Option<String>) {
    let centre = Centre::default();
    centre.down.store(true, Ordering::SeqCst);
    let app = node(centre.start().await, redis).await;
    ready(&app).await;
    let visitor = app.visitor_with(&json!({ "user_id": "erase-me" })).await;
    chat(&app, &visitor, "my address is 1 Secret Lane").await;
    let chat = chat_id(&visitor);
    assert_eq!(visitor.end().await.status, 200);
    let cleared = until_stored(&app, "the end of the chat", |item| {
        item["event"] == "CONNECTIONCLEARED" && item["chat_id"] == chat.as_str()
    })
    .await;
    let job = cleared["item"]["id"].clone();
    let disposition = "sent a parcel to 1 Secret Lane";
    let wrap_up = json!({ "command": "wrapup_done", "job": job, "disposition": disposition });
    command(&app, wrap_up).await;
    until_stored(&app, "the job's end", |item| {
        item["event"] == "JOBFINISHED" && item["chat_id"] == chat.as_str()
    })
    .await;

    let (status, body) = erase(&app, "demo", "u:erase-me").await;
    assert_eq!(status, 200, "{body}");
    let ends = ends_left(&app, &chat).await;
    assert_eq!(ends, ["CONNECTIONCLEARED", "JOBCHANGED", "JOBFINISHED"]);
    the_centre_gets_only(&centre, &chat, &ends).await;
}

#[tokio::test]
async fn a_chat_ended_before_the_erasure_keeps_its_waiting_end_events_on_sled() {
    a_chat_ended_before_the_erasure_keeps_its_waiting_end_events(None).await;
}

#[tokio::test]
async fn a_chat_ended_before_the_erasure_keeps_its_waiting_end_events_on_redis() {
    let Some(redis) = private_redis_or_skip("outbox_ends_before_erasure").await else {
        return;
    };
    a_chat_ended_before_the_erasure_keeps_its_waiting_end_events(Some(redis.url())).await;
}

/// Fails the next deletion of a conversation's log once armed.
#[derive(Clone, Debug, Default)]
struct FailLogDeletion(Arc<AtomicBool>);

#[async_trait::async_trait]
impl WriteObserver for FailLogDeletion {
    async fn before_call(
        &self,
        _inner: &dyn Store,
        call: &'static str,
        name: &str,
    ) -> StoreResult<()> {
        if call == "delete_log"
            && name.starts_with("conversation:")
            && self.0.swap(false, Ordering::SeqCst)
        {
            return Err(StoreError::Unavailable {
                target: "test store".to_owned(),
                reason: "one deletion of a conversation's log fails for the test".to_owned(),
            });
        }
        Ok(())
    }
}

async fn an_erasure_cut_short_after_it_ended_the_chat_keeps_its_end_events_when_done_again(
    redis: Option<String>,
) {
    let centre = Centre::default();
    centre.down.store(true, Ordering::SeqCst);
    let failing = FailLogDeletion::default();
    let observer = failing.clone();
    let wrap = move |store| Arc::new(Observed::new(store, observer)) as Arc<dyn Store>;
    let app = node_wrapped(centre.start().await, redis, None, wrap).await;
    ready(&app).await;
    let visitor = app.visitor_with(&json!({ "user_id": "erase-me" })).await;
    chat(&app, &visitor, "my address is 1 Secret Lane").await;
    let chat = chat_id(&visitor);

    failing.0.store(true, Ordering::SeqCst);
    let (status, body) = erase(&app, "demo", "u:erase-me").await;
    assert_ne!(status, 200, "the first erasure is cut short: {body}");
    assert!(!failing.0.load(Ordering::SeqCst), "it failed on the log");
    let (status, body) = erase(&app, "demo", "u:erase-me").await;
    assert_eq!(status, 200, "{body}");
    let ends = ends_left(&app, &chat).await;
    assert_eq!(
        ends.first().map(String::as_str),
        Some("CONNECTIONCLEARED"),
        "the end the first erasure caused is still there"
    );
    the_centre_gets_only(&centre, &chat, &ends).await;
}

#[tokio::test]
async fn an_erasure_cut_short_after_it_ended_the_chat_keeps_its_end_events_when_done_again_on_sled()
{
    an_erasure_cut_short_after_it_ended_the_chat_keeps_its_end_events_when_done_again(None).await;
}

#[tokio::test]
async fn an_erasure_cut_short_after_it_ended_the_chat_keeps_its_end_events_when_done_again_on_redis()
 {
    let Some(redis) = private_redis_or_skip("outbox_ends_retried_erasure").await else {
        return;
    };
    an_erasure_cut_short_after_it_ended_the_chat_keeps_its_end_events_when_done_again(Some(
        redis.url(),
    ))
    .await;
}
