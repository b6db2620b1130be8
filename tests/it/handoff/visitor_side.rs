//! The visitor's side of the handoff through the real server: asking, waiting, cancelling,
//! leaving, closed queues (nobody there, office hours) and "leave a request".

use std::time::Duration;

use serde_json::{Value, json};

use super::console::{self, agent, visitor_event, visitor_events};
use super::desk::{ask_for_human, leave_handoff, texts};
use super::spawn_desk;
use crate::support::visitor::ORIGIN;

#[tokio::test]
async fn the_visitor_cancels_waiting_and_the_bot_answers_again() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    ada.pause().await;
    let visitor = app.visitor().await;
    let answer = ask_for_human(&visitor).await;
    assert_eq!(answer["outcome"], "queued");
    assert_eq!(answer["position"], 1);
    assert_eq!(leave_handoff(&visitor).await, 204);
    let cancelled = visitor_event(&visitor, "handoff_cancelled").await;
    assert_eq!(cancelled["by"], "visitor");
    assert_eq!(cancelled["reason"], "visitor_cancelled");
    assert!(
        cancelled["text"]
            .as_str()
            .unwrap()
            .contains("left the queue"),
        "{cancelled}"
    );
    // The notice is the event: no plain system message beside it.
    let events = visitor_events(&visitor, 0).await;
    assert!(texts(&events, "system").is_empty(), "{events:?}");
    let reply = visitor.pick("profile").await;
    assert!(
        reply["output"]["generic"]
            .to_string()
            .contains("What's your name?")
    );
}

#[tokio::test]
async fn the_visitor_leaving_a_live_chat_clears_the_agent_connection() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    let visitor = app.visitor().await;
    ask_for_human(&visitor).await;
    let offer = ada.offer().await;
    ada.accept(&offer).await;
    assert_eq!(leave_handoff(&visitor).await, 204);
    assert_eq!(ada.until("CONNECTIONCLEARED").await["reason"], "visitor");
    assert_eq!(
        visitor_event(&visitor, "conversation_ended").await["by"],
        "visitor"
    );
}

