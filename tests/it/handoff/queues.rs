//! The supervisor's view of the queues (`GET /api/v1/agent/queues`): a waiting visitor with
//! their place and page, the offer pending for an agent, then the live chat under the
//! agent's name, then its after-chat work; agents are refused; on Redis every node answers
//! the same. Supervisors' consoles hear of every change at once (`QUEUES`), on every node;
//! agents' consoles do not.

use std::time::Duration;

use serde_json::{Value, json};

use super::console::{Console, agent};
use super::desk::ask_for_human;
use super::{add_operator, login, spawn_desk};
use crate::openapi::contract::{assert_documented, openapi};
use crate::support::TestApp;
use crate::support::redis_server::private_redis_or_skip;
use crate::support::visitor::Visitor;

/// `GET /api/v1/agent/queues` with `token`: (status, body), checked against the document.
async fn queues(app: &TestApp, token: &str) -> (u16, Value) {
    let response = app
        .http
        .get(format!("{}/api/v1/agent/queues", app.base_url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["cache-control"],
        "no-store",
        "the overview names visitors' conversations"
    );
    let body: Value = response.json().await.unwrap();
    assert_documented(&openapi(), "get", "/api/v1/agent/queues", status, &body);
    (status, body)
}

/// The queue that lists `chat_id` (waiting or live) in an overview.
fn queue_of<'a>(overview: &'a Value, chat_id: &str) -> &'a Value {
    overview["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q.to_string().contains(chat_id))
        .unwrap_or_else(|| panic!("{chat_id} is not in {overview}"))
}

/// A supervisor's access token (no console needed to look at the queues).
async fn supervisor_token(app: &TestApp) -> String {
    add_operator(app, "boss", "pass-boss", "supervisor").await;
    let body: Value = login(app, "boss", "pass-boss").await.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// A visitor who came from a shop's cart page.
async fn visitor_from_cart(app: &TestApp) -> Visitor {
    app.visitor_with(&json!({
        "anonymous_id": format!("anon-{}", uuid::Uuid::new_v4().simple()),
        "locale": "en",
        "page_url": "https://shop.example/cart",
    }))
    .await
}

/// Ada (paused) and a visitor waiting for a person.
async fn a_visitor_waits(app: &TestApp) -> (Console, Visitor) {
    let mut ada = agent(app, "ada", "agent").await;
    ada.pause().await;
    let visitor = visitor_from_cart(app).await;
    assert_eq!(ask_for_human(&visitor).await["outcome"], "queued");
    (ada, visitor)
}

#[tokio::test]
async fn a_supervisor_sees_the_waiting_visitor_then_the_live_chat_under_the_agent_and_an_agent_is_refused()
 {
    let app = spawn_desk(10).await;
    let boss = supervisor_token(&app).await;
    let (mut ada, visitor) = a_visitor_waits(&app).await;
    let chat_id = visitor.started.conversation_id.clone();

    let (status, overview) = queues(&app, &boss).await;
    assert_eq!(status, 200, "{overview}");
    let queue = queue_of(&overview, &chat_id);
    let waiting = &queue["waiting"][0];
    assert_eq!(
        (
            &waiting["chat_id"],
            &waiting["position"],
            &waiting["offered_to"],
            &waiting["visitor"]
        ),
        (
            &json!(chat_id),
            &json!(1),
            &Value::Null,
            &json!({"page_url": "https://shop.example/cart"})
        ),
        "{overview}"
    );
    let since = waiting["waiting_since"].as_i64().unwrap();
    assert!(since <= overview["at"].as_i64().unwrap());
    assert_eq!(queue["live"], json!([]));

    // An agent may not look.
    let (status, refused) = queues(&app, &ada.token).await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (403, &json!("forbidden"))
    );

    // Ada is ready: the chat is offered to her, and still waits with the same start.
    ada.send(json!({"command": "set_state", "state": "ready"}))
        .await;
    let offer = ada.offer().await;
    let (_, overview) = queues(&app, &boss).await;
    let waiting = &queue_of(&overview, &chat_id)["waiting"][0];
    assert_eq!(
        (
            &waiting["offered_to"],
            &waiting["position"],
            &waiting["waiting_since"]
        ),
        (
            &json!({"id": ada.id, "display_name": "ada"}),
            &Value::Null,
            &json!(since)
        ),
        "{overview}"
    );

    // She accepts: the chat is live under her name and waits no more.
    ada.accept(&offer).await;
    let (_, overview) = queues(&app, &boss).await;
    let queue = queue_of(&overview, &chat_id);
    assert_eq!(queue["waiting"], json!([]), "{overview}");
    assert_eq!(queue["live"][0]["chat_id"], chat_id);
    assert_eq!(
        queue["live"][0]["agent"],
        json!({"id": ada.id, "display_name": "ada"})
    );
    assert!(queue["live"][0]["since"].as_i64().unwrap() >= since);
}

