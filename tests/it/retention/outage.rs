//! A store outage during retention, through the real server with the node's clock moved by
//! hand, on sled and on a private Redis (where the pass first asks for the site's lease): a
//! site whose pass fails is tried again after 1 s, 2 s, 4 s, ... up to 5 min (not at every
//! look of the task), with one warning per try and one info line when the pass works again,
//! and the next outage starts again from a second.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use staffetta::store::{Observed, RecordWrite, Store, StoreError, StoreResult, WriteObserver};

use super::age::desk;
use crate::support::app::spawn_app_wrapped;
use crate::support::logs::{LogBuffer, capture_logs};
use crate::support::redis_server::private_redis_or_skip;

const FAILED: &str = "retention pass failed; retrying later";
const RECOVERED: &str = "retention pass succeeded again";

/// The lines of `logs` with `message`.
fn lines_with(logs: &LogBuffer, message: &str) -> Vec<String> {
    logs.lines()
        .into_iter()
        .filter(|line| line.contains(message))
        .collect()
}

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
    a_failing_pass_is_retried_after_growing_waits(None).await;
}

#[tokio::test]
async fn a_failing_retention_pass_on_redis_is_retried_after_growing_waits_and_the_waits_restart_once_it_works()
 {
    let Some(redis) = private_redis_or_skip("retention_outage_on_redis").await else {
        return;
    };
    a_failing_pass_is_retried_after_growing_waits(Some(redis.url())).await;
}

/// The outage story on sled (`redis: None`) or on the Redis at `redis`.
async fn a_failing_pass_is_retried_after_growing_waits(redis: Option<String>) {
    let (logs, _guard) = capture_logs();
    let outage = RetentionOutage::default();
    outage.set_down(true);
    let observer = outage.clone();
    let app = spawn_app_wrapped(
        move |settings| {
            desk(settings, Some(1));
            if let Some(url) = redis {
                settings.store.url = Some(staffetta::store::RedisUrl::parse(url).unwrap());
            }
        },
        move |store| Arc::new(Observed::new(store, observer)) as Arc<dyn Store>,
    )
    .await;
    app.retention_caught_up().await;
    assert_eq!(outage.failed(), 1, "the first pass, at start");
    assert_eq!(lines_with(&logs, FAILED).len(), 1, "{:#?}", logs.lines());

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
    // One warning per try (each came after a longer wait, or 5 min after the last warning),
    // none for the looks in between; each says how many failed and the next wait.
    let warnings = lines_with(&logs, FAILED);
    assert_eq!(warnings.len(), tries, "{warnings:#?}");
    let waits_ms = [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300].map(|s| s * 1_000);
    for (n, (warning, wait_ms)) in warnings.iter().zip(waits_ms).enumerate() {
        assert!(warning.contains(" WARN "), "{warning}");
        assert!(warning.contains("site=demo"), "{warning}");
        assert!(
            warning.contains(&format!("failures={}", n + 1)),
            "{warning}"
        );
        assert!(
            warning.contains(&format!("retry_in_ms={wait_ms}")),
            "{warning}"
        );
    }
    assert!(lines_with(&logs, RECOVERED).is_empty());

    // The store answers: the next try runs the pass, with the start-up sweep it could not do.
    outage.set_down(false);
    app.advance(Duration::from_secs(300));
    app.retention_caught_up().await;
    let swept = app.state.store.get("retention-sweep:demo").await.unwrap();
    assert!(swept.is_some(), "the pass ran once the store answered");
    let recovered = lines_with(&logs, RECOVERED);
    assert_eq!(recovered.len(), 1, "{recovered:#?}");
    assert!(recovered[0].contains(" INFO "), "{}", recovered[0]);
    assert!(
        recovered[0].contains(&format!("failed_attempts={tries}")),
        "{}",
        recovered[0]
    );
    assert_eq!(lines_with(&logs, FAILED).len(), tries, "no warning more");

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
    let warnings = lines_with(&logs, FAILED);
    assert_eq!(warnings.len(), tries + 2, "{warnings:#?}");
    assert!(
        warnings[tries].contains("failures=1 retry_in_ms=1000"),
        "{}",
        warnings[tries]
    );
    assert!(
        warnings[tries + 1].contains("failures=2 retry_in_ms=2000"),
        "{}",
        warnings[tries + 1]
    );
}
