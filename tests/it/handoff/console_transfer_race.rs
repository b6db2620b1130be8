//! On a site without an external desk, a transfer that lands between reading who has a
//! conversation and storing the visitor's message does not send the message to the previous
//! agent's console: the message goes to the agent who has the conversation when it is
//! stored. Nor does one that lands after the write and before the `MESSAGE` frame: the
//! previous agent's console, told `CONNECTIONCLEARED` first, does not show it.
//!
//! The race is played deterministically: a store that watches the node's writes, seeing the
//! first append of the visitor's message, first lets `ada` transfer the chat to `bob` and
//! `bob` accept it (through the unwatched store), then lets the append go on (or lets it go
//! on first and plays the transfer once it was stored).

use serde_json::json;
use staffetta::app::AppState;
use staffetta::desk::commands::apply_external;
use staffetta::desk::site_desk;
use staffetta_handoff::AgentId;
use staffetta_handoff::agent::JobPhase;

use super::console::agent;
use super::console::transcript;
use super::desk::live_chat;
use super::race::{Moment, send_raced, send_raced_at};
use super::spawn_desk;
use super::webhook_transfer_race::inbound;

/// The transfer to play before the append of the racing message (once).
#[derive(Debug)]
pub(super) struct Race {
    /// The node's state on the unwatched store.
    pub(super) state: AppState,
    pub(super) conversation: String,
    pub(super) ada: String,
    pub(super) bob: String,
}

/// `ada` transfers the chat to `bob`, who accepts the offer the desk made him.
pub(super) async fn transfer_to_bob(race: &Race) {
    let transfer = json!({
        "command": "transfer", "conversation": race.conversation,
        "to": {"kind": "agent", "id": race.bob},
    });
    apply_external(&race.state, "demo", inbound(&race.ada, &transfer)).await;
    let desk = site_desk::read(&race.state, "demo").await.unwrap();
    let bob = AgentId::parse(&race.bob).unwrap();
    let offer = desk
        .agent(&bob)
        .and_then(|bob| {
            bob.jobs().iter().find(|(_, job)| {
                job.conversation.as_str() == race.conversation
                    && matches!(job.phase, JobPhase::Setup { .. })
            })
        })
        .map(|(offer, _)| *offer)
        .expect("the transfer offered the chat to bob");
    let accept = json!({"command": "accept", "offer": offer});
    apply_external(&race.state, "demo", inbound(&race.bob, &accept)).await;
}

#[tokio::test]
async fn a_visitor_message_raced_by_a_transfer_reaches_the_new_agents_console_only() {
    let app = spawn_desk(10).await;
    let (mut ada, visitor, _, chat_id) = live_chat(&app).await;
    let mut bob = agent(&app, "bob", "agent").await;
    let race = Race {
        state: app.state.clone(),
        conversation: chat_id.clone(),
        ada: ada.id.clone(),
        bob: bob.id.clone(),
    };
    let attempts = send_raced(&app.state, visitor.id(), "Still there?", async move {
        transfer_to_bob(&race).await;
    })
    .await;

    let message = bob.until("MESSAGE").await;
    assert_eq!(message["chat_id"], chat_id.as_str());
    assert_eq!(message["text"], "Still there?");
    // Anything for ada about the message was sent before bob's frame; her answer to a
    // command sent now comes after it.
    assert_eq!(
        ada.until("CONNECTIONCLEARED").await["reason"],
        "transferred"
    );
    ada.send(json!({"command": "set_state", "state": "pause"}))
        .await;
    loop {
        let frame = ada.next().await;
        assert_ne!(frame["event"], "MESSAGE", "not for ada any more: {frame}");
        if frame["event"] == "PAUSE" || frame["event"] == "ERROR" {
            break;
        }
    }
    assert_eq!(
        attempts, 2,
        "the raced write wrote nothing and was tried again"
    );
}

#[tokio::test]
async fn a_transfer_landing_after_a_visitor_message_was_stored_keeps_its_frame_from_the_previous_agent()
 {
    let app = spawn_desk(10).await;
    let (mut ada, visitor, _, chat_id) = live_chat(&app).await;
    let mut bob = agent(&app, "bob", "agent").await;
    let race = Race {
        state: app.state.clone(),
        conversation: chat_id.clone(),
        ada: ada.id.clone(),
        bob: bob.id.clone(),
    };
    let attempts = send_raced_at(
        &app.state,
        visitor.id(),
        "Still there?",
        Moment::AfterTheWrite,
        async move {
            transfer_to_bob(&race).await;
        },
    )
    .await;
    assert_eq!(attempts, 1, "stored while ada had the chat");

    // Everything for ada about the message was queued before her answer to this command.
    ada.send(json!({"command": "set_state", "state": "pause"}))
        .await;
    let mut cleared = false;
    loop {
        let frame = ada.next().await;
        if frame["event"] == "CONNECTIONCLEARED" {
            cleared = true;
        }
        assert!(
            !(cleared && frame["event"] == "MESSAGE"),
            "a visitor message shown in a chat ada no longer has: {frame}"
        );
        if frame["event"] == "PAUSE" || frame["event"] == "ERROR" {
            break;
        }
    }
    assert!(cleared, "ada was told the chat was transferred");
    // Bob has it in the transcript he reads on taking the chat.
    bob.until("ESTABLISHED").await;
    let lines = transcript(&app, &bob.token, &chat_id).await;
    assert!(
        lines["messages"].to_string().contains("Still there?"),
        "{lines}"
    );
}
