//! Sessions and messages over REST: the contract's calls and error codes.

use serde_json::json;

use crate::support::spawn_app;
use crate::support::visitor::ORIGIN;

#[tokio::test]
async fn a_new_session_gets_the_welcome_with_seq_and_timeouts() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let started = &visitor.started;
    assert_eq!(started.seq, 1);
    assert_eq!(started.timeout_s, 300);
    assert_eq!(started.warning_s, 60);
    assert_eq!(started.locale, "en");
    let generic = serde_json::to_value(&started.output.generic).unwrap();
    assert_eq!(generic[0]["response_type"], "text");
    assert!(
        generic[0]["html"]
            .as_str()
            .unwrap()
            .contains("<strong>test</strong>")
    );
    assert_eq!(generic[1]["response_type"], "option");
    assert_eq!(generic[1]["preference"], "button");
}

#[tokio::test]
async fn the_locale_comes_from_the_widget_then_accept_language() {
    let app = spawn_app().await;
    let italian = app
        .visitor_with(&json!({ "anonymous_id": "anon-0123456789abcdef", "locale": "it-IT" }))
        .await;
    assert_eq!(italian.started.locale, "it");
    let text = serde_json::to_value(&italian.started.output.generic).unwrap();
    assert!(text[0]["text"].as_str().unwrap().contains("Benvenuto"));
    let answer = app
        .http
        .post(format!("{}/api/v1/sites/demo/sessions", app.base_url))
        .header("origin", ORIGIN)
        .header("accept-language", "de-CH, it;q=0.8")
        .json(&json!({ "anonymous_id": "anon-0123456789abcdeg" }))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["locale"], "de");
}

#[tokio::test]
async fn a_turn_answers_with_seq_output_context_and_never_private_variables() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let asked = visitor.pick("profile").await;
    assert_eq!(asked["seq"], 2);
    assert!(
        asked["output"]["generic"][0]["text"]
            .as_str()
            .unwrap()
            .contains("name")
    );
    let answered = visitor.say("Ada").await;
    assert_eq!(answered["context"]["name"], "Ada");
    assert!(
        answered["context"].get("secret_code").is_none(),
        "{answered}"
    );
    assert!(!answered.to_string().contains("s3cret"), "{answered}");
    let state = answered["state"].as_str().unwrap();
    assert!(!state.is_empty());
}

#[tokio::test]
async fn a_duplicate_send_returns_the_original_seq_and_output() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let first = visitor
        .send_raw("msg-1", json!({ "option": "profile" }))
        .await;
    let again = visitor
        .send_raw("msg-1", json!({ "option": "profile" }))
        .await;
    assert_eq!(first.status, 200);
    assert_eq!(again.status, 200);
    assert_eq!(first.body["seq"], again.body["seq"]);
    assert_eq!(first.body["output"], again.body["output"]);
    // Nothing was appended twice: the next message follows directly.
    let next = visitor.say("Ada").await;
    let first_seq = first.body["seq"].as_u64().unwrap();
    assert_eq!(next["seq"].as_u64().unwrap(), first_seq + 2);
}

#[tokio::test]
async fn the_same_client_message_id_with_other_content_is_a_409() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    assert_eq!(
        visitor
            .send_raw("msg-1", json!({ "text": "hello" }))
            .await
            .status,
        200
    );
    let conflict = visitor
        .send_raw("msg-1", json!({ "text": "something else" }))
        .await;
    assert_eq!(conflict.status, 409);
    assert_eq!(conflict.code(), "client_message_id_conflict");
}

