//! An agent access token in a URL (`?token=`) ends up in access logs, proxies and browser
//! history (catalogue K-05): every agent route of docs/openapi.json that takes the access
//! token, the websocket included, answers 401 `token_in_query` to a token in the URL and
//! takes it in `Authorization: Bearer`. The console's websocket, whose upgrade a browser
//! cannot give headers, offers it as the subprotocol `staffetta.agent.token.<token>`.

use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::console::{agent, console_request};
use super::desk::live_chat;
use super::security_support::{agent_ws_status, status_and_code};
use super::spawn_desk;
use crate::openapi::contract::{METHODS, assert_documented, openapi};
use crate::support::TestApp;

const WEBSOCKET: &str = "/api/v1/agent/ws";

/// `(method, path)` of every HTTP route of docs/openapi.json under `/api/v1/agent` that
/// takes the agent access token, the websocket aside.
fn agent_http_routes(doc: &Value) -> Vec<(String, String)> {
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        if !path.starts_with("/api/v1/agent/") || path == WEBSOCKET {
            continue;
        }
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let takes_agent_token = operation["security"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|scheme| scheme.get("agentToken").is_some());
            if takes_agent_token {
                routes.push((method.to_owned(), path.clone()));
            }
        }
    }
    routes
}

/// `method path` with `Authorization: Bearer {bearer}` when given: status and JSON body.
async fn call(app: &TestApp, method: &str, path: &str, bearer: Option<&str>) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut request = app.http.request(method, format!("{}{path}", app.base_url));
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Whether an answer is past authentication: 200, or 403 `forbidden` (the token was
/// accepted, the operator's role may not use the route).
fn accepted(status: u16, body: &Value) -> bool {
    status == 200 || (status == 403 && body["error"]["code"] == "forbidden")
}

#[tokio::test]
async fn an_access_token_in_the_url_opens_no_agent_route_the_websocket_included() {
    let app = spawn_desk(10).await;
    let (ada, _visitor, _, chat_id) = live_chat(&app).await;
    let doc = openapi();
    let routes = agent_http_routes(&doc);
    assert!(
        routes.len() >= 2,
        "docs/openapi.json lists the agent routes: {routes:?}"
    );
    for (method, template) in routes {
        let path = template.replace("{chat_id}", &chat_id);
        assert!(!path.contains('{'), "a test value for {template}");
        let in_url = format!("{path}?token={}", ada.token);
        let (status, body) = call(&app, &method, &in_url, None).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("token_in_query")),
            "{method} {template} with ?token="
        );
        assert_documented(&doc, &method, &template, status, &body);
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("Authorization: Bearer"),
            "the refusal says where the token goes: {message}"
        );
        // With the header the token is accepted: the answer is the route's own (200, or 403
        // `forbidden` for a route ada's role may not use, such as the supervisors' queues).
        let (status, body) = call(&app, &method, &path, Some(&ada.token)).await;
        assert!(
            accepted(status, &body),
            "{method} {template} with the header: {status} {body}"
        );
        // The header is what counts: a token also left in the URL changes nothing.
        let (status, body) = call(&app, &method, &in_url, Some(&ada.token)).await;
        assert!(
            accepted(status, &body),
            "{method} {template} with both: {status} {body}"
        );
    }
    // The websocket too: a token only in its URL is refused before the upgrade.
    let (status, body) = websocket(&app, &format!("{WEBSOCKET}?token={}", ada.token), None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("token_in_query")),
        "the websocket with ?token= alone"
    );
    assert_documented(&doc, "get", WEBSOCKET, status, &body);
    // A tool sends the header (a token also left in the URL changes nothing); the console
    // offers the token as a subprotocol, checked by the security_support probe.
    let with_header = Some(ada.token.as_str());
    assert_eq!(websocket(&app, WEBSOCKET, with_header).await.0, 101);
    let both = format!("{WEBSOCKET}?token={}", ada.token);
    assert_eq!(websocket(&app, &both, with_header).await.0, 101);
    assert_eq!(
        agent_ws_status(&app, &ada.token).await,
        (101, String::new()),
        "the console's subprotocol opens the websocket"
    );
}

/// Opens the agent websocket at `path_and_query` with `Authorization: Bearer {bearer}` when
/// given: 101, or the refusal's status and JSON body.
async fn websocket(app: &TestApp, path_and_query: &str, bearer: Option<&str>) -> (u16, Value) {
    let mut request = format!("ws://{}{path_and_query}", app.addr)
        .into_client_request()
        .unwrap();
    if let Some(token) = bearer {
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok(_) => (101, Value::Null),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => (
            response.status().as_u16(),
            response
                .body()
                .as_deref()
                .and_then(|bytes| serde_json::from_slice(bytes).ok())
                .unwrap_or(Value::Null),
        ),
        Err(other) => panic!("the agent websocket failed without an HTTP answer: {other:?}"),
    }
}

#[tokio::test]
async fn the_console_subprotocol_is_answered_without_the_token() {
    let app = spawn_desk(10).await;
    let ada = agent(&app, "ada", "agent").await;
    let (_socket, response) = tokio_tungstenite::connect_async(console_request(&app, &ada.token))
        .await
        .expect("the console's websocket opens");
    let selected = response
        .headers()
        .get_all("sec-websocket-protocol")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert_eq!(selected, ["staffetta.agent.v1"]);
}

#[tokio::test]
async fn a_bad_token_in_the_url_is_refused_as_out_of_place_before_it_is_checked() {
    let app = spawn_desk(10).await;
    let response = app
        .http
        .get(format!(
            "{}/api/v1/agent/offline-requests?token=not-a-token",
            app.base_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_and_code(response).await,
        (401, "token_in_query".to_owned())
    );
}
