//! Helpers of the security tests (security_*.rs): two sites with their own operators, admin
//! calls on any site, and probes that answer with the status and error code of an agent
//! route or of the agent websocket's upgrade.

use serde_json::{Value, json};
use staffetta::config::{Settings, SiteSettings};

use super::ADMIN_TOKEN;
use super::console::Console;
use crate::support::visitor::ORIGIN;
use crate::support::{TestApp, spawn_app_with};

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
        let shop = SiteSettings {
            id: SHOP.to_owned(),
            ..settings.sites[0].clone()
        };
        settings.sites.push(shop);
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

/// Status and error code of a JSON answer (empty code when there is none).
pub async fn status_and_code(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (status, code)
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

/// The agent websocket's answer to `token`: 101 when it upgrades, else the refusal's status
/// and error code.
pub async fn agent_ws_status(app: &TestApp, token: &str) -> (u16, String) {
    match super::console::connect(app, token).await {
        Ok(_socket) => (101, String::new()),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let body: Value = response
                .body()
                .as_deref()
                .and_then(|bytes| serde_json::from_slice(bytes).ok())
                .unwrap_or(Value::Null);
            let code = body["error"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            (response.status().as_u16(), code)
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

/// `POST /api/v1/agent/logout` with `cookie` as the console sends it.
pub async fn logout(app: &TestApp, cookie: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/api/v1/agent/logout", app.base_url))
        .header("cookie", cookie)
        .header("x-staffetta-csrf", "1")
        .send()
        .await
        .unwrap()
}

/// `POST /api/v1/agent/refresh` with `cookie` as the console sends it.
pub async fn refresh(app: &TestApp, cookie: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/api/v1/agent/refresh", app.base_url))
        .header("cookie", cookie)
        .header("x-staffetta-csrf", "1")
        .send()
        .await
        .unwrap()
}

/// Starts an anonymous visitor session on `site` and asks for a human; returns
/// (session id, conversation id).
pub async fn visitor_asking_on(app: &TestApp, site: &str) -> (String, String) {
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
    let session = started.body["session_id"].as_str().unwrap().to_owned();
    let conversation = started.body["conversation_id"].as_str().unwrap().to_owned();
    let asked = app
        .http
        .post(format!(
            "{}/api/v1/sites/{site}/sessions/{session}/handoff",
            app.base_url
        ))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 200);
    (session, conversation)
}

/// The events of a visitor session on `site` after `after` (long-poll without waiting).
pub async fn session_events(app: &TestApp, site: &str, session: &str, after: u64) -> Vec<Value> {
    let response = app
        .http
        .get(format!(
            "{}/api/v1/sites/{site}/sessions/{session}/events?after={after}&wait=0",
            app.base_url
        ))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["events"].as_array().cloned().unwrap_or_default()
}
