//! The visitor is told when the console of their agent is lost (`agent_reconnecting`, the
//! disconnect grace period starts) and when the agent is back within it
//! (`agent_reconnected`); past the grace the conversation goes back to the queue
//! (`agent_left`) as before. The events are log entries (seq-ordered, replayed on resume)
//! and match the published contract (the frame schema and the OpenAPI document). The grace
//! runs on the test clock.

use std::time::Duration;

use serde_json::Value;

use super::console::{open, visitor_event, visitor_events};
use super::desk::live_chat;
use super::spawn_desk;
use crate::openapi::contract::{assert_valid, component, frame_def, openapi, ws_frames};

/// Checks an event against the `Event` of both published documents.
fn assert_in_the_contract(event: &Value) {
    let what = format!("a {} event", event["type"]);
    assert_valid(&frame_def(&ws_frames(), "Event"), event, &what);
    assert_valid(&component(&openapi(), "Event"), event, &what);
}

/// The types of the visitor's events after `after`, in seq order.
async fn types_after(visitor: &crate::support::visitor::Visitor, after: u64) -> Vec<String> {
    visitor_events(visitor, after)
        .await
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn the_visitor_is_told_their_agent_is_reconnecting_and_then_back_within_the_grace() {
    let app = spawn_desk(10).await;
    let (ada, visitor, _, chat_id) = live_chat(&app).await;
    let joined = visitor_event(&visitor, "agent_joined").await;
    let after_joined = joined["seq"].as_u64().unwrap();
    ada.close().await;

    let reconnecting = visitor_event(&visitor, "agent_reconnecting").await;
    assert_eq!(reconnecting["agent_name"], "ada");
    assert_in_the_contract(&reconnecting);
    // Almost the whole grace (60 s) later, ada is back.
    app.advance(Duration::from_secs(59));
    let mut ada = open(&app, "ada").await;
    let snapshot = ada.until("SNAPSHOT").await;
    assert_eq!(snapshot["conversations"][0]["chat_id"], chat_id.as_str());
    assert_eq!(snapshot["conversations"][0]["phase"], "online");
    let reconnected = visitor_event(&visitor, "agent_reconnected").await;
    assert_eq!(reconnected["agent_name"], "ada");
    assert_in_the_contract(&reconnected);
    assert!(reconnected["seq"].as_u64() > reconnecting["seq"].as_u64());

    // Past the end of the old grace nothing more happens; a resume after `agent_joined`
    // replays the two events in order.
    app.advance(Duration::from_secs(10));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        types_after(&visitor, after_joined).await,
        ["agent_reconnecting", "agent_reconnected"]
    );
}

#[tokio::test]
async fn past_the_grace_the_visitor_told_of_the_reconnect_gets_agent_left_and_waits_again() {
    let app = spawn_desk(10).await;
    let (ada, visitor, _, _) = live_chat(&app).await;
    let joined = visitor_event(&visitor, "agent_joined").await;
    ada.close().await;
    visitor_event(&visitor, "agent_reconnecting").await;
    app.advance(Duration::from_secs(61));
    visitor_event(&visitor, "agent_left").await;
    let types = types_after(&visitor, joined["seq"].as_u64().unwrap()).await;
    assert_eq!(
        &types[..2],
        ["agent_reconnecting", "agent_left"],
        "no agent_reconnected: {types:?}"
    );
    assert!(
        !types.contains(&"agent_reconnected".to_owned()),
        "{types:?}"
    );
}
