//! `GET /api/v1/agent/texts`: the agent console's texts in the operator's language, negotiated
//! from `?locale=` and `Accept-Language` among the locales that ship `console.ftl`, complete
//! (every English id) and shaped as docs/openapi.json says.

use serde_json::Value;

use crate::openapi::contract::{assert_documented, openapi};
use crate::support::{TestApp, spawn_app};

const TEXTS: &str = "/api/v1/agent/texts";

/// The answer to `path` with `Accept-Language: {accept}` when given: status, `Vary`, body.
async fn texts(app: &TestApp, path: &str, accept: Option<&str>) -> (u16, String, Value) {
    let mut request = app.http.get(format!("{}{path}", app.base_url));
    if let Some(accept) = accept {
        request = request.header("accept-language", accept);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let vary = response
        .headers()
        .get("vary")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, vary, response.json().await.expect("JSON"))
}

#[tokio::test]
async fn an_italian_browser_gets_the_console_in_italian_complete_and_as_documented() {
    let app = spawn_app().await;
    let doc = openapi();
    let (status, vary, english) = texts(&app, TEXTS, None).await;
    assert_eq!(status, 200);
    assert_eq!(english["locale"], "en");
    assert_documented(&doc, "get", TEXTS, status, &english);

    let (status, vary_it, italian) = texts(&app, TEXTS, Some("it-IT,it;q=0.9,en;q=0.8")).await;
    assert_eq!(status, 200);
    assert_eq!(vary, "Accept-Language");
    assert_eq!(vary_it, "Accept-Language");
    assert_eq!(italian["locale"], "it");
    assert_documented(&doc, "get", TEXTS, status, &italian);
    assert_eq!(italian["texts"]["console-login-heading"], "Accedi");
    assert_eq!(english["texts"]["console-login-heading"], "Sign in");
    let ids = |body: &Value| -> Vec<String> {
        body["texts"]
            .as_object()
            .expect("texts")
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(
        ids(&italian),
        ids(&english),
        "every English text has its Italian one"
    );
    assert!(ids(&english).len() > 100);
    // A plural comes as its variants, placeables for the console to fill in.
    assert_eq!(
        italian["texts"]["console-offer-hurry"]["variants"]["one"],
        "Resta {$seconds} secondo per accettare la chat."
    );
    assert_eq!(italian["texts"]["console-offer-hurry"]["default"], "other");
}

#[tokio::test]
async fn an_explicit_locale_wins_and_an_unknown_language_gets_english() {
    let app = spawn_app().await;
    let (_, _, german) = texts(&app, &format!("{TEXTS}?locale=de-AT"), Some("it")).await;
    assert_eq!(german["locale"], "de");
    assert_eq!(german["texts"]["console-login-heading"], "Anmelden");
    let (_, _, fallback) = texts(&app, TEXTS, Some("ja, zh;q=0.5")).await;
    assert_eq!(fallback["locale"], "en");
    let (status, _, refused) = texts(&app, &format!("{TEXTS}?locale=a&locale=b"), None).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (400, Some("invalid_query"))
    );
    assert_documented(&openapi(), "get", TEXTS, status, &refused);
}
