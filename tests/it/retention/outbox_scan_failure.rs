//! A retention pass whose scan of the webhook outbox fails deletes nothing for good: the
//! conversations it began to delete stay in the retention schedule (and their visitor's
//! index), their waiting outbox items stay unsent behind the contact centre's outage, and
//! the pass's retry (its backoff) erases them and finishes the deletion. Finishing the
//! deletion without the scan would lose the conversation from the schedule while its items
//! still wait: the delivery loop sends every item that is not erased (docs/retention.md).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;
use staffetta::connector::outbox_log;
use staffetta::store::{Observed, Store, StoreError, StoreResult, WriteObserver};

use super::chat_id;
use super::outbox::{
    Centre, chat, command, node_wrapped, only_the_end_of, stored_items, until_stored,
};
use crate::handoff::add_operator;

/// While armed, every read of the demo site's webhook outbox fails as an outage.
#[derive(Clone, Debug, Default)]
struct FailingOutboxReads {
    armed: Arc<AtomicBool>,
    failed: Arc<AtomicUsize>,
}

#[async_trait::async_trait]
impl WriteObserver for FailingOutboxReads {
    async fn before_call(
        &self,
        _inner: &dyn Store,
        call: &'static str,
        name: &str,
    ) -> StoreResult<()> {
        if call != "read_log" || name != outbox_log("demo") || !self.armed.load(Ordering::SeqCst) {
            return Ok(());
        }
        self.failed.fetch_add(1, Ordering::SeqCst);
        Err(StoreError::Unavailable {
            target: "test store".to_owned(),
            reason: "outbox reads fail for the test".to_owned(),
        })
    }
}

#[tokio::test]
async fn a_pass_whose_outbox_scan_fails_keeps_the_conversation_due_and_its_retry_erases_the_items()
{
    let centre = Centre::default();
    centre.down.store(true, Ordering::SeqCst);
    let reads = FailingOutboxReads::default();
    let observer = reads.clone();
    let app = node_wrapped(centre.start().await, None, Some(1), move |store| {
        Arc::new(Observed::new(store, observer)) as Arc<dyn Store>
    })
    .await;
    add_operator(&app, "ext-ada", "pass-ext-ada", "agent").await;
    command(&app, json!({ "command": "set_state", "state": "ready" })).await;
    let old = app.visitor().await;
    chat(&app, &old, "an old secret").await;
    assert_eq!(old.end().await.status, 200);
    let old_chat = chat_id(&old);
    until_stored(&app, "the end of the old chat", |item| {
        item["event"] == "CONNECTIONCLEARED" && item["chat_id"] == old_chat.as_str()
    })
    .await;

    // The pass begins the deletion (the log goes) but cannot scan the outbox.
    reads.armed.store(true, Ordering::SeqCst);
    app.advance(Duration::from_secs(25 * 3_600));
    app.retention_caught_up().await;
    let log = format!("conversation:{old_chat}");
    assert_eq!(app.state.store.log_head(&log).await.unwrap(), 0, "begun");
    assert!(reads.failed.load(Ordering::SeqCst) > 0);
    let due = app
        .state
        .store
        .due("retention:demo", i64::MAX, 10)
        .await
        .unwrap();
    assert!(
        due.iter()
            .any(|(member, _)| member.starts_with(old_chat.as_str())),
        "still due: {due:?}"
    );
    reads.armed.store(false, Ordering::SeqCst);
    let waiting = stored_items(&app).await;
    assert!(
        waiting
            .iter()
            .any(|stored| stored.to_string().contains("an old secret")),
        "not erased yet, not sent either (the centre is down): {waiting:?}"
    );

    // The retry, a second later by the node's clock, erases them and finishes.
    app.advance(Duration::from_secs(2));
    app.retention_caught_up().await;
    let left = stored_items(&app).await;
    let ends = only_the_end_of(&left, &old_chat, "old secret");
    assert_eq!(
        ends.first().map(String::as_str),
        Some("CONNECTIONCLEARED"),
        "{left:?}"
    );
    let due = app
        .state
        .store
        .due("retention:demo", i64::MAX, 10)
        .await
        .unwrap();
    assert!(
        !due.iter()
            .any(|(member, _)| member.starts_with(old_chat.as_str())),
        "done: {due:?}"
    );
}
