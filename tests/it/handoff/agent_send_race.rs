//! An agent's message is stored only while that agent has the conversation: a transfer that
//! lands between the desk read of their `send` and the message's write stores nothing, and
//! the send is refused as one sent after the transfer (`not_your_conversation`).
//!
//! The race is played deterministically (tests/it/handoff/race.rs): seeing the first append
//! of `ada`'s message, the watching store first lets `ada` transfer the chat to `bob` and
//! `bob` accept it, then lets the append go on.

use serde_json::Value;
use staffetta::visitor::record::conversation_log;

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
    let log = app
        .state
        .store
        .read_log(&conversation_log(&chat_id), 0, 1_000)
        .await
        .unwrap();
    let stored: Vec<Value> = log
        .iter()
        .map(|entry| serde_json::from_slice(&entry.body).unwrap())
        .collect();
    assert!(
        !stored
            .iter()
            .any(|event| event.to_string().contains("One more thing")),
        "nothing of ada's message is in the conversation: {stored:#?}"
    );
    assert!(
        stored
            .iter()
            .any(|event| event["type"] == "agent_joined" && event["agent_name"] == "bob"),
        "the transfer did land: {stored:#?}"
    );
}
