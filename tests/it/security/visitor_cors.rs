//! C-02 and C-03: the cases `tests/it/visitor/origins.rs` leaves out. Origins match on
//! (scheme, host, port) after normalization (case, default port) and nothing else gets
//! through: trailing dots, user info, look-alikes, odd ports, bytes that are not text. CORS
//! echoes exactly an allowed origin with `Vary: Origin`, never `*`, never credentials, and
//! says nothing to a refused or absent origin, on every visitor route.

use reqwest::Method;
use reqwest::header::HeaderValue;
use serde_json::json;

use super::raw_http;
use super::support::call_from;
use crate::support::visitor::{Answer, Socket};
use crate::support::{TestApp, spawn_app_with};

const SHOP: &str = "https://shop.example.com";

async fn app_for_shop() -> TestApp {
    spawn_app_with(|s| {
        s.sites[0].allowed_origins = vec![SHOP.parse().unwrap()];
        s.limits.new_sessions_per_minute = 1000;
    })
    .await
}

async fn start_from(app: &TestApp, origin: HeaderValue) -> reqwest::Response {
    app.http
        .post(format!("{}/api/v1/sites/demo/sessions", app.base_url))
        .header("origin", origin)
        .json(&json!({ "anonymous_id": "anon-0123456789abcdef" }))
        .send()
        .await
        .unwrap()
}

/// The id of a session started from the shop's page.
/// A session started from the shop's page: (session id, session token).
async fn session_from_shop(app: &TestApp) -> (String, String) {
    let started: serde_json::Value = start_from(app, HeaderValue::from_static(SHOP))
        .await
        .json()
        .await
        .unwrap();
    let text = |field: &str| started[field].as_str().unwrap().to_owned();
    (text("session_id"), text("session_token"))
}

#[tokio::test]
async fn the_same_origin_written_differently_is_allowed() {
    let app = app_for_shop().await;
    for origin in [
        "HTTPS://SHOP.EXAMPLE.COM",
        "https://Shop.Example.Com",
        "https://shop.example.com:443",
    ] {
        let response = start_from(&app, HeaderValue::from_static(origin)).await;
        assert_eq!(response.status(), 201, "{origin}");
        assert_eq!(response.headers()["access-control-allow-origin"], origin);
    }
}

#[tokio::test]
async fn look_alike_origins_are_refused_before_any_work() {
    let app = app_for_shop().await;
    let refused = [
        "https://shop.example.com.",
        "https://user@shop.example.com",
        "https://shop.example.com@evil.test",
        "https://user:pass@shop.example.com",
        "https://shop.example.com:",
        "https://shop.example.com:65536",
        "https://shop.example.com:-443",
        "https://shop.example.com:+443",
        "https://shop.example.com:80",
        "http://shop.example.com:443",
        "wss://shop.example.com",
        "https://shop.example.com/",
        "https://shop.example.com?x",
        "https://shop.example.com#x",
        "https://shop.example.com\\@evil.test",
        "https://shop%2eexample.com",
        "https://xn--shp-ldd.example.com",
        "https://shop.example.co",
        "https://hop.example.com",
        "https://shop-example.com",
        "https://shopexample.com",
        "https://.shop.example.com",
        "https://*.example.com",
        "https:shop.example.com",
        "https:/shop.example.com",
        "//shop.example.com",
        "shop.example.com",
        "https://shop.example.com https://shop.example.com",
        "https://shop.example.com,https://shop.example.com",
        "null",
        "NULL",
        "",
    ];
    for origin in refused {
        let response = start_from(&app, HeaderValue::from_str(origin).unwrap()).await;
        assert_eq!(response.status(), 403, "{origin:?}");
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{origin:?}"
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "origin_not_allowed", "{origin:?}");
    }
    // Bytes that are not ASCII text: a Cyrillic `о`, Latin-1, a control character.
    let body = br#"{"anonymous_id":"anon-0123456789abcdef"}"#;
    for bytes in [
        "https://sh\u{43e}p.example.com".as_bytes().to_vec(),
        b"https://shop.example.com\xff".to_vec(),
        b"https://shop\x7f.example.com".to_vec(),
    ] {
        let mut head = format!(
            "POST /api/v1/sites/demo/sessions HTTP/1.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nOrigin: ",
            body.len()
        )
        .into_bytes();
        head.extend_from_slice(&bytes);
        let answer = raw_http::send(app.addr, &head, body).await;
        assert!(
            answer.status == 403 || answer.status == 400,
            "{:?}: {}",
            String::from_utf8_lossy(&bytes),
            answer.head
        );
        assert!(answer.header("access-control-allow-origin").is_none());
    }
}

