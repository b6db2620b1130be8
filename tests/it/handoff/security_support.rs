//! Helpers of the security tests (security_*.rs): two sites with their own operators, admin
//! calls on any site, the console's own posts, a visitor asking for a human, and probes that
//! answer with the status and error code of an agent route or of the agent websocket's
//! upgrade.

use std::time::Duration;

use serde_json::{Value, json};
use staffetta::agent::tokens::AgentClaims;
use staffetta::config::Settings;

use super::ADMIN_TOKEN;
use super::console::Console;
use crate::security::support::add_copy_of_first_site;
use crate::support::visitor::ORIGIN;
use crate::support::{TestApp, spawn_app_with, wait_for};

/// The second site of [`spawn_two_sites`].
pub const SHOP: &str = "shop";

/// Settings of a desk node: admin API on, no demo operators.
pub fn desk_settings(settings: &mut Settings) {
    settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
    settings.agent.demo_operators = false;
}

/// A desk node whose per-address limits on new sessions and logins are out of the way of
/// tests that start many visitors from one loopback address.
pub async fn spawn_roomy_desk() -> TestApp {
    spawn_app_with(|settings| {
        desk_settings(settings);
        settings.limits.new_sessions_per_minute = 1000;
    })
    .await
}

/// A node with two sites, `demo` and [`SHOP`], each with its own desk.
pub async fn spawn_two_sites() -> TestApp {
    spawn_app_with(|settings| {
        desk_settings(settings);
        add_copy_of_first_site(settings, SHOP);
    })
    .await
}

