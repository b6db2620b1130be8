//! Security catalogue: accepts and handoff requests that race end with one
//! owner and never more chats than an agent's capacity; an agent whose console drops keeps
//! the conversation within the grace period and reads what the visitor wrote meanwhile.

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{Value, json};

use super::console::{self, Console, agent, visitor_events};
use super::desk::{ask_for_human, live_chat, texts};
use super::security_support::{
    handoff_request, login_on, refresh, spawn_roomy_desk, until_a_console_is_lost,
};
use super::{ADMIN_TOKEN, spawn_desk};

/// Rounds of the accept race.
const TRIALS: usize = 50;

/// Sends a command that is refused on purpose and reads this tab's frames up to its refusal:
/// everything the server answered to the commands sent before it.
async fn frames_until_probe(tab: &mut Console) -> Vec<Value> {
    tab.send(json!({"command": "probe"})).await;
    let mut frames = Vec::new();
    loop {
        let frame = tab.next().await;
        if frame["event"] == "ERROR" && frame["command"] == "probe" {
            return frames;
        }
        frames.push(frame);
    }
}

fn count(frames: &[Value], event: &str, command: Option<&str>) -> usize {
    frames
        .iter()
        .filter(|f| f["event"] == event && command.is_none_or(|c| f["command"] == c))
        .count()
}

/// Ends the chat `chat` of offer `offer` and finishes its after-chat work.
async fn end_and_wrap_up(tab: &mut Console, chat: &str, offer: &str) {
    tab.send(json!({"command": "end", "conversation": chat}))
        .await;
    tab.until("CONNECTIONCLEARED").await;
    tab.send(json!({"command": "wrapup_done", "job": offer, "disposition": "solved"}))
        .await;
    tab.until("JOBFINISHED").await;
}

#[tokio::test]
async fn two_tabs_accepting_the_same_offer_at_once_start_exactly_one_chat_every_time() {
    let app = spawn_roomy_desk().await;
    let mut one = agent(&app, "ada", "agent").await;
    let mut two = console::open(&app, "ada").await;
    for trial in 0..TRIALS {
        let visitor = app.visitor().await;
        ask_for_human(&visitor).await;
        let offer = one.offer().await;
        let accept = json!({"command": "accept", "offer": offer});
        tokio::join!(one.send(accept.clone()), two.send(accept));
        let (first, second) =
            tokio::join!(frames_until_probe(&mut one), frames_until_probe(&mut two));
        let refused =
            count(&first, "ERROR", Some("accept")) + count(&second, "ERROR", Some("accept"));
        assert_eq!(refused, 1, "trial {trial}: one accept wins, one is refused");
        let desk = staffetta::desk::site_desk::read(&app.state, "demo")
            .await
            .unwrap();
        let ada = desk.agents().next().unwrap();
        assert_eq!(ada.online_count(), 1, "trial {trial}");
        end_and_wrap_up(&mut one, &visitor.started.conversation_id, &offer).await;
        frames_until_probe(&mut one).await;
        frames_until_probe(&mut two).await;
    }
}

