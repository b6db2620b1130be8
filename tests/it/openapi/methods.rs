//! Every documented path answers a method it does not take with 405 `method_not_allowed` in
//! the JSON error shape and an `Allow` header naming exactly the methods it documents; on the
//! visitor routes, asked from an allowed page, with the CORS headers that let the widget read
//! the code.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;

use super::contract::{METHODS, openapi};
use crate::support::spawn_app;
use crate::support::visitor::ORIGIN;

/// Methods tried on every path.
const TRIED: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::PATCH,
];

/// A concrete URL path for a documented template: `{site}` is the demo site, any other
/// parameter a plain word (routing decides a 405 before any handler looks at it).
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|segment| match segment {
            "{site}" => "demo",
            "{file}" => "x.js",
            _ if segment.starts_with('{') => "x",
            _ => segment,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The methods an `Allow` header lists, upper case.
fn allowed(value: &str) -> BTreeSet<String> {
    value
        .split(',')
        .map(|method| method.trim().to_uppercase())
        .filter(|method| !method.is_empty())
        .collect()
}

#[tokio::test]
async fn every_documented_path_answers_a_method_it_does_not_take_with_a_json_405_and_allow() {
    let app = spawn_app().await;
    let doc = openapi();
    let mut checked = 0;
    for (template, item) in doc["paths"].as_object().expect("paths") {
        let mut documented: BTreeSet<String> = METHODS
            .iter()
            .filter(|method| item.get(**method).is_some())
            .map(|method| method.to_uppercase())
            .collect();
        // A GET route also answers HEAD (the framework adds it, and so does `Allow`).
        if documented.contains("GET") {
            documented.insert("HEAD".to_owned());
        }
        let path = concrete(template);
        for method in TRIED
            .iter()
            .filter(|method| !documented.contains(method.as_str()))
        {
            let is_visitor_route = path.starts_with("/api/v1/sites/");
            let mut request = app
                .http
                .request(method.clone(), format!("{}{path}", app.base_url));
            if is_visitor_route {
                request = request.header("origin", ORIGIN);
            }
            let response = request.send().await.expect("sent");
            let what = format!("{method} {path}");
            assert_eq!(response.status(), 405, "{what}");
            if is_visitor_route {
                assert_eq!(
                    response.headers()["access-control-allow-origin"],
                    ORIGIN,
                    "{what}"
                );
            }
            let allow = response
                .headers()
                .get("allow")
                .unwrap_or_else(|| panic!("{what}: no Allow header"))
                .to_str()
                .expect("ASCII")
                .to_owned();
            assert_eq!(allowed(&allow), documented, "{what}: Allow {allow}");
            assert_eq!(
                response.headers()["content-type"],
                "application/json",
                "{what}"
            );
            let body: Value = response.json().await.expect("a JSON body");
            assert_eq!(
                body["error"]["code"], "method_not_allowed",
                "{what}: {body}"
            );
            assert!(
                body["error"]["message"]
                    .as_str()
                    .is_some_and(|message| message.contains(method.as_str())),
                "{what}: {body}"
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} method refusals checked");
}

#[tokio::test]
async fn an_unknown_path_gets_a_json_404_whatever_the_method() {
    let app = spawn_app().await;
    for method in TRIED {
        let response = app
            .http
            .request(method.clone(), format!("{}/api/v1/nowhere", app.base_url))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 404, "{method}");
        let body: Value = response.json().await.expect("a JSON body");
        assert_eq!(body["error"]["code"], "not_found", "{method}: {body}");
    }
}
