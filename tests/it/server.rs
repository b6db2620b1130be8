//! The server shell: health, readiness, error shape, request ids, graceful stop.

use crate::support::{spawn_app, spawn_app_with};

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn readyz_reports_the_sled_store_as_ready() {
    let app = spawn_app().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["store"], "sled");
}

#[tokio::test]
async fn unknown_route_gets_the_json_error_shape() {
    let app = spawn_app().await;
    let response = app.get("/no/such/thing").await;
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_keeps_a_given_one() {
    let app = spawn_app().await;
    let generated = app.get("/healthz").await;
    let id = generated
        .headers()
        .get("x-request-id")
        .expect("generated id");
    assert!(!id.is_empty());
    let given = app
        .http
        .get(format!("{}/healthz", app.base_url))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "abc-123");
}

#[tokio::test]
async fn stop_returns_cleanly_and_releases_the_store_for_the_next_node() {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("store");
    let path = store_path.clone();
    let app = spawn_app_with(move |s| s.store.path = path).await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.stop().await.expect("clean stop");

    let path = store_path.clone();
    let again = spawn_app_with(move |s| s.store.path = path).await;
    assert_eq!(again.get("/readyz").await.status(), 200);
    again.stop().await.expect("clean stop");
}

#[tokio::test]
async fn on_redis_a_conversation_works_and_readyz_turns_degraded_when_redis_goes_away() {
    let Some(mut redis) =
        crate::support::redis_server::private_redis_or_skip("readyz_on_redis").await
    else {
        return;
    };
    let url = redis.url();
    let app = spawn_app_with(move |s| {
        s.store.url = Some(staffetta::store::RedisUrl::parse(url).unwrap());
        s.store.response_timeout_ms = 500;
    })
    .await;
    let ready: serde_json::Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(ready["store"], "redis");
    assert_eq!(ready["status"], "ready");
    let visitor = app.visitor().await;
    assert_eq!(visitor.say("hello").await["seq"], 2);

    redis.stop();
    let degraded = app.get("/readyz").await;
    assert_eq!(degraded.status(), 503);
    let body: serde_json::Value = degraded.json().await.unwrap();
    assert_eq!(body["status"], "degraded");
    assert!(!body["reason"].as_str().unwrap().is_empty());
    // Health stays green: the process is alive, it just cannot serve.
    assert_eq!(app.get("/healthz").await.status(), 200);
    let refused = visitor
        .send_raw("while-down", serde_json::json!({ "text": "hi" }))
        .await;
    assert_eq!(refused.status, 503);
    assert_eq!(refused.code(), "unavailable");
}

#[tokio::test]
async fn a_path_that_is_not_utf8_gets_the_json_error_shape_on_every_route() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/admin/sites/%FF%FE/mau?month=2026-11",
        "/api/v1/agent/conversations/%FF",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 400, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_path", "{path}: {body}");
    }
    let command = app
        .http
        .post(format!(
            "{}/api/v1/connectors/webhook/%FF/commands",
            app.base_url
        ))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(command.status(), 400);
    let body: serde_json::Value = command.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_path", "{body}");
}

#[tokio::test]
async fn a_fresh_serve_with_the_built_in_demo_site_starts_without_a_warning() {
    let (logs, _guard) = crate::support::logs::capture_logs();
    let app = spawn_app_with(|settings| {
        // What `staffetta serve` without a configuration file runs: the built-in site with
        // its demo dialog, from the repository's dialogs.
        settings.paths.dialogs = crate::support::app::repo_dir().join("dialogs");
        settings.sites = staffetta::config::Settings::default().sites;
    })
    .await;
    let dialog = app
        .state
        .bots
        .dialog("demo")
        .expect("the demo site's dialog");
    assert_eq!(dialog.id(), "bottega-aurora");
    let lines = logs.lines();
    let warnings: Vec<&String> = lines
        .iter()
        .filter(|line| line.contains(" WARN "))
        .collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
}

#[tokio::test]
async fn the_start_log_warns_when_a_dialogs_own_idle_times_win_over_the_sites() {
    let (logs, _guard) = crate::support::logs::capture_logs();
    let _app = spawn_app_with(|settings| {
        settings.paths.dialogs = crate::support::app::repo_dir().join("dialogs");
        settings.sites[0].dialog = "bottega-aurora".to_owned();
        settings.sites[0].idle_timeout_s = 120;
        settings.sites[0].idle_warning_s = 30;
    })
    .await;
    let lines = logs.lines();
    let warnings: Vec<&String> = lines
        .iter()
        .filter(|line| line.contains(" WARN ") && line.contains("idle"))
        .collect();
    assert_eq!(warnings.len(), 1, "{lines:#?}");
    for expected in [
        "site=demo",
        "dialog=bottega-aurora",
        "site_idle_timeout_s=120",
        "site_idle_warning_s=30",
        "idle_timeout_s=600",
        "idle_warning_s=60",
        "`idle_timeout_s` is 600 (the site sets 120), `idle_warning_s` is 60 (the site sets 30)",
    ] {
        assert!(
            warnings[0].contains(expected),
            "{expected} in {}",
            warnings[0]
        );
    }
}
