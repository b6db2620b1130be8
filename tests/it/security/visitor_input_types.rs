//! I-01: type confusion and key injection on every visitor route. Ids and fields sent as
//! query-operator objects, booleans, numbers, arrays, null, oversized strings or strings
//! with key separators get a clean 4xx with a machine-readable code, never a 5xx and never
//! a match.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::support::{call, roomy_app};
use crate::support::visitor::{Answer, ORIGIN, Visitor};

/// Values that are not what a field expects (or are strings no id may be).
fn hostile_values() -> Vec<Value> {
    vec![
        json!({ "$regex": "^a" }),
        json!({ "$ne": null }),
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5e300),
        json!([]),
        json!(["a"]),
        json!(null),
        json!("a".repeat(20_000)),
        json!("site:demo:*"),
        json!("../../etc/passwd"),
        json!("a\u{0}b"),
        json!(""),
    ]
}

/// Whether a value is neither a string nor null (null reads as an absent optional field), so
/// a string field must refuse it.
fn is_wrong_type(value: &Value) -> bool {
    !value.is_string() && !value.is_null()
}

/// A refusal: a 4xx with a JSON error code.
fn assert_clean_refusal(what: &str, answer: &Answer) {
    assert!(
        answer.status.is_client_error(),
        "{what}: {} {:?}",
        answer.status,
        answer.body
    );
    assert!(
        !answer.code().is_empty(),
        "{what}: no code in {:?}",
        answer.body
    );
}

/// Never a 5xx; a refusal always carries a code.
fn assert_clean(what: &str, answer: &Answer) {
    assert!(
        !answer.status.is_server_error(),
        "{what}: {} {:?}",
        answer.status,
        answer.body
    );
    if !answer.status.is_success() {
        assert_clean_refusal(what, answer);
    }
}

fn session_path(visitor: &Visitor, tail: &str) -> String {
    format!("/api/v1/sites/demo/sessions/{}{tail}", visitor.id())
}

#[tokio::test]
async fn every_session_start_field_of_the_wrong_type_is_refused_with_a_code() {
    let app = roomy_app().await;
    let fields = [
        "anonymous_id",
        "user_id",
        "identity_token",
        "locale",
        "page_url",
        "referrer",
        "dispatch_to",
        "restore",
    ];
    for field in fields {
        for value in hostile_values() {
            let mut body = json!({ "anonymous_id": "anon-0123456789abcdef" });
            body[field] = value.clone();
            let answer = app.start_session_raw("demo", &body).await;
            let what = format!("{field} = {}", short(&value));
            if is_wrong_type(&value) {
                assert_clean_refusal(&what, &answer);
            } else {
                assert_clean(&what, &answer);
            }
        }
    }
    // Identity fields never accept a string that is not an id of theirs (a `user_id` is any
    // visible ASCII, so only its length and control characters are checked).
    for field in ["anonymous_id", "user_id", "identity_token", "restore"] {
        for value in [
            "a".repeat(20_000),
            "site:demo:*".to_owned(),
            "a\u{0}b".to_owned(),
        ] {
            if field == "user_id" && value == "site:demo:*" {
                continue;
            }
            let mut body = json!({ "anonymous_id": "anon-0123456789abcdef" });
            body[field] = json!(value);
            let answer = app.start_session_raw("demo", &body).await;
            assert_clean_refusal(&format!("{field} = {}", short(&json!(value))), &answer);
        }
    }
    let nothing = app
        .start_session_raw("demo", &json!({ "anonymous_id": null }))
        .await;
    assert_eq!(nothing.code(), "invalid_anonymous_id");
}

#[tokio::test]
async fn every_message_field_of_the_wrong_type_is_refused_with_a_code() {
    let app = roomy_app().await;
    let visitor = app.visitor().await;
    let path = session_path(&visitor, "/message");
    for (i, value) in hostile_values().into_iter().enumerate() {
        let id = format!("m-{i}");
        let bodies = [
            (
                "client_message_id",
                json!({ "client_message_id": value, "input": { "text": "hi" } }),
            ),
            ("input", json!({ "client_message_id": id, "input": value })),
            (
                "input.text",
                json!({ "client_message_id": id, "input": { "text": value } }),
            ),
            (
                "input.option",
                json!({ "client_message_id": id, "input": { "option": value } }),
            ),
            (
                "input.date",
                json!({ "client_message_id": id, "input": { "date": value } }),
            ),
        ];
        for (field, body) in bodies {
            let answer = call(&app, Method::POST, &path, Some(&body)).await;
            let what = format!("{field} = {}", short(&value));
            // serde reads a JSON array as a struct's fields in order, so `"input": ["a"]` is
            // `{"text": "a"}`: lenient, but it still yields a well-typed input.
            let positional = field == "input" && value.is_array();
            if is_wrong_type(&value) && !positional {
                assert_clean_refusal(&what, &answer);
            } else {
                assert_clean(&what, &answer);
            }
        }
    }
    for body in [json!([]), json!(null), json!("text"), json!(42), json!({})] {
        let answer = call(&app, Method::POST, &path, Some(&body)).await;
        assert_clean_refusal(&format!("body {body}"), &answer);
    }
}

