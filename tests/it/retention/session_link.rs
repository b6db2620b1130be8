//! The link from a conversation to its session (`handoff:{conversation}`) lives as long as the
//! conversation, through the real server: a session whose record was written again weeks
//! after the start (its 30 days restart at each write) is still found, and deleted, by an
//! erasure more than 30 days after the start. On Redis the link is stored without expiry.

use std::time::Duration;

use serde_json::json;
use staffetta::store::RedisUrl;
use staffetta::visitor::record::{conversation_log, session_key};

use super::{chat_id, erase};
use crate::handoff::ADMIN_TOKEN;
use crate::support::redis_server::private_redis_or_skip;
use crate::support::{TestApp, spawn_app_with, wait_for};

const DAY: Duration = Duration::from_secs(24 * 3600);

async fn spawn(redis_url: Option<String>) -> TestApp {
    spawn_app_with(|settings| {
        settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
        settings.agent.demo_operators = false;
        settings.store.url = redis_url.map(|url| RedisUrl::parse(&url).unwrap());
    })
    .await
}

#[tokio::test]
async fn an_erasure_a_month_after_the_start_finds_and_deletes_the_session_written_since() {
    let app = spawn(None).await;
    let visitor = app.visitor_with(&json!({ "user_id": "month-later" })).await;
    let chat = chat_id(&visitor);
    let store = &app.state.store;

    // 29 days on, the idle timer warns or expires the session: its record is written then.
    app.advance(29 * DAY);
    logged(&app, &chat, "\"session_expir").await;
    // 31 days after the start (the expiry, if only the warning came first, is applied).
    app.advance(2 * DAY);
    logged(&app, &chat, "\"session_expired\"").await;

    // The session record is still there, and so is the link.
    app.advance(2 * DAY);
    let session = store.get(&session_key(visitor.id())).await.unwrap();
    assert!(
        session.is_some(),
        "the session record lives 30 days from its last write"
    );
    let link = store.get(&format!("handoff:{chat}")).await.unwrap();
    assert!(link.is_some(), "the link lives as long as the conversation");

    let (status, body) = erase(&app, "demo", "u:month-later").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["conversations"], 1, "{body}");
    let session = store.get(&session_key(visitor.id())).await.unwrap();
    assert_eq!(
        session, None,
        "the erasure found the session through the link"
    );
    let link = store.get(&format!("handoff:{chat}")).await.unwrap();
    assert_eq!(link, None);
}

#[tokio::test]
async fn on_redis_the_link_of_a_conversation_is_stored_without_expiry() {
    let Some(redis) = private_redis_or_skip("link_without_expiry").await else {
        return;
    };
    let app = spawn(Some(redis.url())).await;
    let visitor = app.visitor_with(&json!({ "user_id": "on-redis" })).await;
    let chat = chat_id(&visitor);

    let client = redis::Client::open(redis.url()).unwrap();
    let mut raw = client.get_multiplexed_async_connection().await.unwrap();
    let link = pttl(&mut raw, &format!("stf:rec:handoff:{chat}")).await;
    assert_eq!(link, -1, "no expiry");
    let session = pttl(&mut raw, &format!("stf:rec:{}", session_key(visitor.id()))).await;
    assert!(session > 0, "the session record expires ({session} ms)");
}

/// Waits until the conversation's log holds an entry containing `text`.
async fn logged(app: &TestApp, chat: &str, text: &str) {
    wait_for(text, Duration::from_secs(10), || async {
        let entries = app
            .state
            .store
            .read_log(&conversation_log(chat), 0, 100)
            .await;
        let found = entries
            .unwrap()
            .iter()
            .any(|entry| String::from_utf8_lossy(&entry.body).contains(text));
        found.then_some(())
    })
    .await;
}

/// The remaining time to live of a raw Redis key, in ms (-1: none).
async fn pttl(raw: &mut redis::aio::MultiplexedConnection, key: &str) -> i64 {
    redis::cmd("PTTL").arg(key).query_async(raw).await.unwrap()
}
