//! A store outage during retention, through the real server with the node's clock moved by
//! hand: a site whose pass fails is tried again after 1 s, 2 s, 4 s, ... up to 5 min (not at
//! every look of the task), and once the store answers the pass runs and the next outage
//! starts again from a second.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use staffetta::store::{Observed, RecordWrite, Store, StoreError, StoreResult, WriteObserver};

use super::age::desk;
use crate::support::app::spawn_app_wrapped;

/// Fails every call on a `retention...` name (the site's schedule, sweep record and lease)
/// while down, and counts the calls it failed: a pass stops at its first failing call, so
/// that is the number of passes tried.
#[derive(Clone, Debug, Default)]
struct RetentionOutage(Arc<OutageState>);

#[derive(Debug, Default)]
struct OutageState {
    down: AtomicBool,
    failed: AtomicUsize,
}

impl RetentionOutage {
    fn set_down(&self, down: bool) {
        self.0.down.store(down, Ordering::SeqCst);
    }

    fn failed(&self) -> usize {
        self.0.failed.load(Ordering::SeqCst)
    }

    fn check(&self, name: &str) -> StoreResult<()> {
        if !name.starts_with("retention") || !self.0.down.load(Ordering::SeqCst) {
            return Ok(());
        }
        self.0.failed.fetch_add(1, Ordering::SeqCst);
        Err(StoreError::Unavailable {
            target: "test store".to_owned(),
            reason: "down for the test".to_owned(),
        })
    }
}

#[async_trait::async_trait]
impl WriteObserver for RetentionOutage {
    async fn before_put(&self, _inner: &dyn Store, write: &RecordWrite) -> StoreResult<()> {
        self.check(&write.key)
    }

    async fn before_call(
        &self,
        _inner: &dyn Store,
        _call: &'static str,
        name: &str,
    ) -> StoreResult<()> {
        self.check(name)
    }
}

#[tokio::test]
async fn a_failing_retention_pass_is_retried_after_growing_waits_and_the_waits_restart_once_it_works()
 {
    let outage = RetentionOutage::default();
    outage.set_down(true);
    let observer = outage.clone();
    let app = spawn_app_wrapped(
        |settings| desk(settings, Some(1)),
        move |store| Arc::new(Observed::new(store, observer)) as Arc<dyn Store>,
    )
    .await;
    app.retention_caught_up().await;
    assert_eq!(outage.failed(), 1, "the first pass, at start");

    let millisecond = Duration::from_millis(1);
    let mut tries = 1;
    for wait_s in [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300] {
        let wait = Duration::from_secs(wait_s);
        app.advance(wait - millisecond);
        app.retention_caught_up().await;
        assert_eq!(outage.failed(), tries, "no try before {wait_s} s");
        app.advance(millisecond);
        app.retention_caught_up().await;
        tries += 1;
        assert_eq!(outage.failed(), tries, "one try after {wait_s} s");
    }

    // The store answers: the next try runs the pass, with the start-up sweep it could not do.
    outage.set_down(false);
    app.advance(Duration::from_secs(300));
    app.retention_caught_up().await;
    let swept = app.state.store.get("retention-sweep:demo").await.unwrap();
    assert!(swept.is_some(), "the pass ran once the store answered");

    // A new outage starts again from a second, after the next regular pass (a minute later).
    outage.set_down(true);
    app.advance(Duration::from_secs(60));
    app.retention_caught_up().await;
    assert_eq!(outage.failed(), tries + 1, "the regular pass fails");
    app.advance(Duration::from_secs(1) - millisecond);
    app.retention_caught_up().await;
    assert_eq!(outage.failed(), tries + 1, "no try before 1 s");
    app.advance(millisecond);
    app.retention_caught_up().await;
    assert_eq!(outage.failed(), tries + 2, "one try after 1 s");
}