#[tokio::test]
async fn identity_handoff_and_offline_request_bodies_of_the_wrong_type_are_refused() {
    let app = roomy_app().await;
    for value in hostile_values() {
        let visitor = app.visitor().await;
        let what = short(&value);
        let identity = json!({ "identity_token": value });
        let answer = call(
            &app,
            Method::PUT,
            &session_path(&visitor, "/identity"),
            Some(&identity),
        )
        .await;
        assert_clean_refusal(&format!("identity_token = {what}"), &answer);

        let handoff = json!({ "resource": value });
        let answer = call(
            &app,
            Method::POST,
            &session_path(&visitor, "/handoff"),
            Some(&handoff),
        )
        .await;
        if is_wrong_type(&value) {
            assert_clean_refusal(&format!("resource = {what}"), &answer);
        } else {
            assert_clean(&format!("resource = {what}"), &answer);
        }

        for field in ["name", "email", "text", "resource", "session_id"] {
            let mut body = json!({
                "name": "Ada", "email": "ada@example.test", "text": "Call me back",
            });
            body[field] = value.clone();
            let answer = call(
                &app,
                Method::POST,
                "/api/v1/sites/demo/offline-requests",
                Some(&body),
            )
            .await;
            let what = format!("offline {field} = {what}");
            if is_wrong_type(&value) || (field == "session_id" && value.is_string()) {
                assert_clean_refusal(&what, &answer);
            } else {
                assert_clean(&what, &answer);
            }
        }
    }
}

/// Session ids no session has: operator objects, other types, key separators, traversal,
/// NUL, confusables, over-long, someone's conversation id, another case.
fn hostile_session_ids(visitor: &Visitor) -> Vec<String> {
    vec![
        "%7B%22%24ne%22%3Anull%7D".to_owned(),
        "%7B%22%24regex%22%3A%22%5Ea%22%7D".to_owned(),
        "true".to_owned(),
        "0".to_owned(),
        "%5B%5D".to_owned(),
        "null".to_owned(),
        "a".repeat(300),
        format!("{}%3A{}", &visitor.id()[..16], &visitor.id()[16..]),
        "%2A".to_owned(),
        "%3F".to_owned(),
        "%00".to_owned(),
        "..%2F..%2Fetc%2Fpasswd".to_owned(),
        format!("%D0%B0{}", &visitor.id()[1..]),
        visitor.id().to_ascii_uppercase(),
        visitor.started.conversation_id.clone(),
        "%20".to_owned(),
    ]
}

#[tokio::test]
async fn every_session_route_answers_a_hostile_session_id_with_404_session_not_found() {
    let app = roomy_app().await;
    let visitor = app.visitor().await;
    let message = json!({ "client_message_id": "m-1", "input": { "text": "hi" } });
    let identity = json!({ "identity_token": "x.y.z" });
    for id in hostile_session_ids(&visitor) {
        let base = format!("/api/v1/sites/demo/sessions/{id}");
        let routes = [
            (Method::POST, format!("{base}/message"), Some(&message)),
            (Method::DELETE, base.clone(), None),
            (Method::PUT, format!("{base}/identity"), Some(&identity)),
            (Method::POST, format!("{base}/continue"), None),
            (Method::GET, format!("{base}/events?after=0&wait=0"), None),
            (Method::POST, format!("{base}/handoff"), None),
            (Method::DELETE, format!("{base}/handoff"), None),
        ];
        for (method, path, body) in routes {
            let answer = call(&app, method.clone(), &path, body).await;
            assert_eq!(
                (answer.status, answer.code()),
                (StatusCode::NOT_FOUND, "session_not_found"),
                "{method} {path}: {:?}",
                answer.body
            );
        }
    }
    // The real session is untouched by all of it.
    assert_eq!(visitor.events(0, 0).await.body["next_after"], 1);
}