#[tokio::test]
async fn on_redis_every_node_shows_the_supervisor_the_same_queues() {
    let Some(redis) = private_redis_or_skip("queues_two_nodes").await else {
        return;
    };
    let (a, b) = crate::cluster::two_nodes(&redis).await;
    let boss = supervisor_token(&a).await;
    // Ada, the visitor and the accept are all on node B; the supervisor asks node A.
    let (mut ada, visitor) = a_visitor_waits(&b).await;
    let chat_id = visitor.started.conversation_id.clone();
    let (_, through_a) = queues(&a, &boss).await;
    let (_, through_b) = queues(&b, &boss).await;
    assert_eq!(
        queue_of(&through_a, &chat_id),
        queue_of(&through_b, &chat_id)
    );
    assert_eq!(queue_of(&through_a, &chat_id)["waiting"][0]["position"], 1);

    ada.send(json!({"command": "set_state", "state": "ready"}))
        .await;
    let offer = ada.offer().await;
    ada.accept(&offer).await;
    let (_, through_a) = queues(&a, &boss).await;
    let (_, through_b) = queues(&b, &boss).await;
    assert_eq!(
        queue_of(&through_a, &chat_id),
        queue_of(&through_b, &chat_id)
    );
    assert_eq!(
        queue_of(&through_a, &chat_id)["live"][0]["agent"]["display_name"],
        "ada"
    );
}

/// Reads and drops the `QUEUES` frames the console has or gets within a moment.
async fn drain_queues(console: &mut Console) {
    while console
        .gets_within("QUEUES", Duration::from_millis(200))
        .await
    {}
}

#[tokio::test]
async fn a_supervisor_console_hears_at_once_that_a_visitor_waits_and_an_agent_console_does_not() {
    let app = spawn_desk(10).await;
    let mut boss = agent(&app, "boss", "supervisor").await;
    boss.pause().await;
    let (mut ada, visitor) = {
        let mut ada = agent(&app, "ada", "agent").await;
        ada.pause().await;
        drain_queues(&mut boss).await;
        let visitor = visitor_from_cart(&app).await;
        assert_eq!(ask_for_human(&visitor).await["outcome"], "queued");
        (ada, visitor)
    };
    let chat_id = visitor.started.conversation_id.clone();
    let frame = boss.until("QUEUES").await;
    assert!(frame["at"].as_i64().is_some(), "{frame}");
    assert!(
        !ada.gets_within("QUEUES", Duration::from_millis(300)).await,
        "an agent's console is not told"
    );

    // Offered, accepted, ended: each step is told; the ended chat is listed under Ada's
    // after-chat work.
    drain_queues(&mut boss).await;
    ada.send(json!({"command": "set_state", "state": "ready"}))
        .await;
    let offer = ada.offer().await;
    boss.until("QUEUES").await;
    ada.accept(&offer).await;
    drain_queues(&mut boss).await;
    ada.send(json!({"command": "end", "conversation": chat_id}))
        .await;
    ada.until("CONNECTIONCLEARED").await;
    boss.until("QUEUES").await;
    let (_, overview) = queues(&app, &boss.token).await;
    let queue = queue_of(&overview, &chat_id);
    assert_eq!(queue["live"], json!([]), "{overview}");
    assert_eq!(queue["wrap_up"][0]["chat_id"], chat_id, "{overview}");
    assert_eq!(
        queue["wrap_up"][0]["agent"],
        json!({"id": ada.id, "display_name": "ada"})
    );
    assert!(queue["wrap_up"][0]["since"].as_i64().is_some());
}

#[tokio::test]
async fn on_redis_a_supervisor_on_one_node_hears_of_a_visitor_waiting_on_the_other() {
    let Some(redis) = private_redis_or_skip("queues_push_two_nodes").await else {
        return;
    };
    let (a, b) = crate::cluster::two_nodes(&redis).await;
    let mut boss = agent(&a, "boss", "supervisor").await;
    boss.pause().await;
    let mut ada = agent(&b, "ada", "agent").await;
    ada.pause().await;
    drain_queues(&mut boss).await;
    // The visitor asks on node B; the supervisor's console is on node A.
    let visitor = visitor_from_cart(&b).await;
    assert_eq!(ask_for_human(&visitor).await["outcome"], "queued");
    boss.until("QUEUES").await;
    let (_, overview) = queues(&a, &boss.token).await;
    let chat_id = visitor.started.conversation_id.clone();
    assert_eq!(queue_of(&overview, &chat_id)["waiting"][0]["position"], 1);
    assert!(
        !ada.gets_within("QUEUES", Duration::from_millis(300)).await,
        "an agent's console is not told"
    );
}
