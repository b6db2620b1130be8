//! The served documents equal the files, the document's own examples match their schemas,
//! and real answers of a running server match the documented responses.

use serde_json::{Value, json};

use super::contract::{
    METHODS, assert_documented, assert_valid, component, frame_def, openapi, openapi_schema,
    read_text, ws_frames,
};
use crate::support::spawn_app;
use crate::support::visitor::ORIGIN;

const SESSIONS: &str = "/api/v1/sites/{site}/sessions";
const SESSION: &str = "/api/v1/sites/{site}/sessions/{session}";
const MESSAGE: &str = "/api/v1/sites/{site}/sessions/{session}/message";
const EVENTS: &str = "/api/v1/sites/{site}/sessions/{session}/events";
const CONFIG: &str = "/api/v1/sites/{site}/config";

#[tokio::test]
async fn the_served_documents_are_the_files_and_parse() {
    let app = spawn_app().await;
    for (path, file, content_type) in [
        (
            "/api/v1/openapi.json",
            "docs/openapi.json",
            "application/json",
        ),
        (
            "/api/v1/ws-frames.schema.json",
            "docs/ws-frames.schema.json",
            "application/schema+json",
        ),
    ] {
        let response = app
            .http
            .get(format!("{}{path}", app.base_url))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], content_type);
        let served = response.text().await.expect("body");
        assert_eq!(served, read_text(file), "{path} is not {file}");
        serde_json::from_str::<Value>(&served).expect("the served document is JSON");
    }
    assert_eq!(openapi()["openapi"], "3.1.0");
}

/// (where, example, schema) for every example of a request or response body.
fn examples(doc: &Value) -> Vec<(String, Value, Value)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let mut contents = vec![("request".to_owned(), &operation["requestBody"]["content"])];
            for (status, response) in operation["responses"].as_object().expect("responses") {
                contents.push((status.clone(), &response["content"]));
            }
            for (part, content) in contents {
                for (media, body) in content.as_object().into_iter().flatten() {
                    for (name, example) in body["examples"].as_object().into_iter().flatten() {
                        found.push((
                            format!("{method} {path} {part} {media} example `{name}`"),
                            example["value"].clone(),
                            body["schema"].clone(),
                        ));
                    }
                }
            }
        }
    }
    found
}

#[test]
fn every_example_in_the_document_matches_its_schema() {
    let doc = openapi();
    let examples = examples(&doc);
    assert!(examples.len() >= 15, "only {} examples", examples.len());
    for (what, example, schema) in examples {
        assert_valid(&openapi_schema(&doc, &schema), &example, &what);
    }
}

