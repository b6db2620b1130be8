//! A store that stops answering for a while (Redis stalled): open consoles stay open and
//! signed in; what could not be checked is refused with `unavailable` and works again once
//! the store answers.

use std::time::Duration;

use serde_json::{Value, json};

use super::console::agent;
use crate::support::redis_server::private_redis_or_skip;
use crate::support::spawn_app_with;

/// Sends `set_state` `state` until the desk answers `event` (the store may need a moment to
/// reconnect after a stall); the frames met on the way.
async fn until_applied(
    console: &mut super::console::Console,
    state: &str,
    event: &str,
) -> Vec<Value> {
    let mut refusals = Vec::new();
    for _ in 0..20 {
        console
            .send(json!({"command": "set_state", "state": state}))
            .await;
        loop {
            let frame = console.next().await;
            if frame["event"] == event {
                return refusals;
            }
            if frame["event"] == "ERROR" {
                refusals.push(frame);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("`{state}` never applied: {refusals:?}");
}

#[tokio::test]
async fn a_stalled_store_refuses_console_commands_without_signing_the_agent_out() {
    let Some(redis) = private_redis_or_skip("console_store_outage").await else {
        return;
    };
    let url = redis.url();
    let app = spawn_app_with(move |settings| {
        settings.store.url = Some(staffetta::store::RedisUrl::parse(url).unwrap());
        settings.store.response_timeout_ms = 300;
        settings.admin.token = staffetta::secret::Secret::new(super::ADMIN_TOKEN);
    })
    .await;
    let mut console = agent(&app, "ada", "agent").await;
    console.until("LOGGEDIN").await;

    redis.pause();
    console
        .send(json!({"command": "set_state", "state": "pause"}))
        .await;
    let refusal = console.until("ERROR").await;
    redis.resume();
    assert_eq!(refusal["code"], "unavailable", "{refusal}");
    assert_eq!(refusal["command"], "set_state", "{refusal}");

    // Same socket, same session: once the store answers the command goes through.
    let refusals = until_applied(&mut console, "pause", "PAUSE").await;
    assert!(
        refusals
            .iter()
            .all(|frame| frame["code"] != "invalid_token"),
        "{refusals:?}"
    );
}
