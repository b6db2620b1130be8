//! Operators through the admin API and the demo install.

use super::{ADMIN_TOKEN, add_operator, login, spawn_desk};
use crate::support::spawn_app_with;

#[tokio::test]
async fn admin_creates_lists_resets_and_removes_operators() {
    let app = spawn_desk(10).await;
    add_operator(&app, "ada", "first-pass", "agent").await;
    let url = format!("{}/api/v1/admin/sites/demo/operators", app.base_url);

    let listed: serde_json::Value = app
        .http
        .get(&url)
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["operators"][0]["login"], "ada");
    assert!(!listed.to_string().contains("argon2"), "hashes never leave");

    let again = app
        .http
        .post(&url)
        .bearer_auth(ADMIN_TOKEN)
        .json(&serde_json::json!({ "login": "ADA", "password": "whatever" }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);

    let reset = app
        .http
        .put(format!("{url}/ada/password"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&serde_json::json!({ "password": "second-pass" }))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);
    assert_eq!(login(&app, "ada", "first-pass").await.status(), 401);
    assert_eq!(login(&app, "ada", "second-pass").await.status(), 200);

    let removed = app
        .http
        .delete(format!("{url}/ada"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    assert_eq!(login(&app, "ada", "second-pass").await.status(), 401);
}

#[tokio::test]
async fn operator_api_requires_the_admin_token() {
    let app = spawn_desk(10).await;
    let response = app
        .http
        .get(format!(
            "{}/api/v1/admin/sites/demo/operators",
            app.base_url
        ))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn fresh_demo_install_creates_demo_admin_and_agent_once() {
    let app = spawn_app_with(|_| {}).await;
    let store = app.state.store.as_ref();
    let listed = staffetta::agent::operators::list(store, "demo")
        .await
        .unwrap();
    let logins: Vec<&str> = listed.iter().map(|o| o.login.as_str()).collect();
    assert_eq!(logins, ["demo-admin", "demo-agent"]);
    let policy = app.state.settings.agent.password_hashing.policy();
    let again = staffetta::agent::provision::seed_demo_operators(store, policy, "demo")
        .await
        .unwrap();
    assert!(again.is_empty(), "a second start prints nothing");
}