#[tokio::test]
async fn with_nobody_logged_in_the_visitor_is_told_and_leaves_a_request_agents_see() {
    let app = spawn_desk(10).await;
    let visitor = app.visitor().await;
    let answer = ask_for_human(&visitor).await;
    assert_eq!(answer["outcome"], "closed");
    assert_eq!(answer["reason"], "nobody_available");
    let closed = visitor_event(&visitor, "queue_closed").await;
    assert!(
        closed["text"]
            .as_str()
            .unwrap()
            .contains("Leave us a message")
    );
    // The bot still answers.
    let reply = visitor.pick("profile").await;
    assert!(
        reply["output"]["generic"]
            .to_string()
            .contains("What's your name?")
    );

    let url = format!("{}/api/v1/sites/demo/offline-requests", app.base_url);
    let bad = app
        .http
        .post(&url)
        .header("origin", ORIGIN)
        .json(&json!({"name": "", "email": "nope", "text": "Call me"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_offline_request");
    assert_eq!(
        body["error"]["fields"],
        json!(["name_missing", "email_invalid"])
    );

    let mut ada = agent(&app, "ada", "agent").await;
    let created = app
        .http
        .post(&url)
        .header("origin", ORIGIN)
        .bearer_auth(visitor.token())
        .json(&json!({"name": "Giulia", "email": "giulia@example.org", "text": "Call me back", "session_id": visitor.id()}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let pushed = ada.until("OFFLINE_REQUEST").await;
    assert_eq!(pushed["email"], "giulia@example.org");
    let listed: Value = app
        .http
        .get(format!("{}/api/v1/agent/offline-requests", app.base_url))
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["requests"][0]["name"], "Giulia");
    assert_eq!(
        listed["requests"][0]["chat_id"],
        visitor.started.conversation_id.as_str()
    );
}

/// Versions before requests became records kept the whole request in the site's log: such
/// entries are listed with the new ones, in the order they came.
#[tokio::test]
async fn requests_stored_whole_in_the_log_by_older_versions_are_still_listed() {
    let app = spawn_desk(10).await;
    let old = json!({
        "id": "0190aaaa-0000-7000-8000-000000000001",
        "name": "Old Timer", "email": "old@example.org", "text": "From before",
        "resource": null, "conversation": null, "created_at": "2025-01-02T03:04:05Z",
    });
    super::append_whole_offline_request(&app, &old).await;
    let created = app
        .http
        .post(format!(
            "{}/api/v1/sites/demo/offline-requests",
            app.base_url
        ))
        .header("origin", ORIGIN)
        .json(&json!({"name": "Giulia", "email": "giulia@example.org", "text": "Call me back"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let new_id = created.json::<Value>().await.unwrap()["id"].clone();

    let ada = agent(&app, "ada", "agent").await;
    let listed: Value = app
        .http
        .get(format!("{}/api/v1/agent/offline-requests", app.base_url))
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let requests = listed["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 2, "{listed}");
    assert_eq!(requests[0]["id"], new_id);
    assert_eq!(requests[0]["text"], "Call me back");
    assert_eq!(requests[1]["id"], old["id"]);
    assert_eq!(requests[1]["name"], "Old Timer");
    assert_eq!(requests[1]["created_at"], 1_735_787_045_000_i64);
}

#[tokio::test]
async fn outside_office_hours_the_request_is_closed_with_the_next_opening() {
    let app = crate::support::spawn_app_with(|settings| {
        settings.agent.demo_operators = false;
        settings.admin.token = staffetta::secret::Secret::new(super::ADMIN_TOKEN);
        // Open one hour on Mondays only, in Rome.
        let mut weekly = std::collections::BTreeMap::new();
        weekly.insert(
            staffetta::config::Weekday::Monday,
            vec!["03:00-04:00".to_owned()],
        );
        settings.sites[0].resources[0].office_hours =
            Some(staffetta::config::OfficeHoursSettings {
                time_zone: "Europe/Rome".to_owned(),
                weekly,
                holidays: Vec::new(),
            });
    })
    .await;
    let _ada = agent(&app, "ada", "agent").await;
    // Move to a Tuesday noon so the resource is surely closed.
    let visitor = app.visitor().await;
    let presence: Value = app
        .http
        .get(format!("{}/api/v1/sites/demo/presence", app.base_url))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    if presence["open"] == true {
        // The test happens to run in the one open hour: move past it.
        app.advance(Duration::from_secs(3600));
    }
    let answer = ask_for_human(&visitor).await;
    assert_eq!(answer["outcome"], "closed", "{answer}");
    assert_eq!(answer["reason"], "outside_hours");
    assert!(answer["next_opening"].as_i64().is_some(), "{answer}");
    let closed = visitor_event(&visitor, "queue_closed").await;
    assert_eq!(closed["reason"], "outside_hours");
    assert!(closed["next_opening"].as_i64().is_some());
}

#[tokio::test]
async fn repeated_misunderstandings_and_a_yes_hand_the_visitor_to_an_agent() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    let visitor = app.visitor().await;
    // The welcome's option question takes the first misunderstanding as a retry; the bot
    // offers a person after the dialog's limit of misunderstandings.
    let mut offered = false;
    for gibberish in ["qwzx vrrp plonk", "blorf snark quux", "zzkt prrm vlox"] {
        let answer = visitor.say(gibberish).await;
        if answer["output"]["generic"]
            .to_string()
            .contains("talk to a person")
        {
            offered = true;
            break;
        }
    }
    assert!(
        offered,
        "the bot offers a person after repeated misunderstandings"
    );
    let answer = visitor.say("yes").await;
    assert!(
        answer["output"]["generic"]
            .to_string()
            .contains("connect_to_agent"),
        "{answer}"
    );
    let offer = ada.offer().await;
    let chat_id = ada.accept(&offer).await;
    assert_eq!(chat_id, visitor.started.conversation_id);
    let snapshot_summary = {
        let transcript: Value = console::transcript(&app, &ada.token, &chat_id).await;
        transcript["messages"].to_string()
    };
    assert!(snapshot_summary.contains("qwzx vrrp plonk"));
}

#[tokio::test]
async fn offline_requests_are_rate_limited_per_client_address() {
    let app = spawn_desk(10).await;
    let url = format!("{}/api/v1/sites/demo/offline-requests", app.base_url);
    let body = json!({"name": "Flood", "email": "flood@example.org", "text": "again"});
    let limit = app.state.settings.limits.new_sessions_per_minute;
    for _ in 0..limit {
        let created = app
            .http
            .post(&url)
            .header("origin", ORIGIN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
    }
    let refused = app
        .http
        .post(&url)
        .header("origin", ORIGIN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().get("retry-after").is_some());
}

#[tokio::test]
async fn an_offline_request_for_an_unknown_resource_is_refused() {
    let app = spawn_desk(10).await;
    let refused = app
        .http
        .post(format!(
            "{}/api/v1/sites/demo/offline-requests",
            app.base_url
        ))
        .header("origin", ORIGIN)
        .json(&json!({"name": "A", "email": "a@example.org", "text": "hi", "resource": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unknown_resource");
}

#[tokio::test]
async fn the_demo_dialog_hands_over_to_the_demo_site_queue() {
    let app = crate::support::spawn_app_with(|settings| {
        settings.admin.token = staffetta::secret::Secret::new(super::ADMIN_TOKEN);
        settings.agent.demo_operators = false;
        settings.paths.dialogs = crate::support::app::repo_dir().join("dialogs");
        settings.sites[0].dialog = "bottega-aurora".to_owned();
    })
    .await;
    let mut ada = agent(&app, "ada", "agent").await;
    let visitor = app.visitor().await;
    let answer = visitor.say("I want to talk to a human").await;
    assert!(
        answer["output"]["generic"]
            .to_string()
            .contains("connect_to_agent"),
        "{answer}"
    );
    let offer = ada.offer().await;
    assert_eq!(ada.accept(&offer).await, visitor.started.conversation_id);
}

#[tokio::test]
async fn an_offer_made_at_once_still_tells_every_tab_the_visitor_is_next() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    let visitor = app.visitor().await;
    assert_eq!(ask_for_human(&visitor).await["outcome"], "offered");
    let update = visitor_event(&visitor, "queue_update").await;
    assert_eq!(
        (
            update["position"].as_u64(),
            update["estimated_wait_s"].as_u64()
        ),
        (Some(1), Some(0))
    );
    ada.offer().await;
}

#[tokio::test]
async fn a_dispatch_to_naming_no_queue_of_the_site_falls_back_to_the_default_queue() {
    // A site owner's queue is `support`; the demo dialog names `customer-care` and the page's
    // dispatchTo has a typo. With an agent ready, the visitor must reach the default queue,
    // not be told that nobody is available.
    let app = crate::support::spawn_app_with(|settings| {
        settings.admin.token = staffetta::secret::Secret::new(super::ADMIN_TOKEN);
        settings.agent.demo_operators = false;
        settings.paths.dialogs = crate::support::app::repo_dir().join("dialogs");
        settings.sites[0].dialog = "bottega-aurora".to_owned();
        "support".clone_into(&mut settings.sites[0].resources[0].id);
    })
    .await;
    let mut ada = agent(&app, "ada", "agent").await;
    let visitor = app
        .visitor_with(&json!({"anonymous_id": "anon-0123456789abcdef", "dispatch_to": "suport"}))
        .await;
    visitor.say("I want to talk to a human").await;
    let offer = ada.offer().await;
    assert_eq!(ada.accept(&offer).await, visitor.started.conversation_id);
    let events = visitor_events(&visitor, 0).await;
    assert!(
        !events.iter().any(|e| e["type"] == "queue_closed"),
        "{events:#?}"
    );
}

#[tokio::test]
async fn a_visitor_nobody_could_be_offered_now_is_given_no_estimate() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    app.advance(Duration::from_secs(1));
    let mut bob = agent(&app, "bob", "agent").await;
    bob.pause().await;
    let visitor = app.visitor().await;
    assert_eq!(ask_for_human(&visitor).await["outcome"], "offered");
    // Ada rejects; Bob is paused: the visitor is first in line, but nobody can be offered
    // the chat now, so no wait is made up (Ada's ready slots do not count any more).
    let offer = ada.offer().await;
    ada.send(json!({"command": "reject", "offer": offer})).await;
    assert_eq!(ada.until("JOBFINISHED").await["reason"], "rejected");
    let update =
        crate::support::wait_for("a second queue_update", Duration::from_secs(5), || async {
            visitor_events(&visitor, 0)
                .await
                .into_iter()
                .filter(|e| e["type"] == "queue_update")
                .nth(1)
        })
        .await;
    assert_eq!(update["position"], 1, "{update}");
    assert!(update.get("estimated_wait_s").is_none(), "{update}");
    let frames = crate::openapi::contract::ws_frames();
    let schema = crate::openapi::contract::frame_def(&frames, "EventQueueUpdate");
    crate::openapi::contract::assert_valid(&schema, &update, "a queue_update without estimate");
}
