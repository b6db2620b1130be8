//! An erasure reaches the visitor's open tabs, through the real server: a websocket of an
//! erased conversation gets an `error` frame `session_not_found` and is closed with 4404
//! (`session_not_found`), a waiting long-poll answers 404 `session_not_found` at once, on
//! sled and, with the socket on another node of one Redis, through the cluster fan-out.
//! Before, the socket stayed open (the tab kept the erased conversation until its next call)
//! and the long-poll waited out its time with nothing.

use std::time::Duration;

use serde_json::json;
use staffetta::store::RedisUrl;
use staffetta_widget::protocol::{EventKind, ServerFrame};

use super::erase;
use crate::handoff::ADMIN_TOKEN;
use crate::support::redis_server::private_redis_or_skip;
use crate::support::visitor::{Socket, Visitor};
use crate::support::{TestApp, spawn_app_with};

/// The close code of a socket whose conversation the server no longer has.
const CLOSE_SESSION_NOT_FOUND: u16 = 4404;

async fn spawn(redis_url: Option<String>) -> TestApp {
    spawn_app_with(|settings| {
        settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
        settings.agent.demo_operators = false;
        settings.store.url = redis_url.map(|url| RedisUrl::parse(&url).unwrap());
    })
    .await
}

/// Reads `socket` until the server's `error` frame `session_not_found` (a live
/// conversation's `conversation_ended` may come first), then expects the close 4404.
async fn told_erased(socket: &mut Socket) {
    loop {
        match socket.next().await {
            ServerFrame::Error { code, .. } => {
                assert_eq!(code, "session_not_found");
                break;
            }
            ServerFrame::Event { event } => assert!(
                matches!(event.kind, EventKind::ConversationEnded { .. }),
                "{event:?}"
            ),
            other => panic!("unexpected {other:?}"),
        }
    }
    let close = socket.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), CLOSE_SESSION_NOT_FOUND);
    assert_eq!(close.reason.as_str(), "session_not_found");
}

#[tokio::test]
async fn an_open_tab_of_an_erased_visitor_is_told_and_its_socket_closed_with_4404() {
    let app = spawn(None).await;
    let live = app.visitor_with(&json!({ "user_id": "tab-open" })).await;
    live.say("hello").await;
    let mut live_tab = live.socket(None).await;
    // An ended conversation whose tab is still open: nothing is appended to it any more.
    let ended = app.visitor_with(&json!({ "user_id": "tab-open" })).await;
    assert_eq!(ended.end().await.status, 200);
    let mut ended_tab = ended.socket(None).await;

    let (status, body) = erase(&app, "demo", "u:tab-open").await;
    assert_eq!(status, 200, "{body}");
    told_erased(&mut live_tab).await;
    told_erased(&mut ended_tab).await;
}

#[tokio::test]
async fn a_waiting_long_poll_of_an_erased_visitor_answers_404_at_once() {
    let app = spawn(None).await;
    let visitor: Visitor = app.visitor_with(&json!({ "user_id": "poll-open" })).await;
    assert_eq!(visitor.end().await.status, 200);
    let head = visitor.events(0, 0).await.body["next_after"]
        .as_u64()
        .unwrap();
    let polling = {
        let visitor = Visitor {
            base_url: visitor.base_url.clone(),
            http: visitor.http.clone(),
            started: visitor.started.clone(),
        };
        tokio::spawn(async move { visitor.events(head, 20).await })
    };
    // The poll waits (it subscribed before the erasure, or it finds the session gone).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, body) = erase(&app, "demo", "u:poll-open").await;
    assert_eq!(status, 200, "{body}");
    let answer = tokio::time::timeout(Duration::from_secs(5), polling)
        .await
        .expect("the poll answers within 5 s, not at the end of its wait")
        .unwrap();
    assert_eq!(answer.status, 404, "{:?}", answer.body);
    assert_eq!(answer.code(), "session_not_found");
}

#[tokio::test]
async fn on_redis_a_tab_on_another_node_is_told_of_the_erasure() {
    let Some(redis) = private_redis_or_skip("erasure_reaches_other_node").await else {
        return;
    };
    let a = spawn(Some(redis.url())).await;
    let b = spawn(Some(redis.url())).await;
    let on_a = a.visitor_with(&json!({ "user_id": "two-nodes" })).await;
    assert_eq!(on_a.end().await.status, 200);
    let on_b = Visitor {
        base_url: b.base_url.clone(),
        http: b.http.clone(),
        started: on_a.started.clone(),
    };
    let mut tab_on_b = on_b.socket(None).await;

    let (status, body) = erase(&a, "demo", "u:two-nodes").await;
    assert_eq!(status, 200, "{body}");
    told_erased(&mut tab_on_b).await;
}
