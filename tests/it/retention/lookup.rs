//! The admin look-up of a conversation's visitor key (`GET /api/v1/admin/sites/{site}/
//! conversations/{conversation}/visitor`), which makes an anonymous visitor erasable: the key
//! it answers is the one the erasure route takes.

use serde_json::{Value, json};

use super::{chat_id, erase};
use crate::handoff::ADMIN_TOKEN;
use crate::support::TestApp;

async fn look_up(app: &TestApp, site: &str, conversation: &str, token: &str) -> (u16, Value) {
    let response = app
        .http
        .get(format!(
            "{}/api/v1/admin/sites/{site}/conversations/{conversation}/visitor",
            app.base_url
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_anonymous_visitor_is_found_by_conversation_and_erased_with_the_key_answered() {
    let app = crate::handoff::security_support::spawn_two_sites().await;
    let anonymous_id = format!("anon-{}", uuid::Uuid::new_v4().simple());
    let visitor = app
        .visitor_with(&json!({"anonymous_id": anonymous_id, "locale": "en"}))
        .await;
    visitor.say("hello").await;
    let conversation = chat_id(&visitor);

    let (status, body) = look_up(&app, "demo", &conversation, ADMIN_TOKEN).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"site": "demo", "conversation_id": conversation, "user_key": format!("a:{anonymous_id}")})
    );
    let key = body["user_key"].as_str().unwrap().to_owned();
    // Another site does not know the conversation.
    let (status, body) = look_up(&app, "shop", &conversation, ADMIN_TOKEN).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (404, &json!("conversation_not_found"))
    );

    let (status, erased) = erase(&app, "demo", &key).await;
    assert_eq!(status, 200, "{erased}");
    assert_eq!(erased["conversations"], 1);
    let (status, body) = look_up(&app, "demo", &conversation, ADMIN_TOKEN).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (404, &json!("conversation_not_found"))
    );
}

#[tokio::test]
async fn a_link_written_before_links_kept_the_visitor_is_answered_from_the_session() {
    let app = crate::handoff::spawn_desk(10).await;
    let visitor = app.visitor().await;
    let conversation = chat_id(&visitor);
    // The link as versions before this look-up wrote it: the session only.
    let old_link = json!({"session_id": visitor.id(), "handoff_seq": 0});
    let key = format!("handoff:{conversation}");
    let stored = app.state.store.get(&key).await.unwrap().unwrap();
    app.state
        .store
        .put(staffetta::store::RecordWrite {
            key: key.clone(),
            expected_version: Some(stored.version),
            value: bytes::Bytes::from(old_link.to_string()),
            ttl: None,
        })
        .await
        .unwrap();
    let (status, body) = look_up(&app, "demo", &conversation, ADMIN_TOKEN).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["user_key"].as_str().unwrap().starts_with("a:anon-"),
        "{body}"
    );
    // Once the session record is gone too, the look-up says why it cannot answer.
    app.state
        .store
        .delete(&format!("session:{}", visitor.id()), None)
        .await
        .unwrap();
    let (status, body) = look_up(&app, "demo", &conversation, ADMIN_TOKEN).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (404, &json!("visitor_unknown"))
    );
}

#[tokio::test]
async fn the_look_up_refuses_bad_ids_unknown_sites_and_wrong_tokens() {
    let app = crate::handoff::spawn_desk(10).await;
    let visitor = app.visitor().await;
    let conversation = chat_id(&visitor);
    for (site, id, token, expected) in [
        (
            "demo",
            "not an id!",
            ADMIN_TOKEN,
            (400, "invalid_conversation_id"),
        ),
        (
            "nowhere",
            conversation.as_str(),
            ADMIN_TOKEN,
            (404, "unknown_site"),
        ),
        (
            "demo",
            "c-0123456789",
            ADMIN_TOKEN,
            (404, "conversation_not_found"),
        ),
        (
            "demo",
            conversation.as_str(),
            "wrong-token-wrong-token",
            (401, "unauthorized"),
        ),
    ] {
        let (status, body) = look_up(&app, site, &urlencode(id), token).await;
        assert_eq!(
            (status, body["error"]["code"].as_str().unwrap_or("")),
            expected,
            "{site} {id}: {body}"
        );
    }
}

/// Percent-encodes the characters of the test ids a URL path cannot hold.
fn urlencode(id: &str) -> String {
    id.replace(' ', "%20").replace('!', "%21")
}
