//! An idle deadline whose tick fails on a store error is tried again a moment later, never
//! dropped: a visitor who left is still warned and expired once the store answers.

use std::sync::Arc;
use std::time::Duration;

use staffetta::store::{Observed, Store};

use crate::support::app::spawn_app_wrapped;
use crate::support::fail_once::FailOnce;
use crate::support::wait_for;

#[tokio::test]
async fn an_idle_warning_whose_tick_fails_on_a_store_error_still_comes_a_second_later() {
    let failing = FailOnce::writes_of("session:");
    let observer = failing.clone();
    let app = spawn_app_wrapped(
        |_| {},
        move |store| Arc::new(Observed::new(store, observer)) as Arc<dyn Store>,
    )
    .await;
    let visitor = app.visitor().await;
    let head = visitor.events(0, 0).await.body["events"]
        .as_array()
        .unwrap()
        .len() as u64;

    // The warning's deadline passes; the timer's tick fails to write the session.
    failing.arm();
    app.advance(Duration::from_secs(241));
    wait_for(
        "the tick's failed session write",
        Duration::from_secs(5),
        || async { (failing.failed() == 1).then_some(()) },
    )
    .await;

    // The store answers again: the deadline is still there and the warning comes.
    app.advance(Duration::from_secs(1));
    wait_for("session_expiring", Duration::from_secs(5), || async {
        let events = visitor.events(head, 0).await.body["events"].clone();
        (events[0]["type"] == "session_expiring").then_some(())
    })
    .await;
}
