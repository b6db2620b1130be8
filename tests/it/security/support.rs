//! What the visitor-side security tests share: nodes set up for them and a request to the
//! visitor API as a page (or, without an origin, a server) would send it.

use reqwest::Method;
use serde_json::Value;
use staffetta::config::{Settings, SiteSettings};

use crate::support::visitor::{Answer, ORIGIN};
use crate::support::{TestApp, spawn_app_with};

/// A node whose per-client rates (new sessions, messages) are out of the way of tests that
/// send many requests from one loopback address.
pub async fn roomy_app() -> TestApp {
    spawn_app_with(|s| {
        s.limits.new_sessions_per_minute = 10_000;
        s.limits.messages_per_minute = 10_000;
    })
    .await
}

/// Adds a site `id` that is a copy of the first one (same dialog, keys and origins).
pub fn add_copy_of_first_site(settings: &mut Settings, id: &str) {
    let copy = SiteSettings {
        id: id.to_owned(),
        ..settings.sites[0].clone()
    };
    settings.sites.push(copy);
}

/// `method path` from a page of [`ORIGIN`], with an optional JSON body.
pub async fn call(app: &TestApp, method: Method, path: &str, body: Option<&Value>) -> Answer {
    call_from(app, method, path, Some(ORIGIN), body).await
}

/// `method path` with an optional `Origin` and an optional JSON body; the body of the answer
/// is `Null` when it is not JSON.
pub async fn call_from(
    app: &TestApp,
    method: Method,
    path: &str,
    origin: Option<&str>,
    body: Option<&Value>,
) -> Answer {
    let mut request = app.http.request(method, format!("{}{path}", app.base_url));
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("sent");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    Answer {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}
