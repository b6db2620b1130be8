//! A desk deadline whose tick fails on a store error is tried again a moment later, never
//! dropped: an offer that could not time out at its deadline (the desk's write failed) still
//! times out once the store answers.

use std::sync::Arc;
use std::time::Duration;

use staffetta::store::{Observed, Store};

use super::ADMIN_TOKEN;
use super::console::agent;
use super::desk::ask_for_human;
use crate::support::app::spawn_app_wrapped;
use crate::support::fail_once::FailOnce;
use crate::support::wait_for;

#[tokio::test]
async fn an_offer_whose_timeout_tick_fails_on_a_store_error_still_times_out_a_second_later() {
    let failing = FailOnce::writes_of("desk:demo");
    let observer = failing.clone();
    let app = spawn_app_wrapped(
        |settings| {
            settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
            settings.agent.demo_operators = false;
        },
        move |store| Arc::new(Observed::new(store, observer)) as Arc<dyn Store>,
    )
    .await;
    let mut ada = agent(&app, "ada", "agent").await;
    let visitor = app.visitor().await;
    ask_for_human(&visitor).await;
    ada.offer().await;

    // The offer's deadline (20 s) passes; the timer's tick of the desk fails to write.
    failing.arm();
    app.advance(Duration::from_secs(21));
    wait_for(
        "the tick's failed desk write",
        Duration::from_secs(5),
        || async { (failing.failed() == 1).then_some(()) },
    )
    .await;

    // The store answers again: the deadline is still there and fires.
    app.advance(Duration::from_secs(1));
    assert_eq!(ada.until("FORCED").await["event"], "FORCED");
    assert_eq!(ada.until("JOBFINISHED").await["reason"], "timeout");
}