#[tokio::test]
async fn a_burst_of_visitors_never_gives_an_agent_more_chats_than_their_capacity() {
    let app = spawn_desk(10).await;
    let created = app
        .http
        .post(format!(
            "{}/api/v1/admin/sites/demo/operators",
            app.base_url
        ))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"login": "ada", "password": "pass-ada", "capacity": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let mut one = console::open(&app, "ada").await;
    let mut two = console::open(&app, "ada").await;
    let mut visitors = Vec::new();
    for _ in 0..6 {
        visitors.push(app.visitor().await);
    }
    let answers = join_all(visitors.iter().map(ask_for_human)).await;
    assert_eq!(answers.len(), 6);
    // Both tabs accept every offer they see, at once, until two chats run.
    let mut next_offer = None;
    for _ in 0..2 {
        let offer = match next_offer.take() {
            Some(offer) => offer,
            None => one.offer().await,
        };
        let accept = json!({"command": "accept", "offer": offer});
        tokio::join!(one.send(accept.clone()), two.send(accept));
        let (first, second) =
            tokio::join!(frames_until_probe(&mut one), frames_until_probe(&mut two));
        assert_eq!(
            count(&first, "ERROR", Some("accept")) + count(&second, "ERROR", Some("accept")),
            1
        );
        next_offer = first
            .iter()
            .find(|f| f["event"] == "POPUP")
            .map(|f| f["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(next_offer, None, "no third offer at capacity 2");
    assert!(!one.gets_within("POPUP", Duration::from_millis(300)).await);
    let desk = staffetta::desk::site_desk::read(&app.state, "demo")
        .await
        .unwrap();
    assert_eq!(desk.agents().next().unwrap().online_count(), 2);
    let waiting = join_all(visitors.iter().map(|v| visitor_events(v, 0))).await;
    let queued = waiting
        .iter()
        .filter(|events| {
            events
                .iter()
                .rev()
                .find(|e| e["type"] == "queue_update" || e["type"] == "agent_joined")
                .is_some_and(|e| e["type"] == "queue_update")
        })
        .count();
    assert_eq!(queued, 4, "the other four wait in the queue");
}

#[tokio::test]
async fn a_visitor_asking_ten_times_at_once_is_queued_once_and_stays_with_the_agent() {
    let app = spawn_roomy_desk().await;
    let mut ada = agent(&app, "ada", "agent").await;
    for round in 0..5 {
        let visitor = app.visitor().await;
        let answers =
            join_all((0..10).map(|_| handoff_request(&app, "demo", visitor.id(), visitor.token())))
                .await;
        let accepted = answers.iter().filter(|(status, _)| *status == 200).count();
        assert_eq!(accepted, 1, "round {round}: {answers:?}");
        for (status, body) in &answers {
            assert!(
                *status == 200 || (*status == 409 && body["error"]["code"] == "already_in_handoff"),
                "round {round}: {status} {body}"
            );
        }
        let offer = ada.offer().await;
        let chat = ada.accept(&offer).await;
        assert!(!ada.gets_within("POPUP", Duration::from_millis(200)).await);
        // The conversation really is with the agent: both directions work.
        ada.send(json!({"command": "send", "conversation": chat, "text": "Hello from Ada"}))
            .await;
        let echoed = loop {
            let frame = ada.next().await;
            if frame["event"] == "MESSAGE" || frame["event"] == "ERROR" {
                break frame;
            }
        };
        assert_eq!(echoed["text"], "Hello from Ada", "round {round}: {echoed}");
        let reply = visitor.say("hello Ada").await;
        assert_eq!(
            reply["output"]["generic"],
            json!([]),
            "round {round}: the bot stays silent"
        );
        assert_eq!(ada.until("MESSAGE").await["text"], "hello Ada");
        end_and_wrap_up(&mut ada, &chat, &offer).await;
    }
}

#[tokio::test]
async fn what_the_visitor_writes_while_the_console_is_lost_is_there_when_it_returns() {
    let app = spawn_desk(10).await;
    let (ada, visitor, _, chat) = live_chat(&app).await;
    let cookie = ada.cookie.clone();
    ada.close().await;
    until_a_console_is_lost(&app).await;
    let written = visitor
        .send_raw("while-away", json!({"text": "are you still there?"}))
        .await;
    assert_eq!(written.status, 200, "{:?}", written.body);
    app.advance(Duration::from_secs(30));
    let renewed: Value = refresh(&app, &cookie).await.json().await.unwrap();
    let token = renewed["access_token"].as_str().unwrap();
    let transcript = console::transcript(&app, token, &chat).await;
    assert!(
        transcript["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["text"] == "are you still there?"),
        "{transcript}"
    );
    let mut back = console::from_login(&app, login_on(&app, "demo", "ada", "pass-ada").await).await;
    let snapshot = back.until("SNAPSHOT").await;
    assert_eq!(snapshot["conversations"][0]["chat_id"], chat.as_str());
    assert_eq!(snapshot["conversations"][0]["phase"], "online");
    back.send(json!({"command": "send", "conversation": chat, "text": "Yes, sorry!"}))
        .await;
    back.until("MESSAGE").await;
    let events = visitor_events(&visitor, 0).await;
    assert!(texts(&events, "agent").contains(&"Yes, sorry!".to_owned()));
    assert!(
        !events.iter().any(|e| e["type"] == "agent_left"),
        "within the grace period the visitor keeps the agent"
    );
}
