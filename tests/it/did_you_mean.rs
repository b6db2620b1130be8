//! "Did you mean" in a small dialog, as a site owner's first bot has it
//! (tests/fixtures/small-dialogs/pizzeria.toml: five intents, a handful of examples each):
//! a message the dialog knows nothing about gets the fallback, two intents a message names
//! together are still offered.

use serde_json::Value;

use crate::support::app::repo_dir;
use crate::support::visitor::answer_texts as texts;
use crate::support::{TestApp, spawn_app_with};

async fn spawn_small_dialog() -> TestApp {
    spawn_app_with(|settings| {
        settings.paths.dialogs = repo_dir().join("tests/fixtures/small-dialogs");
        settings.sites[0].dialog = "pizzeria".to_owned();
        settings.agent.demo_operators = false;
    })
    .await
}

/// The titles of the option items of a turn's answer.
fn option_titles(answer: &Value) -> Vec<String> {
    answer["output"]["generic"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|item| item["response_type"] == "option")
        .filter_map(|item| item["title"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_message_a_small_dialog_knows_nothing_about_gets_the_fallback_not_did_you_mean() {
    let app = spawn_small_dialog().await;
    for (locale, message, fallback) in [
        ("en", "thanks", "Sorry, I didn't get that."),
        ("en", "hello", "Sorry, I didn't get that."),
        ("it", "grazie", "Scusa, non ho capito."),
    ] {
        let visitor = app
            .visitor_with(&serde_json::json!({ "anonymous_id": format!("anon-small-dialog-{locale}-{message}"), "locale": locale }))
            .await;
        let answer = visitor.say(message).await;
        assert_eq!(
            option_titles(&answer),
            Vec::<String>::new(),
            "{message}: {answer}"
        );
        assert_eq!(texts(&answer), fallback, "{message}: {answer}");
    }
    app.stop().await.expect("stopped");
}

#[tokio::test]
async fn two_intents_a_message_names_together_are_still_offered_as_did_you_mean() {
    let app = spawn_small_dialog().await;
    let visitor = app
        .visitor_with(
            &serde_json::json!({ "anonymous_id": "anon-small-dialog-both", "locale": "en" }),
        )
        .await;
    let answer = visitor.say("book a table and opening hours").await;
    assert_eq!(option_titles(&answer), ["Did you mean:"], "{answer}");
    let labels: Vec<&str> = answer["output"]["generic"][0]["options"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|option| option["label"].as_str())
        .collect();
    assert_eq!(
        labels,
        ["Opening hours", "Book a table", "None of these"],
        "{answer}"
    );
    app.stop().await.expect("stopped");
}
