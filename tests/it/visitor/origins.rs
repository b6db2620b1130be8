//! Origins: exact scheme, host and port; CORS on allowed origins; 403 otherwise.

use serde_json::json;

use crate::support::spawn_app_with;
use crate::support::visitor::Socket;

async fn app_for_shop() -> crate::support::TestApp {
    spawn_app_with(|s| {
        s.sites[0].allowed_origins = vec!["https://shop.example.com".parse().unwrap()];
    })
    .await
}

async fn start_from(app: &crate::support::TestApp, origin: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/api/v1/sites/demo/sessions", app.base_url))
        .header("origin", origin)
        .json(&json!({ "anonymous_id": "anon-0123456789abcdef" }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn only_the_exact_origin_may_start_a_session() {
    let app = app_for_shop().await;
    let allowed = start_from(&app, "https://shop.example.com").await;
    assert_eq!(allowed.status(), 201);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://shop.example.com"
    );
    for origin in [
        "https://shop.example.com:8443",
        "http://shop.example.com",
        "https://shop.example.com.evil.test",
        "https://evil-shop.example.com",
        "null",
    ] {
        let refused = start_from(&app, origin).await;
        assert_eq!(refused.status(), 403, "{origin}");
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["code"], "origin_not_allowed", "{origin}");
    }
}

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_gets_cors_headers() {
    let app = app_for_shop().await;
    let preflight = app
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/sites/demo/sessions", app.base_url),
        )
        .header("origin", "https://shop.example.com")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert!(
        preflight.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    let evil = app
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/sites/demo/sessions", app.base_url),
        )
        .header("origin", "https://shop.example.com.evil.test")
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), 403);
}

#[tokio::test]
async fn a_websocket_from_a_foreign_origin_is_refused_before_the_upgrade() {
    let app = app_for_shop().await;
    let started: serde_json::Value = start_from(&app, "https://shop.example.com")
        .await
        .json()
        .await
        .unwrap();
    let url = format!(
        "{}/api/v1/sites/demo/sessions/{}/ws",
        app.base_url.replacen("http://", "ws://", 1),
        started["session_id"].as_str().unwrap()
    );
    let token = started["session_token"].as_str().unwrap();
    assert!(
        Socket::connect_as(&url, "https://shop.example.com", token)
            .await
            .is_ok()
    );
    for origin in [
        "https://shop.example.com.evil.test",
        "null",
        "https://shop.example.com:1",
    ] {
        match Socket::connect_as(&url, origin, token).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 403, "{origin}");
            }
            other => panic!("{origin}: expected 403, got {other:?}"),
        }
    }
}