#[tokio::test]
async fn bad_message_bodies_get_specific_errors() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let cases = [
        (json!({ "text": "a", "option": "b" }), 422, "invalid_input"),
        (json!({}), 422, "invalid_input"),
        (json!({ "date": "2026-02-31" }), 422, "invalid_date"),
        (json!({ "text": "x".repeat(4001) }), 413, "message_too_long"),
        (json!({ "txt": "typo" }), 422, "invalid_body"),
    ];
    for (i, (input, status, code)) in cases.into_iter().enumerate() {
        let answer = visitor.send_raw(&format!("bad-{i}"), input.clone()).await;
        assert_eq!(answer.status, status, "{input}: {:?}", answer.body);
        assert_eq!(answer.code(), code, "{input}");
        assert!(!answer.body["error"]["message"].as_str().unwrap().is_empty());
    }
    let bad_id = visitor
        .send_raw("not valid!", json!({ "text": "hi" }))
        .await;
    assert_eq!(bad_id.code(), "invalid_client_message_id");
    let not_json = visitor
        .request(reqwest::Method::POST, "/message")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
}

#[tokio::test]
async fn a_body_larger_than_a_frame_is_refused_with_413() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let huge = visitor
        .send_raw("big", json!({ "text": "x".repeat(40 * 1024) }))
        .await;
    assert_eq!(huge.status, 413);
    assert_eq!(huge.code(), "payload_too_large");
}

#[tokio::test]
async fn control_characters_and_a_huge_option_value_never_crash_the_bot() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let answer = visitor.say("\u{0}\u{7}\u{1b}[31mhello\u{202e}").await;
    assert!(answer["seq"].as_u64().is_some());
    let unknown = visitor
        .send_raw("opt-1", json!({ "option": "no-such-option" }))
        .await;
    assert_eq!(unknown.status, 200, "{:?}", unknown.body);
    let huge = visitor
        .send_raw("opt-2", json!({ "option": "x".repeat(300) }))
        .await;
    assert_eq!(huge.status, 422);
}