#[tokio::test]
async fn a_path_that_does_not_decode_to_utf8_gets_400_invalid_path() {
    let app = roomy_app().await;
    let visitor = app.visitor().await;
    for path in [
        "/api/v1/sites/demo/sessions/%FF%FE/events".to_owned(),
        "/api/v1/sites/%FF/config".to_owned(),
        "/api/v1/sites/%C0%AF/sessions".to_owned(),
        session_path(&visitor, "%FF/message"),
    ] {
        let method = if path.ends_with("/sessions") || path.ends_with("/message") {
            Method::POST
        } else {
            Method::GET
        };
        let answer = call(&app, method, &path, Some(&json!({}))).await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::BAD_REQUEST, "invalid_path"),
            "{path}: {:?}",
            answer.body
        );
    }
}

#[tokio::test]
async fn a_hostile_site_id_is_an_unknown_site() {
    let app = roomy_app().await;
    for site in [
        "%7B%22%24ne%22%3Anull%7D",
        "true",
        "demo%3Aother",
        "demo%00",
        "DEMO",
        "%2A",
        &"d".repeat(300),
    ] {
        let answer = call(
            &app,
            Method::GET,
            &format!("/api/v1/sites/{site}/config"),
            None,
        )
        .await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::NOT_FOUND, "unknown_site"),
            "{site}: {:?}",
            answer.body
        );
    }
}

#[test]
fn a_site_id_with_a_key_separator_is_refused_at_start_up() {
    // Store keys join the site id and the visitor's key with `:`; a site id never has one,
    // so site `a` with key `b:c` can never meet site `a:b` with key `c`.
    for (id, valid) in [
        ("shop", true),
        ("demo:u", false),
        ("demo*", false),
        ("Demo", false),
        ("demo/x", false),
        ("", false),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("staffetta.toml");
        let config =
            format!("[[sites]]\nid = \"{id}\"\nallowed_origins = [\"https://shop.example\"]\n");
        std::fs::write(&path, config).unwrap();
        let loaded = staffetta::config::Settings::load(Some(&path), Vec::new());
        assert_eq!(loaded.is_ok(), valid, "site id {id:?}: {:?}", loaded.err());
    }
}

#[tokio::test]
async fn malformed_query_strings_get_400_invalid_query() {
    let app = roomy_app().await;
    let visitor = app.visitor().await;
    for query in [
        "after=%7B%7D",
        "after=true",
        "after=-1",
        "after=1e3",
        "after=18446744073709551616",
        "after=0x10",
        "after=1&after=2",
        "wait=-1",
        "wait=99999999999999999999",
        "after[$ne]=1",
        "bogus=1",
    ] {
        let path = session_path(&visitor, &format!("/events?{query}"));
        let answer = call(&app, Method::GET, &path, None).await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::BAD_REQUEST, "invalid_query"),
            "{query}: {:?}",
            answer.body
        );
    }
    let config = call(
        &app,
        Method::GET,
        "/api/v1/sites/demo/config?locale=en&locale=it",
        None,
    )
    .await;
    assert_eq!(config.code(), "invalid_query", "{:?}", config.body);
}

#[tokio::test]
async fn the_websocket_route_refuses_a_bad_query_or_a_plain_get_with_a_json_code() {
    let app = roomy_app().await;
    let visitor = app.visitor().await;
    let plain_get = call(&app, Method::GET, &session_path(&visitor, "/ws"), None).await;
    assert!(plain_get.status.is_client_error(), "{}", plain_get.status);
    assert!(!plain_get.code().is_empty(), "{:?}", plain_get.body);
    let url = format!(
        "{}{}",
        app.base_url.replacen("http://", "ws://", 1),
        session_path(&visitor, "/ws?after=abc")
    );
    match crate::support::visitor::Socket::connect(&url, ORIGIN).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 400);
            let body: Value =
                serde_json::from_slice(response.body().as_deref().unwrap_or_default())
                    .unwrap_or_default();
            assert_eq!(body["error"]["code"], "invalid_query", "{body}");
        }
        other => panic!("expected a 400, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unsupported_method_on_a_visitor_route_is_a_405() {
    let app = roomy_app().await;
    let visitor = app.visitor().await;
    for (method, path) in [
        (Method::GET, session_path(&visitor, "/message")),
        (Method::PATCH, session_path(&visitor, "")),
        (Method::PUT, "/api/v1/sites/demo/sessions".to_owned()),
        (Method::POST, session_path(&visitor, "/events")),
    ] {
        let answer = call(&app, method.clone(), &path, None).await;
        assert_eq!(
            answer.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 40 {
        format!("{}... ({} bytes)", &text[..40], text.len())
    } else {
        text
    }
}
