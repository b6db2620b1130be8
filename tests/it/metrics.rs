//! `GET /metrics` through the real server: who may read it, that its counters move after a
//! real session, turn and handoff, and that what it answers parses as the text exposition
//! format (checked line by line by `exposition.rs`).

mod exposition;

use serde_json::json;

use crate::handoff::ADMIN_TOKEN;
use crate::handoff::console::agent;
use crate::handoff::desk::ask_for_human;
use crate::support::{TestApp, spawn_app_with};

/// The scrape token of these tests.
const METRICS_TOKEN: &str = "metrics-scrape-token-0123456789";

async fn scrape_with(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut request = app.http.get(format!("{}/metrics", app.base_url));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// A scrape with the right token, parsed.
async fn scrape(app: &TestApp) -> exposition::Exposition {
    let response = scrape_with(app, Some(METRICS_TOKEN)).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    exposition::parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"))
}

async fn code_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap();
    (
        status,
        body["error"]["code"].as_str().unwrap_or("").to_owned(),
    )
}

#[tokio::test]
async fn only_the_scrape_token_reads_the_metrics() {
    let app = spawn_app_with(|settings| {
        settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
        settings.metrics.token = staffetta::secret::Secret::new(METRICS_TOKEN);
    })
    .await;
    let missing = scrape_with(&app, None).await;
    assert!(missing.headers().contains_key("www-authenticate"));
    assert_eq!(code_of(missing).await, (401, "unauthorized".to_owned()));
    for wrong in ["not-the-token", ADMIN_TOKEN] {
        let (status, code) = code_of(scrape_with(&app, Some(wrong)).await).await;
        assert_eq!((status, code.as_str()), (401, "unauthorized"), "{wrong}");
    }
    let right = scrape_with(&app, Some(METRICS_TOKEN)).await;
    assert_eq!(right.status(), 200);
    assert_eq!(
        right.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    // A visitor's page is no scraper either: the origin does not open it.
    let from_page = app
        .http
        .get(format!("{}/metrics", app.base_url))
        .header("origin", crate::support::visitor::ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(from_page.status(), 401);
}

#[tokio::test]
async fn without_a_token_the_metrics_are_disabled() {
    let app = spawn_app_with(|_| {}).await;
    let (status, code) = code_of(scrape_with(&app, Some(METRICS_TOKEN)).await).await;
    assert_eq!((status, code.as_str()), (403, "metrics_disabled"));
}

#[tokio::test]
async fn counters_move_after_a_real_session_turn_and_handoff() {
    let app = spawn_app_with(|settings| {
        settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
        settings.agent.demo_operators = false;
        settings.metrics.token = staffetta::secret::Secret::new(METRICS_TOKEN);
    })
    .await;
    let before = scrape(&app).await;
    assert_eq!(
        before.value("staffetta_sessions_started_total", &[]),
        Some(0.0)
    );

    let mut ada = agent(&app, "ada", "agent").await;
    let visitor = app.visitor().await;
    visitor.say("hello").await;
    let socket = visitor.socket(None).await;
    assert_eq!(ask_for_human(&visitor).await["outcome"], "offered");
    let offer = ada.offer().await;
    ada.accept(&offer).await;
    // A page from an origin the site does not list is refused and counted.
    let refused = app
        .http
        .post(format!("{}/api/v1/sites/demo/sessions", app.base_url))
        .header("origin", "https://elsewhere.example")
        .json(&json!({"anonymous_id": "anon-x", "locale": "en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    let after = scrape(&app).await;
    let value = |name: &str, labels: &[(&str, &str)]| after.value(name, labels);
    assert_eq!(value("staffetta_sessions_started_total", &[]), Some(1.0));
    assert_eq!(
        value("staffetta_bot_turn_duration_seconds_count", &[]),
        Some(1.0),
        "one turn: the visitor's hello"
    );
    assert_eq!(
        value("staffetta_store_append_duration_seconds_count", &[]),
        Some(1.0)
    );
    for (step, count) in [
        ("queued", 1.0),
        ("offered", 1.0),
        ("accepted", 1.0),
        ("rejected", 0.0),
    ] {
        assert_eq!(
            value("staffetta_handoff_steps_total", &[("step", step)]),
            Some(count),
            "{step}"
        );
    }
    assert_eq!(
        value(
            "staffetta_http_requests_total",
            &[
                ("route", "/api/v1/sites/{site}/sessions"),
                ("status", "2xx")
            ]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            "staffetta_http_requests_total",
            &[
                ("route", "/api/v1/sites/{site}/sessions/{session}/message"),
                ("status", "2xx")
            ]
        ),
        Some(1.0)
    );
    assert_eq!(
        value("staffetta_refusals_total", &[("kind", "origin")]),
        Some(1.0)
    );
    assert_eq!(value("staffetta_visitor_websockets", &[]), Some(1.0));
    assert_eq!(
        value("staffetta_agents", &[("site", "demo"), ("state", "ready")]),
        Some(1.0)
    );
    // Nobody waits any more: the chat is live.
    let waiting: f64 = after
        .samples("staffetta_handoff_waiting")
        .map(|sample| sample.value)
        .sum();
    assert!(waiting.abs() < f64::EPSILON, "{waiting}");
    assert!(
        after
            .samples("staffetta_http_requests_total")
            .all(|sample| sample
                .labels
                .iter()
                .all(|(_, value)| !value.contains(visitor.id()))),
        "no label names a session"
    );
    drop(socket);
}

#[tokio::test]
async fn a_scrape_parses_as_the_text_exposition_format_with_every_family() {
    let app = spawn_app_with(|settings| {
        settings.metrics.token = staffetta::secret::Secret::new(METRICS_TOKEN);
    })
    .await;
    let visitor = app.visitor().await;
    visitor.say("hello").await;
    let scraped = scrape(&app).await;
    for family in [
        "staffetta_http_requests",
        "staffetta_refusals",
        "staffetta_sessions_started",
        "staffetta_visitor_websockets",
        "staffetta_visitor_long_polls",
        "staffetta_bot_turn_duration_seconds",
        "staffetta_store_append_duration_seconds",
        "staffetta_store_group_commit_writes",
        "staffetta_store_group_commit_flushes",
        "staffetta_handoff_steps",
        "staffetta_handoff_waiting",
        "staffetta_agents",
        "staffetta_webhook_outbox_backlog",
        "staffetta_webhook_delivery_failures",
    ] {
        assert!(scraped.has_family(family), "{family} missing");
    }
    assert!(
        !scraped.has_family("staffetta_cluster_fanout_messages"),
        "one node on sled: no fan-out"
    );
}

#[tokio::test]
async fn on_redis_each_node_exports_its_own_counters_and_its_fan_out() {
    let Some(redis) =
        crate::support::redis_server::private_redis_or_skip("metrics_two_nodes").await
    else {
        return;
    };
    let node = || {
        let url = redis.url();
        spawn_app_with(move |settings| {
            settings.store.url = Some(staffetta::store::RedisUrl::parse(url).unwrap());
            settings.metrics.token = staffetta::secret::Secret::new(METRICS_TOKEN);
        })
    };
    let (a, b) = (node().await, node().await);
    let visitor = a.visitor().await;
    visitor.say("hello").await;

    let fanout = |outcome: &'static str| [("outcome", outcome)];
    let on_b = crate::support::wait_for(
        "node B to deliver node A's notices",
        std::time::Duration::from_secs(10),
        || async {
            let scraped = scrape(&b).await;
            let delivered = scraped.value(
                "staffetta_cluster_fanout_messages_total",
                &fanout("delivered"),
            )?;
            (delivered > 0.0).then_some(scraped)
        },
    )
    .await;
    let on_a = scrape(&a).await;
    assert!(
        on_a.value(
            "staffetta_cluster_fanout_messages_total",
            &fanout("published")
        ) > Some(0.0)
    );
    assert_eq!(
        on_a.value("staffetta_sessions_started_total", &[]),
        Some(1.0)
    );
    assert_eq!(
        on_b.value("staffetta_sessions_started_total", &[]),
        Some(0.0)
    );
    assert!(
        !on_a.has_family("staffetta_store_group_commit_writes"),
        "Redis has no group commits"
    );
}
