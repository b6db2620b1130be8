//! A session start that fails on a store error, and whose cleanup fails too, leaves its
//! conversation listed (the visitor's index, the link to the session) with no welcome: the
//! console does not show it among the visitor's previous conversations (it has no
//! transcript), while an erasure or the retention still finds it to delete it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;
use staffetta::desk::visitor_side;
use staffetta::store::{
    AppendBatch, Observed, RecordWrite, Store, StoreError, StoreResult, WriteObserver,
};

use super::ADMIN_TOKEN;
use super::console::{agent, transcript};
use super::desk::ask_for_human;
use crate::support::app::spawn_app_wrapped;

/// Once armed, the store goes down at the next welcome (the append that creates a session
/// record) and stays down, for every call, until [`Outage::end`]. Clones share state.
#[derive(Clone, Debug, Default)]
struct Outage(Arc<OutageState>);

#[derive(Debug, Default)]
struct OutageState {
    armed: AtomicBool,
    down: AtomicBool,
    /// The log of the welcome that failed.
    failed_welcome: Mutex<Option<String>>,
}

impl Outage {
    fn check(&self) -> StoreResult<()> {
        if self.0.down.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable {
                target: "test store".to_owned(),
                reason: "the store is down for the test".to_owned(),
            });
        }
        Ok(())
    }

    fn end(&self) {
        self.0.down.store(false, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl WriteObserver for Outage {
    async fn before_put(&self, _inner: &dyn Store, _write: &RecordWrite) -> StoreResult<()> {
        self.check()
    }

    async fn before_append(
        &self,
        _inner: &dyn Store,
        log: &str,
        batch: &AppendBatch,
    ) -> StoreResult<()> {
        let is_welcome = batch.record.as_ref().is_some_and(|record| {
            record.key.starts_with("session:") && record.expected_version.is_none()
        });
        if is_welcome && self.0.armed.swap(false, Ordering::SeqCst) {
            *self.0.failed_welcome.lock().unwrap() = Some(log.to_owned());
            self.0.down.store(true, Ordering::SeqCst);
        }
        self.check()
    }

    async fn before_set_add(
        &self,
        _inner: &dyn Store,
        _set: &str,
        _member: &str,
    ) -> StoreResult<()> {
        self.check()
    }

    async fn before_call(
        &self,
        _inner: &dyn Store,
        _call: &'static str,
        _name: &str,
    ) -> StoreResult<()> {
        self.check()
    }
}

#[tokio::test]
async fn a_start_that_failed_with_its_cleanup_is_not_listed_among_previous_conversations() {
    let outage = Outage::default();
    let observer = outage.clone();
    let app = spawn_app_wrapped(
        |settings| {
            settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
            settings.agent.demo_operators = false;
        },
        move |store| Arc::new(Observed::new(store, observer)) as Arc<dyn Store>,
    )
    .await;
    let mut ada = agent(&app, "ada", "agent").await;
    let visitor = json!({ "user_id": "comes-back" });
    let earlier = app.visitor_with(&visitor).await;

    // The store goes down at the welcome of the next start, before its cleanup.
    outage.0.armed.store(true, Ordering::SeqCst);
    let failed = app.start_session_raw("demo", &visitor).await;
    assert_eq!(failed.status, 503, "{:?}", failed.body);
    outage.end();
    let failed_log = outage.0.failed_welcome.lock().unwrap().clone().unwrap();
    let failed_chat = failed_log.strip_prefix("conversation:").unwrap().to_owned();
    assert!(
        visitor_side::link(&app.state, &failed_chat)
            .await
            .unwrap()
            .is_some(),
        "the failed start's listing was left behind"
    );

    let live = app.visitor_with(&visitor).await;
    ask_for_human(&live).await;
    let offer = ada.offer().await;
    let chat = ada.accept(&offer).await;
    let view = transcript(&app, &ada.token, &chat).await;
    assert_eq!(
        view["visitor"]["previous_conversations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|previous| previous["chat_id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [earlier.started.conversation_id.as_str()],
        "only the conversation that started is listed"
    );
}
