//! An idle deadline whose tick fails on a store error is tried again a moment later, never
//! dropped: a visitor who left is still warned and expired once the store answers. One whose
//! tick fails otherwise is dropped, but only while it is still the deadline the timer found
//! due: a deadline another write set in between stays.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use staffetta::store::{
    AppendBatch, Observed, RecordWrite, Store, StoreError, StoreResult, WriteObserver,
};

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

/// Once armed: fails the next session write as corrupt (a tick error that is not a store
/// outage, so the timer drops the deadline), then, right before the timer's change of the
/// idle schedule, sets the session's deadline to `race_at` as a write landing in between.
#[derive(Clone, Debug, Default)]
struct DropRace(Arc<RaceState>);

#[derive(Debug, Default)]
struct RaceState {
    session_id: Mutex<String>,
    race_at: AtomicUsize,
    fail_write: AtomicBool,
    race: AtomicBool,
    raced: AtomicUsize,
}

impl DropRace {
    fn raced(&self) -> usize {
        self.0.raced.load(Ordering::SeqCst)
    }
}

impl RaceState {
    fn arm(&self, session_id: &str, race_at: i64) {
        *self.session_id.lock().unwrap() = session_id.to_owned();
        self.race_at
            .store(usize::try_from(race_at).unwrap(), Ordering::SeqCst);
        self.race.store(true, Ordering::SeqCst);
        self.fail_write.store(true, Ordering::SeqCst);
    }

    fn check(&self, key: &str) -> StoreResult<()> {
        if !key.starts_with("session:") || !self.fail_write.swap(false, Ordering::SeqCst) {
            return Ok(());
        }
        Err(StoreError::Corrupt {
            location: "test store".to_owned(),
            reason: "one session write fails as corrupt for the test".to_owned(),
        })
    }
}

#[async_trait::async_trait]
impl WriteObserver for DropRace {
    async fn before_put(&self, _inner: &dyn Store, write: &RecordWrite) -> StoreResult<()> {
        self.0.check(&write.key)
    }

    async fn before_append(
        &self,
        _inner: &dyn Store,
        _log: &str,
        batch: &AppendBatch,
    ) -> StoreResult<()> {
        batch
            .record
            .as_ref()
            .map_or(Ok(()), |record| self.0.check(&record.key))
    }

    async fn before_call(
        &self,
        inner: &dyn Store,
        call: &'static str,
        name: &str,
    ) -> StoreResult<()> {
        let changes_idle = name == "idle" && matches!(call, "unschedule" | "reschedule_if");
        let state = &self.0;
        if changes_idle && state.race.swap(false, Ordering::SeqCst) {
            let session_id = state.session_id.lock().unwrap().clone();
            let race_at = i64::try_from(state.race_at.load(Ordering::SeqCst)).unwrap();
            inner.schedule("idle", &session_id, race_at).await?;
            state.raced.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_deadline_set_while_the_timer_drops_a_stale_one_is_kept() {
    let race = DropRace::default();
    let observer = race.clone();
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

    // The warning's deadline passes; its tick fails (not an outage), so the timer drops the
    // deadline, while a write in between sets a new one five seconds later.
    let race_at = app.clock.now_ms() + 246_000;
    race.0.arm(visitor.id(), race_at);
    app.advance(Duration::from_secs(241));
    wait_for("the write in between", Duration::from_secs(5), || async {
        (race.raced() == 1).then_some(())
    })
    .await;

    // The new deadline was kept: the warning comes when it passes.
    app.advance(Duration::from_secs(5));
    wait_for("session_expiring", Duration::from_secs(5), || async {
        let events = visitor.events(head, 0).await.body["events"].clone();
        (events[0]["type"] == "session_expiring").then_some(())
    })
    .await;
}
