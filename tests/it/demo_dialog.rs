//! The demo assistant (dialogs/bottega-aurora) on the built-in demo site, as a visitor reads
//! it: it promises no connection to a person before the desk has answered, and greets a first
//! hello after its welcome as a first one.

use crate::handoff::console::visitor_event;
use crate::support::app::repo_dir;
use crate::support::visitor::answer_texts as texts;
use crate::support::{TestApp, spawn_app_with};

/// The demo site with the demo dialog and nobody at the desk.
async fn spawn_demo() -> TestApp {
    spawn_app_with(|settings| {
        settings.paths.dialogs = repo_dir().join("dialogs");
        settings.sites[0].dialog = "bottega-aurora".to_owned();
        settings.agent.demo_operators = false;
    })
    .await
}

#[tokio::test]
async fn asking_for_a_person_with_nobody_at_the_desk_is_not_answered_with_a_promise() {
    let app = spawn_demo().await;
    let visitor = app.visitor().await;
    let answer = visitor.say("I want to talk to a human").await;
    assert!(
        answer["output"].to_string().contains("connect_to_agent"),
        "{answer}"
    );
    let said = texts(&answer).to_lowercase();
    for promise in PROMISES {
        assert!(!said.contains(promise), "{promise:?} in {said:?}");
    }
    assert!(said.contains("let me see whether"), "{said:?}");
    let closed = visitor_event(&visitor, "queue_closed").await;
    assert_eq!(closed["reason"], "nobody_available");
}

#[tokio::test]
async fn a_first_hello_after_the_welcome_gets_a_plain_greeting_and_only_a_second_one_hello_again() {
    let app = spawn_demo().await;
    let visitor = app.visitor().await;
    let first = texts(&visitor.say("hello").await);
    assert!(first.starts_with("Hello!"), "{first:?}");
    assert!(!first.contains("again"), "{first:?}");
    let second = texts(&visitor.say("hello").await);
    assert!(second.starts_with("Hello again!"), "{second:?}");
}

/// Words that promise a person before the desk has answered, in the demo's two languages.
const PROMISES: [&str; 6] = [
    "connecting you",
    "connect you",
    "put you in touch",
    "will be with you",
    "ti metto in contatto",
    "ti passo",
];

#[tokio::test]
async fn the_demo_assistant_describes_itself_without_promising_a_person() {
    let app = spawn_demo().await;
    let visitor = app.visitor().await;
    for question in ["who are you?", "what can you do?"] {
        let said = texts(&visitor.say(question).await).to_lowercase();
        assert!(said.contains("someone from the team is free"), "{said:?}");
        for promise in PROMISES {
            assert!(!said.contains(promise), "{promise:?} in {said:?}");
        }
    }
}

#[tokio::test]
async fn a_date_question_gives_the_picker_its_first_and_last_dates() {
    let app = spawn_demo().await;
    let visitor = app.visitor().await;
    let answer = visitor.say("I'd like to book an appointment").await;
    let now = jiff::Timestamp::from_millisecond(app.clock.now_ms()).unwrap();
    let today = app.state.bots.today("demo", now);
    let day = |days: i64| today.checked_add(jiff::Span::new().days(days)).unwrap();
    let date = answer["output"]["generic"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|item| item["response_type"] == "date")
        .unwrap_or_else(|| panic!("a date item: {answer}"));
    // The demo's appointment takes "from tomorrow up to two months ahead" (min_days = 1,
    // max_days = 60), in the site's time zone.
    assert_eq!(
        date,
        &serde_json::json!({
            "response_type": "date",
            "min": day(1).to_string(),
            "max": day(60).to_string(),
        }),
        "{answer}"
    );
}

#[tokio::test]
async fn a_refused_weekday_is_answered_with_the_days_the_question_takes() {
    let app = spawn_demo().await;
    let visitor = app
        .visitor_with(
            &serde_json::json!({ "anonymous_id": "anon-demo-weekday-it", "locale": "it" }),
        )
        .await;
    visitor.say("vorrei prendere un appuntamento").await;
    let now = jiff::Timestamp::from_millisecond(app.clock.now_ms()).unwrap();
    let today = app.state.bots.today("demo", now);
    // The demo books Monday to Saturday, from tomorrow: the next Sunday is within range.
    let sunday = (1..=7)
        .map(|days| today.checked_add(jiff::Span::new().days(days)).unwrap())
        .find(|day| day.weekday() == jiff::civil::Weekday::Sunday)
        .unwrap();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let answer = visitor
        .send_raw(&id, serde_json::json!({ "date": sunday.to_string() }))
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert!(
        texts(&answer.body).contains(
            "Scegli una data in uno di questi giorni: lunedì, martedì, mercoledì, giovedì, venerdì, sabato."
        ),
        "{}",
        answer.body
    );
}