#[test]
fn every_schema_of_the_documents_compiles() {
    let doc = openapi();
    for name in doc["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
    {
        jsonschema::draft202012::new(&component(&doc, name))
            .unwrap_or_else(|err| panic!("components/schemas/{name}: {err}"));
    }
    let frames = ws_frames();
    for name in frames["$defs"].as_object().expect("$defs").keys() {
        jsonschema::draft202012::new(&frame_def(&frames, name))
            .unwrap_or_else(|err| panic!("$defs/{name}: {err}"));
    }
}

#[test]
fn the_frame_schema_and_the_openapi_components_define_the_same_types() {
    let doc = openapi();
    let frames = ws_frames();
    for (name, definition) in frames["$defs"].as_object().expect("$defs") {
        let as_component: Value = serde_json::from_str(
            &definition
                .to_string()
                .replace("\"#/$defs/", "\"#/components/schemas/"),
        )
        .expect("json");
        assert_eq!(
            doc["components"]["schemas"][name], as_component,
            "`{name}` differs between docs/ws-frames.schema.json and docs/openapi.json"
        );
    }
}

async fn get(app: &crate::support::TestApp, path: &str, origin: Option<&str>) -> (u16, Value) {
    let mut request = app.http.get(format!("{}{path}", app.base_url));
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn real_visitor_answers_match_the_documented_responses() {
    let app = spawn_app().await;
    let doc = openapi();

    let (status, body) = get(&app, "/api/v1/sites/demo/config?locale=en", Some(ORIGIN)).await;
    assert_documented(&doc, "get", CONFIG, status, &body);
    let (status, body) = get(&app, "/api/v1/sites/nowhere/config", Some(ORIGIN)).await;
    assert_documented(&doc, "get", CONFIG, status, &body);
    let (status, body) = get(&app, "/api/v1/sites/demo/config", Some("https://evil.test")).await;
    assert_eq!(status, 403);
    assert_documented(&doc, "get", CONFIG, status, &body);

    let started = app
        .start_session_raw(
            "demo",
            &json!({ "anonymous_id": "anon-openapi-test-0001", "locale": "en" }),
        )
        .await;
    assert_eq!(started.status, 201);
    assert_documented(&doc, "post", SESSIONS, 201, &started.body);
    let refused = app
        .start_session_raw("demo", &json!({ "user_id": "", "locale": "en" }))
        .await;
    assert_documented(
        &doc,
        "post",
        SESSIONS,
        refused.status.as_u16(),
        &refused.body,
    );
    let unknown = app
        .start_session_raw(
            "demo",
            &json!({ "anonymous_id": "anon-openapi-test-0002", "colour": "red" }),
        )
        .await;
    assert_documented(
        &doc,
        "post",
        SESSIONS,
        unknown.status.as_u16(),
        &unknown.body,
    );
    let restore = app
        .start_session_raw(
            "demo",
            &json!({ "anonymous_id": "anon-openapi-test-0003", "restore": "forged" }),
        )
        .await;
    assert_documented(
        &doc,
        "post",
        SESSIONS,
        restore.status.as_u16(),
        &restore.body,
    );

    let visitor = app.visitor().await;
    let sent = visitor.send_raw("m-1", json!({ "text": "hello" })).await;
    assert_eq!(sent.status, 200);
    assert_documented(&doc, "post", MESSAGE, 200, &sent.body);
    let duplicate = visitor.send_raw("m-1", json!({ "text": "other" })).await;
    assert_documented(
        &doc,
        "post",
        MESSAGE,
        duplicate.status.as_u16(),
        &duplicate.body,
    );
    for input in [
        json!({}),
        json!({ "date": "2025-02-30" }),
        json!({ "text": "a", "option": "b" }),
    ] {
        let refused = visitor.send_raw("m-2", input).await;
        assert_eq!(refused.status, 422);
        assert_documented(&doc, "post", MESSAGE, 422, &refused.body);
    }
    let bad_id = visitor.send_raw("not ok!", json!({ "text": "x" })).await;
    assert_documented(&doc, "post", MESSAGE, bad_id.status.as_u16(), &bad_id.body);
    let too_long = visitor
        .send_raw("m-3", json!({ "text": "x".repeat(5000) }))
        .await;
    assert_documented(
        &doc,
        "post",
        MESSAGE,
        too_long.status.as_u16(),
        &too_long.body,
    );
    let not_json = visitor
        .request(reqwest::Method::POST, "/message")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("sent");
    let status = not_json.status().as_u16();
    assert_documented(
        &doc,
        "post",
        MESSAGE,
        status,
        &not_json.json().await.expect("json"),
    );

    let events = visitor.events(0, 0).await;
    assert_eq!(events.status, 200);
    assert!(
        events.body["events"]
            .as_array()
            .is_some_and(|e| e.len() >= 3)
    );
    assert_documented(&doc, "get", EVENTS, 200, &events.body);
    let resync = visitor.events(10_000, 0).await;
    assert_eq!(resync.body["resync"], true);
    assert_documented(&doc, "get", EVENTS, 200, &resync.body);
    let path = format!(
        "/api/v1/sites/demo/sessions/{}/events?after=x",
        visitor.id()
    );
    let (status, body) = get(&app, &path, Some(ORIGIN)).await;
    assert_documented(&doc, "get", EVENTS, status, &body);
    // The session id alone (no token) opens nothing.
    let path = format!("/api/v1/sites/demo/sessions/{}/events", visitor.id());
    let (status, body) = get(&app, &path, Some(ORIGIN)).await;
    assert_eq!(status, 401);
    assert_documented(&doc, "get", EVENTS, status, &body);
    let (status, body) = get(
        &app,
        "/api/v1/sites/demo/sessions/00000000000000000000000000000000/events",
        Some(ORIGIN),
    )
    .await;
    assert_eq!(status, 404);
    assert_documented(&doc, "get", EVENTS, status, &body);

    let ended = visitor.end().await;
    assert_eq!(ended.status, 200);
    assert_documented(&doc, "delete", SESSION, 200, &ended.body);
    let after_end = visitor
        .send_raw("m-4", json!({ "text": "still there?" }))
        .await;
    assert_eq!(after_end.status, 409);
    assert_documented(&doc, "post", MESSAGE, 409, &after_end.body);
    let events = visitor.events(0, 0).await;
    assert_documented(&doc, "get", EVENTS, 200, &events.body);
}

#[tokio::test]
async fn preflight_health_and_unknown_paths_match_the_document() {
    let app = spawn_app().await;
    let doc = openapi();
    let preflight = app
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/sites/demo/sessions", app.base_url),
        )
        .header("origin", ORIGIN)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .expect("sent");
    assert_eq!(preflight.status(), 204);
    let documented = &doc["paths"][SESSIONS]["options"]["responses"]["204"]["headers"];
    for header in preflight.headers().keys() {
        let name = header.as_str();
        if name.starts_with("access-control-") {
            assert!(
                documented
                    .as_object()
                    .expect("headers")
                    .keys()
                    .any(|key| key.eq_ignore_ascii_case(name)),
                "preflight header {name} is not documented"
            );
        }
    }
    let (status, body) = get(&app, "/healthz", None).await;
    assert_documented(&doc, "get", "/healthz", status, &body);
    let (status, body) = get(&app, "/readyz", None).await;
    assert_documented(&doc, "get", "/readyz", status, &body);
    let (status, body) = get(&app, "/api/v1/no-such-thing", None).await;
    assert_eq!(status, 404);
    assert_valid(&component(&doc, "Error"), &body, "fallback 404");
    let (status, body) = get(&app, "/api/v1/admin/sites/demo/mau", None).await;
    assert_documented(&doc, "get", "/api/v1/admin/sites/{site}/mau", status, &body);
}

#[tokio::test]
async fn admin_mau_answers_match_the_document() {
    let app = crate::support::spawn_app_with(|settings| {
        settings.admin.token = staffetta::secret::Secret::new("openapi-admin-token-0123456789");
    })
    .await;
    let doc = openapi();
    let path = "/api/v1/admin/sites/{site}/mau";
    for (url, token) in [
        (
            "/api/v1/admin/sites/demo/mau?month=2025-03",
            Some("openapi-admin-token-0123456789"),
        ),
        (
            "/api/v1/admin/sites/demo/mau?month=2025-13",
            Some("openapi-admin-token-0123456789"),
        ),
        (
            "/api/v1/admin/sites/nowhere/mau",
            Some("openapi-admin-token-0123456789"),
        ),
        ("/api/v1/admin/sites/demo/mau", Some("wrong")),
        ("/api/v1/admin/sites/demo/mau", None),
    ] {
        let mut request = app.http.get(format!("{}{url}", app.base_url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("sent");
        let status = response.status().as_u16();
        assert_documented(
            &doc,
            "get",
            path,
            status,
            &response.json().await.expect("json"),
        );
    }
}
