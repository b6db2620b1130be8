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

/// `POST /api/v1/agent/refresh` with `cookie` (`staffetta_refresh=...`).
async fn refresh(app: &crate::support::TestApp, cookie: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/api/v1/agent/refresh", app.base_url))
        .header("cookie", cookie)
        .header("x-staffetta-csrf", "1")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn console_reconnects_with_the_refresh_cookie_which_rotates() {
    let app = spawn_desk(10).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    let first = refresh_cookie(&login(&app, "ada", "pass-ada").await);
    let renewed = refresh(&app, &first).await;
    assert_eq!(renewed.status(), 200);
    let second = refresh_cookie(&renewed);
    assert_ne!(first, second);
    let body: serde_json::Value = renewed.json().await.unwrap();
    assert_eq!(body["agent"]["login"], "ada");
    let third = refresh_cookie(&refresh(&app, &second).await);
    assert_ne!(third, second);
    assert_eq!(refresh(&app, &third).await.status(), 200);
}

#[tokio::test]
async fn two_tabs_refreshing_with_the_same_token_both_stay_signed_in() {
    let app = spawn_desk(10).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    let shared = refresh_cookie(&login(&app, "ada", "pass-ada").await);
    // Both tabs send the cookie they share at the same moment.
    let (one, two) = tokio::join!(refresh(&app, &shared), refresh(&app, &shared));
    assert_eq!((one.status().as_u16(), two.status().as_u16()), (200, 200));
    let (one, two) = (refresh_cookie(&one), refresh_cookie(&two));
    assert_ne!(one, two, "each exchange hands out a fresh token");
    // A tab late by almost the whole window still gets through.
    app.advance(std::time::Duration::from_secs(29));
    let late = refresh(&app, &shared).await;
    assert_eq!(late.status(), 200);
    // Whichever cookie the browser kept works on.
    for cookie in [one, two, refresh_cookie(&late)] {
        assert_eq!(refresh(&app, &cookie).await.status(), 200);
    }
}

#[tokio::test]
async fn a_rotated_token_used_after_the_window_revokes_the_whole_family() {
    let app = spawn_desk(10).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    let stolen = refresh_cookie(&login(&app, "ada", "pass-ada").await);
    let current = refresh_cookie(&refresh(&app, &stolen).await);
    // Another login of the same operator is another family: it is not touched.
    let elsewhere = refresh_cookie(&login(&app, "ada", "pass-ada").await);
    app.advance(std::time::Duration::from_secs(31));
    let reused = refresh(&app, &stolen).await;
    assert_eq!(reused.status(), 401);
    let body: serde_json::Value = reused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_refresh");
    assert_eq!(
        refresh(&app, &current).await.status(),
        401,
        "the newest token of a family whose old token was replayed is dead too"
    );
    assert_eq!(refresh(&app, &stolen).await.status(), 401);
    assert_eq!(refresh(&app, &elsewhere).await.status(), 200);
}

#[tokio::test]
async fn signing_out_ends_every_token_of_the_login() {
    let app = spawn_desk(10).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    let first = refresh_cookie(&login(&app, "ada", "pass-ada").await);
    // Two tabs raced: one cookie each; one tab signs out.
    let (one, two) = tokio::join!(refresh(&app, &first), refresh(&app, &first));
    let (one, two) = (refresh_cookie(&one), refresh_cookie(&two));
    let out = app
        .http
        .post(format!("{}/api/v1/agent/logout", app.base_url))
        .header("cookie", &one)
        .header("x-staffetta-csrf", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert_eq!(refresh(&app, &one).await.status(), 401);
    assert_eq!(refresh(&app, &two).await.status(), 401);
    assert_eq!(refresh(&app, &first).await.status(), 401);
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
async fn a_refresh_without_any_refresh_cookie_answers_signed_out_without_an_error() {
    let app = spawn_desk(10).await;
    let url = format!("{}/api/v1/agent/refresh", app.base_url);
    for cookies in [None, Some("theme=dark; lang=it")] {
        let mut request = app.http.post(&url).header("x-staffetta-csrf", "1");
        if let Some(cookies) = cookies {
            request = request.header("cookie", cookies);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{cookies:?}");
        assert!(!response.headers().contains_key("set-cookie"));
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body, serde_json::json!({ "signed_in": false }));
    }
    // A refresh cookie that is not valid is still an error, and the CSRF check comes first.
    let forged = app
        .http
        .post(&url)
        .header("x-staffetta-csrf", "1")
        .header("cookie", "staffetta_refresh=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let bare = app.http.post(&url).send().await.unwrap();
    assert_eq!(bare.status(), 403);
}

#[tokio::test]
async fn repeated_failed_logins_block_the_ip_even_for_the_right_password() {
    let app = spawn_desk(3).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    for _ in 0..3 {
        assert_eq!(login(&app, "ada", "guess").await.status(), 401);
    }
    let blocked = login(&app, "ada", "pass-ada").await;
    assert_eq!(blocked.status(), 429);
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
