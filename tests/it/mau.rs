//! Monthly active users through the admin API: `GET /api/v1/admin/sites/{site}/mau`, its
//! bearer-token guard, JSON and CSV, and the MAU settings in config.
//!
//! Visitors are counted with `visitor::mau::record` on the running node's own store (to place
//! them in past months), and end to end through `POST /api/v1/sites/{site}/sessions`.

use std::sync::Arc;

use jiff::Timestamp;
use reqwest::header;
use staffetta::config::{MauLimitBehaviour, Settings};
use staffetta::store::Store;
use staffetta::visitor::mau;
use tokio::sync::oneshot;

use crate::support::app::test_settings;

const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

/// A running node whose store the test can also write to.
struct AdminApp {
    base_url: String,
    http: reqwest::Client,
    store: Arc<dyn Store>,
    settings: Settings,
    _data_dir: tempfile::TempDir,
    _stop: oneshot::Sender<()>,
}

async fn spawn(configure: impl FnOnce(&mut Settings)) -> AdminApp {
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(data_dir.path());
    configure(&mut settings);
    let server = staffetta::Server::build(settings.clone()).await.unwrap();
    let store = Arc::clone(&server.state().store);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server.run(listener, async move {
        let _ = stopped.await;
    }));
    AdminApp {
        base_url: format!("http://{addr}"),
        http: reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap(),
        store,
        settings,
        _data_dir: data_dir,
        _stop: stop,
    }
}

async fn spawn_with_admin() -> AdminApp {
    spawn(|settings| settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN)).await
}

impl AdminApp {
    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.http.get(format!("{}{path}", self.base_url));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    async fn admin_get(&self, path: &str) -> reqwest::Response {
        let bearer = format!("Bearer {ADMIN_TOKEN}");
        self.get(path, &[("authorization", &bearer)]).await
    }

    async fn count(&self, site: &str, key: &str, at: &str) {
        let site = self.settings.site(site).unwrap();
        let now: Timestamp = at.parse().unwrap();
        mau::record(self.store.as_ref(), site, key, now)
            .await
            .unwrap();
    }
}

async fn error_code(response: reqwest::Response) -> String {
    let body: serde_json::Value = response.json().await.unwrap();
    body["error"]["code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn mau_report_counts_unique_visitors_of_the_month_as_json() {
    let app = spawn_with_admin().await;
    app.count("demo", "a:anonymous-visitor-0001", "2026-01-01T00:00:00Z")
        .await;
    app.count("demo", "a:anonymous-visitor-0001", "2026-01-15T09:00:00Z")
        .await;
    app.count("demo", "u:alice", "2026-01-20T10:00:00Z").await;
    app.count("demo", "s:alice", "2026-01-31T23:59:59Z").await;
    app.count("demo", "u:alice", "2026-02-01T00:00:00Z").await;

    let response = app
        .admin_get("/api/v1/admin/sites/demo/mau?month=2026-01")
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({ "site": "demo", "month": "2026-01", "unique_users": 3 })
    );

    let february: serde_json::Value = app
        .admin_get("/api/v1/admin/sites/demo/mau?month=2026-02")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(february["unique_users"], 1);
}

#[tokio::test]
async fn mau_report_is_csv_when_the_client_accepts_csv() {
    let app = spawn_with_admin().await;
    app.count("demo", "u:bob", "2026-03-03T03:03:03Z").await;
    app.count("demo", "u:carol", "2026-03-04T03:03:03Z").await;
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    let response = app
        .get(
            "/api/v1/admin/sites/demo/mau?month=2026-03",
            &[("authorization", &bearer), ("accept", "text/csv")],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        response.headers()[header::CONTENT_DISPOSITION],
        "attachment; filename=\"mau-demo-2026-03.csv\""
    );
    assert_eq!(
        response.text().await.unwrap(),
        "site,month,unique_users\ndemo,2026-03,2\n"
    );
}

#[tokio::test]
async fn mau_report_defaults_to_the_current_utc_month() {
    let app = spawn_with_admin().await;
    let now = Timestamp::now();
    let site = app.settings.site("demo").unwrap();
    mau::record(app.store.as_ref(), site, "u:today", now)
        .await
        .unwrap();
    let body: serde_json::Value = app
        .admin_get("/api/v1/admin/sites/demo/mau")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["month"], mau::month_of(now));
    assert_eq!(body["unique_users"], 1);
}

#[tokio::test]
async fn the_default_month_is_the_nodes_month() {
    let app = crate::support::app::spawn_app_with(|settings| {
        settings.admin.token = staffetta::secret::Secret::new(crate::handoff::ADMIN_TOKEN);
    })
    .await;
    app.visitor_with(&serde_json::json!({ "user_id": "this-month" }))
        .await;
    app.advance(std::time::Duration::from_secs(40 * 86_400));
    app.visitor_with(&serde_json::json!({ "user_id": "next-month" }))
        .await;
    let body = crate::retention::mau_report(&app).await;
    let node_now = Timestamp::from_millisecond(app.state.clock.now_ms()).unwrap();
    assert_eq!(body["month"], mau::month_of(node_now), "{body}");
    assert_eq!(body["unique_users"], 1, "{body}");
}

