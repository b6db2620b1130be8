//! An idle deadline whose tick fails on a store error is tried again a moment later, never
//! dropped: a visitor who left is still warned and expired once the store answers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use staffetta::store::{AppendBatch, Observed, Store, StoreError, StoreResult, WriteObserver};

use crate::support::app::spawn_app_wrapped;
use crate::support::wait_for;

/// Once armed, fails the next append that writes a session record (one failure).
#[derive(Clone, Debug, Default)]
struct FailOneSessionWrite(Arc<FailState>);

#[derive(Debug, Default)]
struct FailState {
    armed: AtomicBool,
    failed: AtomicUsize,
}

#[async_trait::async_trait]
impl WriteObserver for FailOneSessionWrite {
    async fn before_append(
        &self,
        _inner: &dyn Store,
        _log: &str,
        batch: &AppendBatch,
    ) -> StoreResult<()> {
        let writes_a_session = batch
            .record
            .as_ref()
            .is_some_and(|record| record.key.starts_with("session:"));
        if !writes_a_session || !self.0.armed.swap(false, Ordering::SeqCst) {
            return Ok(());
        }
        self.0.failed.fetch_add(1, Ordering::SeqCst);
        Err(StoreError::Unavailable {
            target: "test store".to_owned(),
            reason: "one session write fails for the test".to_owned(),
        })
    }
}

#[tokio::test]
async fn an_idle_warning_whose_tick_fails_on_a_store_error_still_comes_a_second_later() {
    let failing = FailOneSessionWrite::default();
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
    failing.0.armed.store(true, Ordering::SeqCst);
    app.advance(Duration::from_secs(241));
    wait_for(
        "the tick's failed session write",
        Duration::from_secs(5),
        || async { (failing.0.failed.load(Ordering::SeqCst) == 1).then_some(()) },
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
