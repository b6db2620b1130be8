//! Agent login, refresh cookie rotation, CSRF and the brute-force IP block.

use super::{add_operator, login, spawn_desk};

fn refresh_cookie(response: &reqwest::Response) -> String {
    let cookie = response
        .headers()
        .get("set-cookie")
        .expect("refresh cookie")
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/api/v1/agent",
    ] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn login_returns_an_access_token_the_agent_profile_and_a_refresh_cookie() {
    let app = spawn_desk(10).await;
    add_operator(&app, "ada", "pass-ada", "supervisor").await;
    let response = login(&app, "Ada", "pass-ada").await;
    assert_eq!(response.status(), 200);
    let _cookie = refresh_cookie(&response);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["agent"]["login"], "ada");
    assert_eq!(body["agent"]["role"], "supervisor");
    assert_eq!(body["agent"]["can_see_ip"], false);
    assert!(body["access_token"].as_str().unwrap().split('.').count() == 3);
}

#[tokio::test]
async fn wrong_password_unknown_login_and_unknown_site_all_answer_invalid_credentials() {
    let app = spawn_desk(10).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    for (site, user, password) in [
        ("demo", "ada", "nope"),
        ("demo", "bob", "pass-ada"),
        ("elsewhere", "ada", "pass-ada"),
    ] {
        let response = app
            .http
            .post(format!("{}/api/v1/agent/login", app.base_url))
            .json(&serde_json::json!({ "site_id": site, "login": user, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_credentials");
    }
}

#[tokio::test]
async fn console_reconnects_with_the_refresh_cookie_which_rotates() {
    let app = spawn_desk(10).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    let first = refresh_cookie(&login(&app, "ada", "pass-ada").await);
    let refresh = |cookie: String| {
        app.http
            .post(format!("{}/api/v1/agent/refresh", app.base_url))
            .header("cookie", cookie)
            .header("x-staffetta-csrf", "1")
            .send()
    };
    let renewed = refresh(first.clone()).await.unwrap();
    assert_eq!(renewed.status(), 200);
    let second = refresh_cookie(&renewed);
    assert_ne!(first, second);
    let body: serde_json::Value = renewed.json().await.unwrap();
    assert_eq!(body["agent"]["login"], "ada");

    let reused = refresh(first).await.unwrap();
    assert_eq!(reused.status(), 401, "a used refresh token is dead");
    assert_eq!(refresh(second).await.unwrap().status(), 200);
}

#[tokio::test]
async fn refresh_without_the_csrf_header_or_from_a_foreign_origin_is_refused() {
    let app = spawn_desk(10).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    let cookie = refresh_cookie(&login(&app, "ada", "pass-ada").await);
    let url = format!("{}/api/v1/agent/refresh", app.base_url);
    let bare = app
        .http
        .post(&url)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 403);
    let foreign = app
        .http
        .post(&url)
        .header("cookie", &cookie)
        .header("x-staffetta-csrf", "1")
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    let body: serde_json::Value = foreign.json().await.unwrap();
    assert_eq!(body["error"]["code"], "csrf");
}

#[tokio::test]
async fn repeated_failed_logins_block_the_ip_even_for_the_right_password() {
    let app = spawn_desk(3).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    for _ in 0..3 {
        assert_eq!(login(&app, "ada", "guess").await.status(), 401);
    }
    let blocked = login(&app, "ada", "pass-ada").await;
    assert_eq!(blocked.status(), 403);
    let retry: u64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0);
    let body: serde_json::Value = blocked.json().await.unwrap();
    assert_eq!(body["error"]["code"], "ip_blocked");

    app.advance(std::time::Duration::from_secs(retry + 1));
    assert_eq!(login(&app, "ada", "pass-ada").await.status(), 200);
}
