//! D-01, D-02, D-04: pathological markdown and deep nesting in what a visitor types, deep
//! nesting and bombs in JSON bodies. Every input is cut by a size limit before any parser
//! sees it, answered with a specific code, and leaves the conversation working.

use reqwest::Method;
use serde_json::{Value, json};

use super::inert::assert_all_html_inert;
use super::support::roomy_app;
use crate::support::TestApp;
use crate::support::visitor::ORIGIN;

/// The longest message of the test node (the default).
const MAX_CHARS: usize = 4000;

/// The catalogue's pathological markdown (pulldown-cmark #82, #246-#255, md4c #57, #238),
/// each repeated far past the message cap and then cut to it.
fn pathological_markdown() -> Vec<String> {
    let link_definitions = format!("[x]: {}{}", "x".repeat(1000), "\n[x]".repeat(1000));
    let repeated = [
        ("[ (](", 40_000),
        ("[a](<b", 50_000),
        ("[*_a", 200_000),
        ("a***", 80_000),
        ("* ", 80_000),
        ("[](", 40_000),
        ("<>", 40_000),
        (">", 10_000),
        ("[", 100_000),
        ("  - ", 5_000),
    ];
    repeated
        .into_iter()
        .map(|(unit, times)| unit.repeat(times))
        .chain([link_definitions, format!("{}a", "* ".repeat(80_000))])
        .map(|text| text.chars().take(MAX_CHARS).collect())
        .collect()
}

#[tokio::test]
async fn pathological_markdown_from_a_visitor_reaches_nobody_as_markup_and_the_chat_goes_on() {
    let app = roomy_app().await;
    for text in pathological_markdown() {
        let visitor = app.visitor().await;
        // As a message: stored and shown as text.
        let answer = visitor.say(&text).await;
        assert_all_html_inert(&answer["output"]);
        // As the name the bot repeats: escaped into the bot's own markup.
        visitor.pick("profile").await;
        let reply = visitor.say(&text).await;
        assert_all_html_inert(&reply["output"]);
        let events = visitor.events(0, 0).await.body;
        assert_all_html_inert(&events);
        for event in events["events"].as_array().unwrap() {
            if event["from"] == "visitor" {
                assert!(event.get("html").is_none(), "{event}");
            }
        }
        assert!(visitor.pick("bye").await["seq"].as_u64().is_some());
    }
}

#[tokio::test]
async fn a_message_one_character_over_the_cap_is_refused_before_any_parsing() {
    let app = roomy_app().await;
    let visitor = app.visitor().await;
    for unit in ["[ (](", ">", "a***", "😀"] {
        let text: String = unit
            .repeat(MAX_CHARS + 1)
            .chars()
            .take(MAX_CHARS + 1)
            .collect();
        let answer = visitor.send_raw("over-cap", json!({ "text": text })).await;
        assert!(
            answer.code() == "message_too_long" || answer.code() == "payload_too_large",
            "{unit}: {:?}",
            answer.body
        );
    }
}

/// Status and error code; status 0 when the server closed the connection while the body
/// was still being sent (it answers 413 from `Content-Length` without reading the body).
/// `token` is the session token (sent on every route; only session routes read it).
async fn post_raw(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Vec<u8>,
) -> (u16, String) {
    let sent = app
        .http
        .request(method, format!("{}{path}", app.base_url))
        .header("origin", ORIGIN)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await;
    let Ok(response) = sent else {
        return (0, String::new());
    };
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or_default();
    (
        status,
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// A body refused for its size: 413 `payload_too_large`, or the connection closed while the
/// body was still being sent (status 0, see [`post_raw`]).
fn refused_for_size(status: u16, code: &str) -> bool {
    matches!((status, code), (413, "payload_too_large") | (0, ""))
}

/// Every visitor route that reads a JSON body, for session `id`.
fn body_routes(id: &str) -> Vec<(Method, String)> {
    let session = format!("/api/v1/sites/demo/sessions/{id}");
    vec![
        (Method::POST, "/api/v1/sites/demo/sessions".to_owned()),
        (Method::POST, format!("{session}/message")),
        (Method::PUT, format!("{session}/identity")),
        (Method::POST, format!("{session}/handoff")),
        (
            Method::POST,
            "/api/v1/sites/demo/offline-requests".to_owned(),
        ),
    ]
}

#[tokio::test]
async fn json_nested_past_the_parsers_depth_limit_gets_400_on_every_route() {
    let app = roomy_app().await;
    let visitor = app.visitor().await;
    for (method, path) in body_routes(visitor.id()) {
        for nested in [
            format!("{}{}", "[".repeat(5_000), "]".repeat(5_000)),
            format!("{}1{}", r#"{"a":"#.repeat(2_000), "}".repeat(2_000)),
            format!(
                r#"{{"anonymous_id":{}"x"{}}}"#,
                "[".repeat(3_000),
                "]".repeat(3_000)
            ),
        ] {
            let (status, code) = post_raw(
                &app,
                visitor.token(),
                method.clone(),
                &path,
                nested.into_bytes(),
            )
            .await;
            assert!(
                matches!(
                    (status, code.as_str()),
                    (400, "invalid_json") | (422, "invalid_body")
                ),
                "{method} {path}: {status} {code}"
            );
        }
        // A hundred thousand brackets do not even reach the parser.
        let (status, code) = post_raw(
            &app,
            visitor.token(),
            method.clone(),
            &path,
            "[".repeat(100_000).into_bytes(),
        )
        .await;
        assert!(
            refused_for_size(status, &code),
            "{method} {path}: {status} {code}"
        );
    }
    assert!(visitor.say("still fine").await["seq"].as_u64().is_some());
}

#[tokio::test]
async fn body_bombs_are_refused_with_413_or_a_specific_code_on_every_route() {
    let app = roomy_app().await;
    let visitor = app.visitor().await;
    let two_megabytes = format!(r#"{{"text":"{}"}}"#, "a".repeat(2 * 1024 * 1024));
    let hundred_thousand_items = format!("[{}1]", "1,".repeat(100_000));
    let million_digits = format!(r#"{{"client_message_id":{}}}"#, "9".repeat(1_000_000));
    for (method, path) in body_routes(visitor.id()) {
        for bomb in [&two_megabytes, &hundred_thousand_items, &million_digits] {
            let (status, code) = post_raw(
                &app,
                visitor.token(),
                method.clone(),
                &path,
                bomb.clone().into_bytes(),
            )
            .await;
            assert!(
                refused_for_size(status, &code),
                "{method} {path}: {status} {code}"
            );
        }
        // Under the size limit, still the wrong shape: a specific 4xx.
        for small in [
            format!("[{}1]", "1,".repeat(5_000)),
            format!(r#"{{"client_message_id":{}}}"#, "9".repeat(10_000)),
            format!(r#"{{"anonymous_id":{}}}"#, "1e999999"),
        ] {
            let (status, code) = post_raw(
                &app,
                visitor.token(),
                method.clone(),
                &path,
                small.into_bytes(),
            )
            .await;
            assert!(
                (400..500).contains(&status) && !code.is_empty(),
                "{method} {path}: {status} {code}"
            );
        }
    }
    assert!(visitor.say("still fine").await["seq"].as_u64().is_some());
}