/// Creates operator `login` (password `pass-{login}`) on `site`; returns its id.
pub async fn add_operator_on(app: &TestApp, site: &str, login: &str, role: &str) -> String {
    let response = app
        .http
        .post(format!(
            "{}/api/v1/admin/sites/{site}/operators",
            app.base_url
        ))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({
            "login": login, "password": format!("pass-{login}"), "role": role,
            "display_name": format!("{login} on {site}"), "can_see_ip": role == "admin",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let body: Value = response.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

/// Creates `login` on `site` with `role`, logs them in and opens their console.
pub async fn console_on(app: &TestApp, site: &str, login: &str, role: &str) -> Console {
    add_operator_on(app, site, login, role).await;
    super::console::from_login(
        app,
        login_on(app, site, login, &format!("pass-{login}")).await,
    )
    .await
}

/// `POST /api/v1/agent/login` on `site`.
pub async fn login_on(app: &TestApp, site: &str, login: &str, password: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/api/v1/agent/login", app.base_url))
        .json(&json!({ "site_id": site, "login": login, "password": password }))
        .send()
        .await
        .unwrap()
}

/// The `staffetta_refresh=...` pair of a login or refresh answer.
pub fn cookie_of(response: &reqwest::Response) -> String {
    response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// The claims of an access token this node issued (verified now).
pub fn claims_of(app: &TestApp, token: &str) -> AgentClaims {
    app.state
        .agents
        .keys
        .verify(token, app.clock.now_ms())
        .unwrap()
}

/// The error code of a JSON error body (empty when there is none).
fn error_code(body: &Value) -> String {
    body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Status and error code of a JSON answer (empty code when there is none).
pub async fn status_and_code(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, error_code(&body))
}

/// `GET {path}` with `Authorization: Bearer {token}`: status and error code.
pub async fn agent_get(app: &TestApp, path: &str, token: &str) -> (u16, String) {
    let response = app
        .http
        .get(format!("{}{path}", app.base_url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    status_and_code(response).await
}

/// The agent websocket's answer to `token` (offered as the console does, in a subprotocol):
/// 101 when it upgrades, else the refusal's status and error code.
pub async fn agent_ws_status(app: &TestApp, token: &str) -> (u16, String) {
    agent_ws_status_from(app, token, None).await
}

/// [`agent_ws_status`] for a page of `origin` (`None`: no `Origin` header, not a browser page).
pub async fn agent_ws_status_from(
    app: &TestApp,
    token: &str,
    origin: Option<&str>,
) -> (u16, String) {
    let mut request = super::console::console_request(app, token);
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok(_socket) => (101, String::new()),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let body: Value = response
                .body()
                .as_deref()
                .and_then(|bytes| serde_json::from_slice(bytes).ok())
                .unwrap_or(Value::Null);
            (response.status().as_u16(), error_code(&body))
        }
        Err(other) => panic!("the agent websocket failed without an HTTP answer: {other:?}"),
    }
}

/// `DELETE /api/v1/admin/sites/{site}/operators/{login}`; panics unless 204.
pub async fn remove_operator(app: &TestApp, site: &str, login: &str) {
    let response = app
        .http
        .delete(format!(
            "{}/api/v1/admin/sites/{site}/operators/{login}",
            app.base_url
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

/// `PUT /api/v1/admin/sites/{site}/operators/{login}/password`; panics unless 204.
pub async fn set_password(app: &TestApp, site: &str, login: &str, password: &str) {
    let response = app
        .http
        .put(format!(
            "{}/api/v1/admin/sites/{site}/operators/{login}/password",
            app.base_url
        ))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({ "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

/// The header the console adds to its own posts.
pub const CSRF_HEADER: (&str, &str) = ("x-staffetta-csrf", "1");

/// `POST /api/v1/agent/{action}` (`refresh`, `logout`) with `cookie` and `headers`.
pub async fn console_post(
    app: &TestApp,
    action: &str,
    cookie: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app
        .http
        .post(format!("{}/api/v1/agent/{action}", app.base_url))
        .header("cookie", cookie);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

/// `POST /api/v1/agent/logout` with `cookie` as the console sends it.
pub async fn logout(app: &TestApp, cookie: &str) -> reqwest::Response {
    console_post(app, "logout", cookie, &[CSRF_HEADER]).await
}

/// `POST /api/v1/agent/refresh` with `cookie` as the console sends it.
pub async fn refresh(app: &TestApp, cookie: &str) -> reqwest::Response {
    console_post(app, "refresh", cookie, &[CSRF_HEADER]).await
}

/// `POST /api/v1/sites/{site}/sessions/{session}/handoff` from the widget's page: status and
/// body.
pub async fn handoff_request(
    app: &TestApp,
    site: &str,
    session: &str,
    token: &str,
) -> (u16, Value) {
    let response = app
        .http
        .post(format!(
            "{}/api/v1/sites/{site}/sessions/{session}/handoff",
            app.base_url
        ))
        .header("origin", ORIGIN)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Waits (5 s at most) until the demo site's desk sees an agent whose last console is gone
/// (the disconnect grace period has begun).
pub async fn until_a_console_is_lost(app: &TestApp) {
    wait_for(
        "the desk to see a console gone",
        Duration::from_secs(5),
        || async {
            let desk = staffetta::desk::site_desk::read(&app.state, "demo")
                .await
                .unwrap();
            desk.agents()
                .any(|a| a.disconnected_at().is_some())
                .then_some(())
        },
    )
    .await;
}

/// A visitor session started on a site: what later calls need.
pub struct SiteSession {
    /// The session id.
    pub id: String,
    /// The session token.
    pub token: String,
    /// The conversation id.
    pub conversation: String,
}

/// Starts an anonymous visitor session on `site` and asks for a human.
pub async fn visitor_asking_on(app: &TestApp, site: &str) -> SiteSession {
    let started = app
        .start_session_raw(
            site,
            &json!({
                "anonymous_id": format!("anon-{}", uuid::Uuid::new_v4().simple()),
                "locale": "en",
            }),
        )
        .await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    let text = |field: &str| started.body[field].as_str().unwrap().to_owned();
    let session = SiteSession {
        id: text("session_id"),
        token: text("session_token"),
        conversation: text("conversation_id"),
    };
    let asked = handoff_request(app, site, &session.id, &session.token).await;
    assert_eq!(asked.0, 200);
    session
}

/// The events of a visitor session on `site` after `after` (long-poll without waiting).
pub async fn session_events(
    app: &TestApp,
    site: &str,
    session: &SiteSession,
    after: u64,
) -> Vec<Value> {
    let response = app
        .http
        .get(format!(
            "{}/api/v1/sites/{site}/sessions/{}/events?after={after}&wait=0",
            app.base_url, session.id
        ))
        .header("origin", ORIGIN)
        .bearer_auth(&session.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["events"].as_array().cloned().unwrap_or_default()
}