#[tokio::test]
async fn a_month_without_visitors_reports_zero() {
    let app = spawn_with_admin().await;
    let response = app
        .admin_get("/api/v1/admin/sites/demo/mau?month=1999-12")
        .await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({ "site": "demo", "month": "1999-12", "unique_users": 0 })
    );
}

#[tokio::test]
async fn the_admin_api_is_disabled_when_no_token_is_configured() {
    let app = spawn(|_| {}).await;
    let response = app
        .get(
            "/api/v1/admin/sites/demo/mau",
            &[("authorization", "Bearer ")],
        )
        .await;
    assert_eq!(response.status(), 403);
    assert_eq!(error_code(response).await, "admin_disabled");
    let response = app.get("/api/v1/admin/sites/demo/mau", &[]).await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn a_missing_or_wrong_admin_token_is_unauthorized_with_a_bearer_challenge() {
    let app = spawn_with_admin().await;
    let prefix = format!("Bearer {}", &ADMIN_TOKEN[..ADMIN_TOKEN.len() - 1]);
    let longer = format!("Bearer {ADMIN_TOKEN}x");
    let basic = format!("Basic {ADMIN_TOKEN}");
    let bare = ADMIN_TOKEN.to_owned();
    let cases: [&[(&str, &str)]; 6] = [
        &[],
        &[("authorization", "Bearer wrong-token")],
        &[("authorization", &prefix)],
        &[("authorization", &longer)],
        &[("authorization", &basic)],
        &[("authorization", &bare)],
    ];
    for headers in cases {
        let response = app.get("/api/v1/admin/sites/demo/mau", headers).await;
        assert_eq!(response.status(), 401, "{headers:?}");
        let challenge = response.headers()[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(challenge.starts_with("Bearer"), "{challenge}");
        assert_eq!(error_code(response).await, "unauthorized");
    }
    // The scheme is case-insensitive.
    let lower = format!("bearer {ADMIN_TOKEN}");
    let response = app
        .get("/api/v1/admin/sites/demo/mau", &[("authorization", &lower)])
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn auth_is_checked_before_the_site_is_looked_up() {
    let app = spawn_with_admin().await;
    let response = app.get("/api/v1/admin/sites/nope/mau", &[]).await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn an_unknown_site_is_not_found() {
    let app = spawn_with_admin().await;
    let response = app
        .admin_get("/api/v1/admin/sites/nope/mau?month=2026-01")
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(error_code(response).await, "unknown_site");
}

#[tokio::test]
async fn a_malformed_month_is_a_bad_request() {
    let app = spawn_with_admin().await;
    for month in ["2026-13", "2026-1", "January", "2026-01-01", ""] {
        let response = app
            .admin_get(&format!("/api/v1/admin/sites/demo/mau?month={month}"))
            .await;
        assert_eq!(response.status(), 400, "{month}");
        assert_eq!(error_code(response).await, "invalid_month");
    }
}

#[tokio::test]
async fn a_refusing_site_turns_away_new_visitors_past_its_limit() {
    let app = spawn_with_admin().await;
    let mut site = app.settings.site("demo").unwrap().clone();
    site.mau_limit = Some(1);
    site.mau_limit_behaviour = MauLimitBehaviour::Refuse;
    let now: Timestamp = "2026-04-10T10:00:00Z".parse().unwrap();
    mau::record(app.store.as_ref(), &site, "u:first", now)
        .await
        .unwrap();
    let refused = mau::record(app.store.as_ref(), &site, "u:second", now).await;
    assert!(matches!(
        refused,
        Err(mau::MauError::LimitReached { limit: 1, .. })
    ));
    let body: serde_json::Value = app
        .admin_get("/api/v1/admin/sites/demo/mau?month=2026-04")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["unique_users"], 1);
}

fn load(config: &str, env: Vec<(String, String)>) -> Result<Settings, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("staffetta.toml");
    std::fs::write(&path, config).unwrap();
    Settings::load(Some(&path), env).map_err(|error| error.to_string())
}

const SITE_WITH_LIMIT: &str = r#"
[[sites]]
id = "demo"
allowed_origins = ["http://localhost:8080"]
mau_limit = 1000
mau_limit_behaviour = "refuse"
"#;

#[test]
fn mau_limit_settings_load_from_file_and_environment() {
    let settings = load(SITE_WITH_LIMIT, Vec::new()).unwrap();
    let site = settings.site("demo").unwrap();
    assert_eq!(site.mau_limit, Some(1000));
    assert_eq!(site.mau_limit_behaviour, MauLimitBehaviour::Refuse);

    let env = vec![(
        "STAFFETTA__SITES__0__MAU_LIMIT_BEHAVIOUR".to_owned(),
        "warn".to_owned(),
    )];
    let settings = load(SITE_WITH_LIMIT, env).unwrap();
    assert_eq!(
        settings.site("demo").unwrap().mau_limit_behaviour,
        MauLimitBehaviour::Warn
    );

    let defaults = Settings::default();
    let demo = defaults.site("demo").unwrap();
    assert_eq!(demo.mau_limit, None);
    assert_eq!(demo.mau_limit_behaviour, MauLimitBehaviour::Warn);
}

#[test]
fn a_zero_or_unknown_mau_setting_is_a_config_error_naming_the_key() {
    let zero = SITE_WITH_LIMIT.replace("1000", "0");
    let message = load(&zero, Vec::new()).unwrap_err();
    assert!(message.contains("mau_limit"), "{message}");

    let unknown = SITE_WITH_LIMIT.replace("\"refuse\"", "\"block\"");
    let message = load(&unknown, Vec::new()).unwrap_err();
    assert!(message.contains("mau_limit_behaviour"), "{message}");
}

// --- Counting through the session start: `POST /api/v1/sites/{site}/sessions` ---

impl AdminApp {
    /// Starts a session on `demo`; returns the status and the error code, if any.
    async fn start_session(&self, body: serde_json::Value) -> (u16, Option<String>) {
        let response = self
            .http
            .post(format!("{}/api/v1/sites/demo/sessions", self.base_url))
            .header("origin", "http://localhost:3000")
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        (status, body["error"]["code"].as_str().map(str::to_owned))
    }

    async fn unique_users_this_month(&self) -> u64 {
        let body: serde_json::Value = self
            .admin_get("/api/v1/admin/sites/demo/mau")
            .await
            .json()
            .await
            .unwrap();
        body["unique_users"].as_u64().unwrap()
    }
}

fn started(status: u16) -> bool {
    (200..300).contains(&status)
}

#[tokio::test]
async fn session_starts_count_each_visitor_once_this_month() {
    let app = spawn_with_admin().await;
    let alice = serde_json::json!({ "user_id": "alice" });
    let anonymous = serde_json::json!({ "anonymous_id": "k3Jx9_visitor-0001" });
    for body in [&alice, &anonymous, &alice, &anonymous, &alice] {
        let (status, code) = app.start_session(body.clone()).await;
        assert!(started(status), "{status} {code:?}");
    }
    assert_eq!(app.unique_users_this_month().await, 2);
}

#[tokio::test]
async fn a_refusing_site_answers_new_visitors_past_its_limit_with_403_and_keeps_known_ones() {
    let app = spawn(|settings| {
        settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
        settings.sites[0].mau_limit = Some(1);
        settings.sites[0].mau_limit_behaviour = MauLimitBehaviour::Refuse;
    })
    .await;
    let first = serde_json::json!({ "user_id": "first" });
    assert!(started(app.start_session(first.clone()).await.0));
    let (status, code) = app
        .start_session(serde_json::json!({ "user_id": "second" }))
        .await;
    assert_eq!((status, code.as_deref()), (403, Some("mau_limit_reached")));
    assert!(started(app.start_session(first).await.0));
    assert_eq!(app.unique_users_this_month().await, 1);
}

#[tokio::test]
async fn a_warning_site_admits_visitors_past_its_limit() {
    let app = spawn(|settings| {
        settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
        settings.sites[0].mau_limit = Some(1);
        settings.sites[0].mau_limit_behaviour = MauLimitBehaviour::Warn;
    })
    .await;
    for user in ["first", "second", "third"] {
        let (status, code) = app
            .start_session(serde_json::json!({ "user_id": user }))
            .await;
        assert!(started(status), "{user}: {status} {code:?}");
    }
    assert_eq!(app.unique_users_this_month().await, 3);
}

#[tokio::test]
async fn a_warning_site_logs_how_many_visitors_it_has_as_a_plain_number() {
    let (logs, _guard) = crate::support::logs::capture_logs();
    let app = spawn(|settings| {
        settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
        settings.sites[0].mau_limit = Some(1);
        settings.sites[0].mau_limit_behaviour = MauLimitBehaviour::Warn;
    })
    .await;
    // The warning's callsite may have been met first by a test running beside this one,
    // with no subscriber of its own: have it ask this thread's subscriber again.
    tracing::callsite::rebuild_interest_cache();
    for user in ["first", "second"] {
        assert!(started(
            app.start_session(serde_json::json!({ "user_id": user }))
                .await
                .0
        ));
    }
    let lines = logs.lines();
    let warnings: Vec<&String> = lines
        .iter()
        .filter(|line| line.contains("mau limit exceeded"))
        .collect();
    assert_eq!(warnings.len(), 1, "{lines:#?}");
    assert!(
        warnings[0].contains("limit=1 count=2"),
        "the count as a number, not `Some(2)`: {}",
        warnings[0]
    );
}
