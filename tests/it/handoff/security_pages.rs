//! Security catalogue C-01, C-05, X-07: the agent websocket refuses pages of other origins
//! before upgrading; the console page cannot be framed, runs only its own scripts (no
//! inline code, so no nonce to reuse) and is revalidated; agent API answers are not cached.

use super::console::agent;
use super::security_support::agent_ws_status_from;
use super::spawn_desk;

#[tokio::test]
async fn the_agent_websocket_refuses_pages_of_other_origins_before_upgrading() {
    let app = spawn_desk(10).await;
    let ada = agent(&app, "ada", "agent").await;
    let own = format!("http://{}", app.addr);
    for foreign in [
        "https://evil.example".to_owned(),
        "null".to_owned(),
        format!("http://{}.evil.example", app.addr),
        format!("http://evil.example/{}", app.addr),
        format!("http://{}", app.addr).replace("127.0.0.1", "localhost"),
    ] {
        assert_eq!(
            agent_ws_status_from(&app, &ada.token, Some(&foreign)).await,
            (403, "origin_not_allowed".to_owned()),
            "{foreign}"
        );
    }
    assert_eq!(
        agent_ws_status_from(&app, &ada.token, Some(&own)).await.0,
        101
    );
    // Without an Origin (not a browser page) the token alone decides: it is never sent
    // by a browser on its own (no cookie opens this socket).
    assert_eq!(agent_ws_status_from(&app, &ada.token, None).await.0, 101);
}

#[tokio::test]
async fn the_console_page_cannot_be_framed_and_runs_only_its_own_scripts() {
    let app = spawn_desk(10).await;
    let first = app.get("/agent").await;
    let second = app.get("/agent").await;
    for response in [&first, &second] {
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let policy = header("content-security-policy");
        for directive in [
            "frame-ancestors 'none'",
            "script-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ] {
            assert!(policy.contains(directive), "{directive} in {policy}");
        }
        assert!(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"));
        assert!(
            !policy.contains("nonce-"),
            "no nonces: nothing inline to allow"
        );
        assert_eq!(header("x-frame-options"), "DENY");
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(header("cache-control"), "no-cache");
    }
    let (first, second) = (first.text().await.unwrap(), second.text().await.unwrap());
    assert_eq!(
        first, second,
        "the page is static: nothing per response to cache wrongly"
    );
    for script in first.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap_or_default();
        assert!(
            tag.contains("src=\"/agent/"),
            "only our own script files: <script{tag}>"
        );
    }
}

#[tokio::test]
async fn agent_api_answers_are_never_cached() {
    let app = spawn_desk(10).await;
    let ada = agent(&app, "ada", "agent").await;
    for path in [
        "/api/v1/agent/offline-requests",
        "/api/v1/agent/queues",
        "/api/v1/agent/conversations/0190a5d0-0000-7000-8000-000000000000",
    ] {
        let response = app
            .http
            .get(format!("{}{path}", app.base_url))
            .bearer_auth(&ada.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
}
