//! An identity token that expires mid-conversation: `identity_expired` event, 401 on
//! messages, and a fresh token for the same visitor continues the conversation.

use std::time::Duration;

use serde_json::json;

use crate::identity::{live_token, spawn_with_keys, token_expiring_on_node};
use crate::support::wait_for;

#[tokio::test]
async fn an_expiring_token_is_announced_refused_and_refreshed_without_losing_the_conversation() {
    let app = spawn_with_keys(false).await;
    let visitor = app
        .visitor_with(&json!({ "identity_token": token_expiring_on_node(&app, 120) }))
        .await;
    assert_eq!(visitor.say("hello").await["seq"], 2);

    app.advance(Duration::from_secs(121));
    wait_for("identity_expired event", Duration::from_secs(5), || async {
        let events = visitor.events(3, 0).await.body["events"].clone();
        events
            .as_array()?
            .iter()
            .any(|e| e["type"] == "identity_expired")
            .then_some(())
    })
    .await;
    let refused = visitor
        .send_raw("after-exp", json!({ "text": "still me" }))
        .await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.code(), "identity_expired");

    let fresh = token_expiring_on_node(&app, 600);
    let put = visitor
        .request(reqwest::Method::PUT, "/identity")
        .json(&json!({ "identity_token": fresh }))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 204);
    let resumed = visitor
        .send_raw("after-exp", json!({ "text": "still me" }))
        .await;
    assert_eq!(resumed.status, 200, "{:?}", resumed.body);
    assert!(resumed.body["seq"].as_u64().unwrap() > 3);
}

#[tokio::test]
async fn a_fresh_token_for_another_visitor_or_a_bad_token_is_refused() {
    let app = spawn_with_keys(false).await;
    let visitor = app.visitor().await;
    for (token, status) in [
        (live_token("registered_private.pem", 600), 403),
        ("not-a-jwt".to_owned(), 401),
    ] {
        let answer = visitor
            .request(reqwest::Method::PUT, "/identity")
            .json(&json!({ "identity_token": token }))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), status);
    }
}
