//! The team roster (`AGENTS` frames): a supervisor's console follows a colleague through
//! every state change - pause with a reason, ready, a live chat, after-chat work, a forced
//! pause after a missed offer, a lost connection and the logout at the end of the grace
//! period - without reconnecting.

use std::time::Duration;

use serde_json::{Value, json};

use super::console::{Console, agent};
use super::desk::ask_for_human;
use super::spawn_desk;
use crate::openapi::contract::{assert_valid, component, openapi};

/// Reads `AGENTS` frames until the entry of agent `id` satisfies `wanted` (`None`: the
/// agent is no longer listed); returns the entry. Every frame read must match the OpenAPI
/// document's `AgentServerFrame`.
async fn roster_until(
    console: &mut Console,
    id: &str,
    wanted: impl Fn(Option<&Value>) -> bool,
) -> Option<Value> {
    let schema = component(&openapi(), "AgentServerFrame");
    loop {
        let frame = console.until("AGENTS").await;
        assert_valid(&schema, &frame, "an AGENTS frame");
        let entry = frame["agents"]
            .as_array()
            .expect("agents list")
            .iter()
            .find(|a| a["id"] == id)
            .cloned();
        if wanted(entry.as_ref()) {
            return entry;
        }
    }
}

#[tokio::test]
async fn a_supervisor_sees_every_state_change_of_a_colleague() {
    let app = spawn_desk(10).await;
    let mut boss = agent(&app, "boss", "supervisor").await;
    boss.pause().await;
    let mut ada = agent(&app, "ada", "agent").await;
    let snapshot = ada.until("SNAPSHOT").await;
    assert_valid(
        &component(&openapi(), "AgentServerFrame"),
        &snapshot,
        "the SNAPSHOT",
    );
    let colleague = &snapshot["agents"][0];
    assert_eq!(
        (colleague["display_name"].as_str(), &colleague["state"]),
        (Some("boss"), &json!({"state": "paused", "reason": null})),
        "the SNAPSHOT lists colleagues with their state: {snapshot}"
    );
    let ada_id = ada.id.clone();
    let joined = roster_until(&mut boss, &ada_id, |a| a.is_some())
        .await
        .unwrap();
    assert_eq!(
        joined,
        json!({"id": ada_id, "display_name": "ada", "state": {"state": "ready"},
               "online": 0, "wrap_up": 0, "connected": true})
    );

    // A pause with a reason, then ready again.
    let code = snapshot["pause_reasons"][0]["code"].as_u64().unwrap();
    ada.send(json!({"command": "set_state", "state": "pause", "reason": code}))
        .await;
    let paused = roster_until(&mut boss, &ada_id, |a| {
        a.is_some_and(|a| a["state"]["state"] == "paused")
    })
    .await
    .unwrap();
    assert_eq!(paused["state"]["reason"], code);
    ada.send(json!({"command": "set_state", "state": "ready"}))
        .await;
    roster_until(&mut boss, &ada_id, |a| {
        a.is_some_and(|a| a["state"]["state"] == "ready")
    })
    .await;

    // Busy with a visitor, then in after-chat work, then free again.
    let visitor = app.visitor().await;
    ask_for_human(&visitor).await;
    let offer = ada.offer().await;
    let chat_id = ada.accept(&offer).await;
    roster_until(&mut boss, &ada_id, |a| a.is_some_and(|a| a["online"] == 1)).await;
    ada.send(json!({"command": "end", "conversation": chat_id}))
        .await;
    let wrapping = roster_until(&mut boss, &ada_id, |a| a.is_some_and(|a| a["wrap_up"] == 1))
        .await
        .unwrap();
    assert_eq!(wrapping["online"], 0);
    ada.send(json!({"command": "wrapup_done", "job": offer, "disposition": "solved"}))
        .await;
    roster_until(&mut boss, &ada_id, |a| a.is_some_and(|a| a["wrap_up"] == 0)).await;

    // A missed offer forces a pause.
    let second = app.visitor().await;
    ask_for_human(&second).await;
    ada.offer().await;
    app.advance(Duration::from_secs(21));
    roster_until(&mut boss, &ada_id, |a| {
        a.is_some_and(|a| a["state"]["state"] == "forced")
    })
    .await;

    // The console is lost: disconnected during the grace period, gone after it.
    ada.close().await;
    roster_until(&mut boss, &ada_id, |a| {
        a.is_some_and(|a| a["connected"] == false)
    })
    .await;
    app.advance(Duration::from_secs(61));
    roster_until(&mut boss, &ada_id, |a| a.is_none()).await;
}

#[tokio::test]
async fn an_agent_back_within_the_grace_period_shows_as_connected_again() {
    let app = spawn_desk(10).await;
    let mut boss = agent(&app, "boss", "supervisor").await;
    let ada = agent(&app, "ada", "agent").await;
    let ada_id = ada.id.clone();
    let token = ada.token.clone();
    ada.close().await;
    roster_until(&mut boss, &ada_id, |a| {
        a.is_some_and(|a| a["connected"] == false)
    })
    .await;
    let _socket = super::console::connect(&app, &token)
        .await
        .expect("reconnects");
    let back = roster_until(&mut boss, &ada_id, |a| {
        a.is_some_and(|a| a["connected"] == true)
    })
    .await
    .unwrap();
    assert_eq!(back["state"]["state"], "ready");
}
