//! An idle tick that read a session with the team and a handoff that gives the conversation
//! back to the bot in between: the tick leaves the bot's new idle deadline alone, so the
//! visitor who then goes quiet is still warned and expired.
//!
//! The race is played deterministically (tests/it/handoff/race.rs): the tick runs on a store
//! that, at its first write of the session or of the idle schedule (after it read the
//! session in handoff), first lets the visitor stop waiting (back to the bot, the idle
//! deadline set in the same write) through the unwatched store.

use std::time::Duration;

use staffetta::desk::visitor_side;
use staffetta::visitor::conversation;

use super::console::{agent, visitor_event, visitor_events};
use super::desk::ask_for_human;
use super::race::{Write, before_first_write};
use super::spawn_desk;
use crate::support::wait_for;

#[tokio::test]
async fn an_idle_tick_raced_by_the_end_of_a_wait_keeps_the_bots_deadline() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    ada.pause().await;
    let visitor = app.visitor().await;
    assert_eq!(ask_for_human(&visitor).await["outcome"], "queued");

    let session = visitor.id().to_owned();
    let session_key = format!("session:{session}");
    let unwatched = app.state.clone();
    let leaving = session.clone();
    let (watched, picked) = before_first_write(
        &app.state,
        move |write| match write {
            Write::Put(key) => key == session_key,
            Write::Call(call, name) => call.contains("schedule") && name == "idle",
        },
        async move {
            visitor_side::leave(&unwatched, &leaving)
                .await
                .expect("the visitor stops waiting");
        },
    );
    // A stale deadline of the session, as the timer would apply it.
    conversation::tick(&watched, &session)
        .await
        .expect("the tick");
    assert!(picked() >= 1, "the tick wrote, after the race");
    visitor_event(&visitor, "handoff_cancelled").await;
    let head = visitor_events(&visitor, 0).await.len() as u64;

    app.advance(Duration::from_secs(241));
    let warned = wait_for("session_expiring", Duration::from_secs(5), || async {
        let events = visitor_events(&visitor, head).await;
        (!events.is_empty()).then_some(events)
    })
    .await;
    assert_eq!(warned[0]["type"], "session_expiring", "{warned:?}");

    app.advance(Duration::from_secs(60));
    let expired = wait_for("session_expired", Duration::from_secs(5), || async {
        let events = visitor_events(&visitor, head + 1).await;
        (!events.is_empty()).then_some(events)
    })
    .await;
    assert_eq!(expired[0]["type"], "session_expired", "{expired:?}");
}