#[tokio::test]
async fn a_websocket_upgrade_from_a_look_alike_origin_is_refused() {
    let app = app_for_shop().await;
    let (id, token) = session_from_shop(&app).await;
    let url = format!(
        "{}/api/v1/sites/demo/sessions/{id}/ws",
        app.base_url.replacen("http://", "ws://", 1),
    );
    for origin in [
        "https://shop.example.com.",
        "https://user@shop.example.com",
        "http://shop.example.com",
        "https://SHOP.example.com.evil.test",
    ] {
        match Socket::connect(&url, origin).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 403, "{origin}");
            }
            other => panic!("{origin}: expected 403, got {other:?}"),
        }
    }
    assert!(
        Socket::connect_as(&url, "HTTPS://SHOP.EXAMPLE.COM:443", &token)
            .await
            .is_ok()
    );
}

/// `method path` on the visitor API with an optional `Origin` (and the body the route needs).
async fn request(app: &TestApp, method: Method, path: &str, origin: Option<&str>) -> Answer {
    let body = if path.ends_with("/message") {
        Some(json!({ "client_message_id": "c", "input": { "text": "hi" } }))
    } else if path.ends_with("/offline-requests") {
        Some(json!({ "name": "Ada", "email": "a@example.test", "text": "hi" }))
    } else if path.ends_with("/sessions") {
        Some(json!({ "anonymous_id": "anon-0123456789abcdef" }))
    } else {
        None
    };
    call_from(app, method, path, origin, body.as_ref()).await
}

/// Every visitor route, for a session `id`.
fn routes(id: &str) -> Vec<(Method, String)> {
    let session = format!("/api/v1/sites/demo/sessions/{id}");
    vec![
        (Method::GET, "/api/v1/sites/demo/config".to_owned()),
        (Method::POST, "/api/v1/sites/demo/sessions".to_owned()),
        (Method::POST, format!("{session}/message")),
        (Method::GET, format!("{session}/events?after=0&wait=0")),
        (Method::POST, format!("{session}/continue")),
        (Method::GET, "/api/v1/sites/demo/presence".to_owned()),
        (
            Method::POST,
            "/api/v1/sites/demo/offline-requests".to_owned(),
        ),
        (Method::DELETE, format!("{session}/handoff")),
        (Method::DELETE, session.clone()),
    ]
}

#[tokio::test]
async fn every_visitor_route_echoes_only_an_allowed_origin_with_vary_and_without_credentials() {
    let app = app_for_shop().await;
    let (id, _) = session_from_shop(&app).await;
    for (method, path) in routes(&id) {
        let allowed = request(&app, method.clone(), &path, Some(SHOP)).await;
        let headers = &allowed.headers;
        assert_eq!(
            headers["access-control-allow-origin"], SHOP,
            "{method} {path}"
        );
        let vary: Vec<&str> = headers
            .get_all("vary")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert!(
            vary.iter()
                .any(|v| v.to_ascii_lowercase().contains("origin")),
            "{method} {path}: {vary:?}"
        );
        assert!(headers.get("access-control-allow-credentials").is_none());

        let foreign = request(&app, method.clone(), &path, Some("https://evil.test")).await;
        assert_eq!(foreign.status, 403, "{method} {path}");
        assert!(foreign.headers.get("access-control-allow-origin").is_none());

        let preflight = app
            .http
            .request(Method::OPTIONS, format!("{}{path}", app.base_url))
            .header("origin", "https://evil.test")
            .header("access-control-request-method", method.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(preflight.status(), 403, "OPTIONS {path}");
        assert!(
            preflight
                .headers()
                .get("access-control-allow-origin")
                .is_none()
        );
    }
    // Without an Origin (no browser page) nothing CORS-related is said.
    let (method, path) = routes(&id).remove(0);
    let silent = request(&app, method, &path, None).await;
    assert!(silent.headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn refusals_to_an_allowed_origin_still_carry_cors_so_the_widget_can_read_the_code() {
    let app = app_for_shop().await;
    let missing = request(
        &app,
        Method::POST,
        &format!("/api/v1/sites/demo/sessions/{}/message", "0".repeat(32)),
        Some(SHOP),
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.headers["access-control-allow-origin"], SHOP);
    // An unknown site says nothing about CORS (it does not exist to allow anyone).
    let unknown = request(&app, Method::GET, "/api/v1/sites/nope/config", Some(SHOP)).await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.headers.get("access-control-allow-origin").is_none());
}
