//! Security catalogue B-06: the admin token cannot be guessed without limit. Refused admin
//! tokens count against the client address in the agent login's failure counter (same
//! `[agent.login_failures]` policy), a blocked address gets 429 `ip_blocked` with
//! `Retry-After` (the right token too; the agent login's answer, to the letter), and each
//! refused token writes one WARN audit line with the address and the route, never the token.
//! On sled and on Redis.

use std::time::Duration;

use crate::handoff::ADMIN_TOKEN;
use crate::support::logs::capture_logs;
use crate::support::redis_server::private_redis_or_skip;
use crate::support::{TestApp, spawn_app_with};

/// What a guesser sends instead of the admin token.
const GUESS: &str = "guessed-admin-token-42";

/// A node with the admin API on, 3 failures per address, behind a trusted proxy on
/// loopback (so each test client has an address of its own), on Redis when `redis_url` is
/// given.
async fn spawn_admin(redis_url: Option<String>) -> TestApp {
    spawn_app_with(move |settings| {
        settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
        settings.agent.demo_operators = false;
        settings.agent.login_failures.max_failures_per_ip = 3;
        settings.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        if let Some(url) = redis_url {
            settings.store.url = Some(staffetta::store::RedisUrl::parse(&url).unwrap());
        }
    })
    .await
}

/// `GET .../operators` from the client `forwarded_for` with `token`: status, `Retry-After`
/// and error code.
async fn list_operators(
    app: &TestApp,
    forwarded_for: &str,
    token: &str,
) -> (u16, Option<u64>, String) {
    let response = app
        .http
        .get(format!(
            "{}/api/v1/admin/sites/demo/operators",
            app.base_url
        ))
        .header("x-forwarded-for", forwarded_for)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let (status, retry, code, _message) = refusal(response).await;
    (status, retry, code)
}

/// Three wrong tokens from one address block it for the policy's 900 s, the right token
/// included; another address is not affected; each refusal is audited without the token.
async fn guesses_block_the_address(app: &TestApp) {
    let (logs, _guard) = capture_logs();
    for _ in 0..3 {
        let refused = list_operators(app, "198.51.100.7", GUESS).await;
        assert_eq!(refused, (401, None, "unauthorized".to_owned()));
    }
    let (status, retry, code) = list_operators(app, "198.51.100.7", ADMIN_TOKEN).await;
    assert_eq!((status, code.as_str()), (429, "ip_blocked"));
    assert!(retry.is_some_and(|s| (1..=900).contains(&s)), "{retry:?}");
    let neighbour = list_operators(app, "198.51.100.8", ADMIN_TOKEN).await;
    assert_eq!(neighbour.0, 200, "another client behind the same proxy");

    let lines = logs.lines();
    let audits: Vec<&String> = lines
        .iter()
        .filter(|line| line.contains(" WARN ") && line.contains("admin_token_refused"))
        .collect();
    assert_eq!(audits.len(), 3, "{lines:#?}");
    for expected in [
        "ip=198.51.100.7",
        "route=\"/api/v1/admin/sites/{site}/operators\"",
        "method=GET",
    ] {
        assert!(audits[0].contains(expected), "{expected} in {}", audits[0]);
    }
    assert!(audits[2].contains("block_s=900"), "{}", audits[2]);
    assert!(
        !lines
            .iter()
            .any(|line| line.contains(GUESS) || line.contains(ADMIN_TOKEN)),
        "{lines:#?}"
    );

    // The block ends after its length.
    app.advance(Duration::from_secs(901));
    assert_eq!(
        list_operators(app, "198.51.100.7", ADMIN_TOKEN).await.0,
        200
    );
}

#[tokio::test]
async fn wrong_admin_tokens_block_the_address_and_are_audited_without_the_token() {
    let app = spawn_admin(None).await;
    guesses_block_the_address(&app).await;
}

#[tokio::test]
async fn wrong_admin_tokens_block_the_address_on_redis_too() {
    let Some(redis) = private_redis_or_skip("admin_token_guesses_on_redis").await else {
        return;
    };
    let app = spawn_admin(Some(redis.url())).await;
    guesses_block_the_address(&app).await;
}

#[tokio::test]
async fn a_missing_header_or_another_scheme_costs_the_address_nothing() {
    let app = spawn_admin(None).await;
    for _ in 0..5 {
        let response = app
            .http
            .get(format!(
                "{}/api/v1/admin/sites/demo/operators",
                app.base_url
            ))
            .header("x-forwarded-for", "198.51.100.9")
            .header("authorization", format!("Basic {GUESS}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }
    assert_eq!(
        list_operators(&app, "198.51.100.9", ADMIN_TOKEN).await.0,
        200
    );
}

#[tokio::test]
async fn failed_agent_logins_and_wrong_admin_tokens_share_one_budget_per_address() {
    let app = spawn_admin(None).await;
    for _ in 0..2 {
        let response = app
            .http
            .post(format!("{}/api/v1/agent/login", app.base_url))
            .header("x-forwarded-for", "198.51.100.10")
            .json(&serde_json::json!({ "site_id": "demo", "login": "x", "password": "y" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }
    assert_eq!(list_operators(&app, "198.51.100.10", GUESS).await.0, 401);
    let blocked = list_operators(&app, "198.51.100.10", ADMIN_TOKEN).await;
    assert_eq!((blocked.0, blocked.2.as_str()), (429, "ip_blocked"));
}

/// `POST /api/v1/agent/login` from the client `forwarded_for` with a wrong password: status,
/// `Retry-After`, error code and message.
async fn failed_login(app: &TestApp, forwarded_for: &str) -> (u16, Option<u64>, String, String) {
    let response = app
        .http
        .post(format!("{}/api/v1/agent/login", app.base_url))
        .header("x-forwarded-for", forwarded_for)
        .json(&serde_json::json!({ "site_id": "demo", "login": "x", "password": "y" }))
        .send()
        .await
        .unwrap();
    refusal(response).await
}

/// What an answer says to a client that was refused: status, `Retry-After` in seconds, and
/// the error's code and message (empty when the body has none).
async fn refusal(response: reqwest::Response) -> (u16, Option<u64>, String, String) {
    let status = response.status().as_u16();
    let retry = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok()?.parse().ok());
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    let text = |key: &str| body["error"][key].as_str().unwrap_or("").to_owned();
    (status, retry, text("code"), text("message"))
}

#[tokio::test]
async fn a_blocked_address_gets_one_answer_from_the_agent_login_and_the_admin_api() {
    let app = spawn_admin(None).await;
    for _ in 0..3 {
        assert_eq!(failed_login(&app, "198.51.100.11").await.0, 401);
    }
    let login = failed_login(&app, "198.51.100.11").await;
    assert_eq!((login.0, login.2.as_str()), (429, "ip_blocked"));
    assert!(login.1.is_some_and(|s| (1..=900).contains(&s)), "{login:?}");
    let response = app
        .http
        .get(format!(
            "{}/api/v1/admin/sites/demo/operators",
            app.base_url
        ))
        .header("x-forwarded-for", "198.51.100.11")
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let admin_status = response.status().as_u16();
    let admin_retry: Option<u64> = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok()?.parse().ok());
    let body: serde_json::Value = response.json().await.unwrap();
    let admin = (
        admin_status,
        admin_retry,
        body["error"]["code"].as_str().unwrap_or("").to_owned(),
        body["error"]["message"].as_str().unwrap_or("").to_owned(),
    );
    assert_eq!(admin, login, "the same block, the same answer");
}
