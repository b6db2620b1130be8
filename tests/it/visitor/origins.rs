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

/// The WARN lines about refused pages among `lines`.
fn refusal_warnings(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|line| line.contains(" WARN ") && line.contains("refused a browser page"))
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_page_refused_for_its_origin_or_site_id_is_named_once_in_the_log() {
    // A site owner whose page is not in allowed_origins, or whose page names a site that does
    // not exist, sees only a CORS error in the browser (the refusal carries no CORS headers):
    // the server's log says what to fix, once per origin or site id.
    let app = app_for_shop().await;
    let (logs, _guard) = crate::support::logs::capture_logs();
    for _ in 0..3 {
        assert_eq!(
            start_from(&app, "http://localhost:3000").await.status(),
            403
        );
    }
    let config = |site: &'static str| {
        app.http
            .get(format!("{}/api/v1/sites/{site}/config", app.base_url))
            .header("origin", "https://shop.example.com")
            .send()
    };
    for _ in 0..2 {
        assert_eq!(config("dem0").await.unwrap().status(), 404);
    }
    // Without an Origin (curl, a scanner) nothing is logged.
    let plain = app
        .http
        .get(format!("{}/api/v1/sites/nope/config", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 404);
    let lines = logs.lines();
    let warnings = refusal_warnings(&lines);
    assert_eq!(warnings.len(), 2, "{lines:#?}");
    let about_origin = &warnings[0];
    for expected in [
        "origin_not_allowed",
        "site=\"demo\"",
        "origin=\"http://localhost:3000\"",
        "allowed_origins",
    ] {
        assert!(
            about_origin.contains(expected),
            "{expected}: {about_origin}"
        );
    }
    let about_site = &warnings[1];
    for expected in ["unknown_site", "site=\"dem0\"", "[[sites]]"] {
        assert!(about_site.contains(expected), "{expected}: {about_site}");
    }
    assert!(!lines.iter().any(|l| l.contains("\"nope\"")), "{lines:#?}");
}