#[tokio::test]
async fn unknown_sites_and_sessions_are_404_and_sessions_are_per_site() {
    let app = spawn_app().await;
    let unknown_site = app
        .start_session_raw("nope", &json!({ "anonymous_id": "anon-0123456789abcdef" }))
        .await;
    assert_eq!(unknown_site.status, 404);
    assert_eq!(unknown_site.code(), "unknown_site");
    let visitor = app.visitor().await;
    let missing = app
        .http
        .post(format!(
            "{}/api/v1/sites/demo/sessions/{}/message",
            app.base_url,
            "0".repeat(32)
        ))
        .header("origin", ORIGIN)
        .json(&json!({ "client_message_id": "m", "input": { "text": "hi" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let garbage = visitor
        .http
        .get(format!(
            "{}/api/v1/sites/demo/sessions/..%2f..%2fetc/events",
            app.base_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 404);
}

#[tokio::test]
async fn a_session_start_with_unknown_fields_or_bad_identity_is_refused() {
    let app = spawn_app().await;
    let typo = app
        .start_session_raw("demo", &json!({ "anonymus_id": "anon-0123456789abcdef" }))
        .await;
    assert_eq!(typo.status, 422);
    assert_eq!(typo.code(), "invalid_body");
    let bad_user = app
        .start_session_raw("demo", &json!({ "user_id": "has space" }))
        .await;
    assert_eq!(bad_user.status, 400);
    assert_eq!(bad_user.code(), "invalid_user_id");
    let bad_restore = app
        .start_session_raw(
            "demo",
            &json!({ "anonymous_id": "anon-0123456789abcdef", "restore": "garbage" }),
        )
        .await;
    assert_eq!(bad_restore.status, 400);
    assert_eq!(bad_restore.code(), "invalid_restore_state");
}

#[tokio::test]
async fn ending_a_conversation_refuses_later_messages() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let ended = visitor.end().await;
    assert_eq!(ended.status, 200);
    assert_eq!(ended.body["ended"], true);
    let after = visitor.send_raw("late", json!({ "text": "hello?" })).await;
    assert_eq!(after.status, 409);
    assert_eq!(after.code(), "conversation_ended");
    // Ending twice is harmless.
    assert_eq!(visitor.end().await.status, 200);
}

#[tokio::test]
async fn the_bot_can_end_the_conversation() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    visitor.pick("bye").await;
    let after = visitor.send_raw("late", json!({ "text": "hello?" })).await;
    assert_eq!(after.code(), "conversation_ended");
}

#[tokio::test]
async fn too_many_messages_per_minute_get_429_with_retry_after() {
    let app = crate::support::spawn_app_with(|s| s.limits.messages_per_minute = 3).await;
    let visitor = app.visitor().await;
    for i in 0..3 {
        assert_eq!(
            visitor
                .send_raw(&format!("m{i}"), json!({ "text": "hi" }))
                .await
                .status,
            200
        );
    }
    let limited = visitor.send_raw("m3", json!({ "text": "hi" })).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.code(), "rate_limited");
    assert!(limited.headers.contains_key("retry-after"));
    // Another visitor is not affected.
    let other = app.visitor().await;
    assert_eq!(
        other.send_raw("m0", json!({ "text": "hi" })).await.status,
        200
    );
    // The window passes.
    app.advance(std::time::Duration::from_secs(61));
    assert_eq!(
        visitor.send_raw("m4", json!({ "text": "hi" })).await.status,
        200
    );
}

#[tokio::test]
async fn too_many_new_sessions_from_one_ip_get_429() {
    let app = crate::support::spawn_app_with(|s| s.limits.new_sessions_per_minute = 2).await;
    let body = json!({ "anonymous_id": "anon-0123456789abcdef" });
    assert_eq!(app.start_session_raw("demo", &body).await.status, 201);
    assert_eq!(app.start_session_raw("demo", &body).await.status, 201);
    let limited = app.start_session_raw("demo", &body).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.code(), "rate_limited");
}

#[tokio::test]
async fn sessions_count_monthly_active_users_once_per_visitor() {
    let app = crate::support::spawn_app_with(|s| {
        s.admin.token = staffetta::secret::Secret::new("admin-token")
    })
    .await;
    for id in [
        "anon-aaaaaaaaaaaaaaaa",
        "anon-aaaaaaaaaaaaaaaa",
        "anon-bbbbbbbbbbbbbbbb",
    ] {
        app.visitor_with(&json!({ "anonymous_id": id })).await;
    }
    app.visitor_with(&json!({ "user_id": "customer-42" })).await;
    let report = app
        .http
        .get(format!(
            "{}/api/v1/admin/sites/demo/mau?month=2026-11",
            app.base_url
        ))
        .bearer_auth("admin-token")
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = report.json().await.unwrap();
    assert_eq!(body["unique_users"], 3, "{body}");
}

#[tokio::test]
async fn the_site_config_carries_the_widget_strings_in_the_negotiated_locale() {
    let app = spawn_app().await;
    let config = |locale: &'static str| {
        let app = &app;
        async move {
            app.http
                .get(format!(
                    "{}/api/v1/sites/demo/config?locale={locale}",
                    app.base_url
                ))
                .header("origin", ORIGIN)
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let italian = config("it-IT").await;
    assert_eq!(italian["locale"], "it");
    assert_eq!(italian["strings"]["launcher-open"], "Apri la chat");
    // Placeables are left for the widget to fill in.
    assert_eq!(italian["strings"]["typing"], "{$name} sta scrivendo…");
    let german = config("de").await;
    assert_eq!(german["strings"]["composer-send"], "Senden");
    let english = config("en").await;
    assert_eq!(english["strings"]["launcher-open"], "Open chat");
}

#[tokio::test]
async fn a_site_without_its_own_greetings_gets_the_generic_ones_in_the_visitors_language() {
    // Whatever the site configures is sent apart (`launcher`, `home_screen`) and wins; the
    // widget's fallbacks (greetings, the assistant's name) come in the visitor's language
    // instead of the widget's built-in English.
    let app = spawn_app().await;
    let italian: serde_json::Value = app
        .http
        .get(format!(
            "{}/api/v1/sites/demo/config?locale=it",
            app.base_url
        ))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let strings = &italian["strings"];
    assert_eq!(
        strings["home-greeting"],
        "Ciao! Come possiamo aiutarti oggi?"
    );
    assert_eq!(strings["assistant-name"], "Assistente");
    assert_eq!(
        strings["launcher-greeting"],
        "Ciao! Domande su un prodotto o un ordine? Scrivici in chat."
    );
}
