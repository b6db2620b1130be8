//! A desk deadline whose tick fails on a store error is tried again a moment later, never
//! dropped: an offer that could not time out at its deadline (the desk's write failed) still
//! times out once the store answers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use staffetta::store::{Observed, RecordWrite, Store, StoreError, StoreResult, WriteObserver};

use super::ADMIN_TOKEN;
use super::console::agent;
use super::desk::ask_for_human;
use crate::support::app::spawn_app_wrapped;
use crate::support::wait_for;

/// Once armed, fails the next write of the site's desk (one failure).
#[derive(Clone, Debug, Default)]
struct FailOneDeskWrite(Arc<FailState>);

#[derive(Debug, Default)]
struct FailState {
    armed: AtomicBool,
    failed: AtomicUsize,
}

#[async_trait::async_trait]
impl WriteObserver for FailOneDeskWrite {
    async fn before_put(&self, _inner: &dyn Store, write: &RecordWrite) -> StoreResult<()> {
        if write.key != "desk:demo" || !self.0.armed.swap(false, Ordering::SeqCst) {
            return Ok(());
        }
        self.0.failed.fetch_add(1, Ordering::SeqCst);
        Err(StoreError::Unavailable {
            target: "test store".to_owned(),
            reason: "one desk write fails for the test".to_owned(),
        })
    }
}

#[tokio::test]
async fn an_offer_whose_timeout_tick_fails_on_a_store_error_still_times_out_a_second_later() {
    let failing = FailOneDeskWrite::default();
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
    failing.0.armed.store(true, Ordering::SeqCst);
    app.advance(Duration::from_secs(21));
    wait_for(
        "the tick's failed desk write",
        Duration::from_secs(5),
        || async { (failing.0.failed.load(Ordering::SeqCst) == 1).then_some(()) },
    )
    .await;

    // The store answers again: the deadline is still there and fires.
    app.advance(Duration::from_secs(1));
    assert_eq!(ada.until("FORCED").await["event"], "FORCED");
    assert_eq!(ada.until("JOBFINISHED").await["reason"], "timeout");
}
