//! An agent's message is stored only while that agent has the conversation: a transfer that
//! lands between the desk read of their `send` and the message's write stores nothing, and
//! the send is refused as one sent after the transfer (`not_your_conversation`).
//!
//! A send raced by the visitor leaving the chat stores nothing either, and is refused as a
//! send to an ended chat (`conversation_ended`), also when it is checked again between the
//! leave's desk change and its write of the conversation's end.
//!
//! The race is played deterministically (tests/it/handoff/race.rs): seeing the first append
//! of `ada`'s message, the watching store first lets `ada` transfer the chat to `bob` and
//! `bob` accept it (or the visitor leave), then lets the append go on.

use serde_json::Value;
use staffetta::app::AppState;
use staffetta::desk::{site_desk, visitor_side};
use staffetta::visitor::record::conversation_log;
use staffetta_handoff::ConversationId;

use super::console::agent;
use super::console_transfer_race::{Race, transfer_to_bob};
use super::desk::live_chat;
use super::race::agent_send_raced;
use super::spawn_desk;

#[tokio::test]
async fn an_agent_message_raced_by_a_transfer_away_is_refused_and_not_stored() {
    let app = spawn_desk(10).await;
    let (ada, _visitor, _, chat_id) = live_chat(&app).await;
    let bob = agent(&app, "bob", "agent").await;
    let race = Race {
        state: app.state.clone(),
        conversation: chat_id.clone(),
        ada: ada.id.clone(),
        bob: bob.id.clone(),
    };
    let (answer, attempts) =
        agent_send_raced(&app.state, "ada", &chat_id, "One more thing", async move {
            transfer_to_bob(&race).await;
        })
        .await;

    assert_eq!(
        answer,
        Err("not_your_conversation".to_owned()),
        "the send lost the race to the transfer"
    );
    assert_eq!(
        attempts, 1,
        "the raced write stored nothing and the retry was refused before writing"
    );
    let stored = stored(&app.state, &chat_id).await;
    assert_nothing_of_the_message(&stored);
    assert!(
        stored
            .iter()
            .any(|event| event["type"] == "agent_joined" && event["agent_name"] == "bob"),
        "the transfer did land: {stored:#?}"
    );
}

/// Nothing of ada's raced message ("One more thing") is in the conversation.
fn assert_nothing_of_the_message(stored: &[Value]) {
    assert!(
        !stored
            .iter()
            .any(|event| event.to_string().contains("One more thing")),
        "nothing of ada's message is in the conversation: {stored:#?}"
    );
}

/// What the conversation's log holds, each entry as JSON.
async fn stored(state: &AppState, chat_id: &str) -> Vec<Value> {
    state
        .store
        .read_log(&conversation_log(chat_id), 0, 1_000)
        .await
        .unwrap()
        .iter()
        .map(|entry| serde_json::from_slice(&entry.body).unwrap())
        .collect()
}

#[tokio::test]
async fn an_agent_message_raced_by_the_visitor_leaving_is_refused_as_sent_to_an_ended_chat() {
    let app = spawn_desk(10).await;
    let (_ada, visitor, _, chat_id) = live_chat(&app).await;
    let (state, session) = (app.state.clone(), visitor.id().to_owned());
    let (answer, attempts) =
        agent_send_raced(&app.state, "ada", &chat_id, "One more thing", async move {
            visitor_side::leave(&state, &session)
                .await
                .expect("the visitor leaves");
        })
        .await;

    assert_eq!(
        answer,
        Err("conversation_ended".to_owned()),
        "the send lost the race to the visitor's leave"
    );
    assert_eq!(attempts, 1, "the raced write stored nothing");
    let stored = stored(&app.state, &chat_id).await;
    assert_nothing_of_the_message(&stored);
    assert!(
        stored
            .iter()
            .any(|event| event["type"] == "conversation_ended" && event["by"] == "visitor"),
        "the leave did land: {stored:#?}"
    );
}

#[tokio::test]
async fn an_agent_message_checked_again_before_a_leave_is_written_is_refused_as_sent_to_an_ended_chat()
 {
    let app = spawn_desk(10).await;
    let (_ada, _visitor, _, chat_id) = live_chat(&app).await;
    let (state, chat) = (app.state.clone(), ConversationId::parse(&chat_id).unwrap());
    // Only the desk half of the leave: the session still says "with an agent" when the
    // send is checked again.
    let (answer, attempts) =
        agent_send_raced(&app.state, "ada", &chat_id, "One more thing", async move {
            site_desk::update(&state, "demo", |desk, now| {
                desk.end_by_visitor(now, &chat).map(|notices| ((), notices))
            })
            .await
            .expect("the desk is written")
            .expect("the desk ends the chat");
        })
        .await;

    assert_eq!(answer, Err("conversation_ended".to_owned()));
    assert_eq!(attempts, 1, "the raced write stored nothing");
    let stored = stored(&app.state, &chat_id).await;
    assert_nothing_of_the_message(&stored);
}
