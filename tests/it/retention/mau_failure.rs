//! Erasure against a store that refuses to anonymize the MAU sets, through the real server:
//! the visitor's key is replaced in one store write, so a failure there leaves the month's
//! count as it was (the key stays, for the next erasure to replace), never one short.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;
use staffetta::store::{Observed, Store, StoreError, StoreResult, WriteObserver};

use super::{erase, mau_count};
use crate::handoff::ADMIN_TOKEN;
use crate::support::app::spawn_app_wrapped;

/// While failing, refuses every write that would put a stand-in into a MAU set (an addition,
/// or a replacement).
#[derive(Clone, Debug, Default)]
struct MauFailure(Arc<AtomicBool>);

impl MauFailure {
    fn check(&self, set: &str) -> StoreResult<()> {
        if set.starts_with("mau:") && self.0.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable {
                target: "test store".to_owned(),
                reason: "MAU sets refused for the test".to_owned(),
            });
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl WriteObserver for MauFailure {
    async fn before_set_add(
        &self,
        _inner: &dyn Store,
        set: &str,
        _member: &str,
    ) -> StoreResult<()> {
        self.check(set)
    }

    async fn before_call(
        &self,
        _inner: &dyn Store,
        call: &'static str,
        name: &str,
    ) -> StoreResult<()> {
        if call == "set_replace" {
            return self.check(name);
        }
        Ok(())
    }
}

#[tokio::test]
async fn an_erasure_the_store_fails_while_anonymizing_keeps_the_months_count() {
    let failure = MauFailure::default();
    let observer = failure.clone();
    let app = spawn_app_wrapped(
        |settings| {
            settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
            settings.agent.demo_operators = false;
        },
        move |store| Arc::new(Observed::new(store, observer)) as Arc<dyn Store>,
    )
    .await;
    app.visitor_with(&json!({ "user_id": "erase-me" })).await;
    app.visitor_with(&json!({ "user_id": "keep-me" })).await;
    assert_eq!(mau_count(&app).await, 2);

    failure.0.store(true, Ordering::SeqCst);
    let (status, body) = erase(&app, "demo", "u:erase-me").await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (503, &json!("unavailable"))
    );
    assert_eq!(
        mau_count(&app).await,
        2,
        "the month counts the visitor still"
    );

    failure.0.store(false, Ordering::SeqCst);
    let (status, body) = erase(&app, "demo", "u:erase-me").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["mau_months_anonymized"], 1);
    assert_eq!(mau_count(&app).await, 2);
    let month = staffetta::visitor::mau::month_of(jiff::Timestamp::now());
    let members = app
        .state
        .store
        .set_members(&staffetta::visitor::mau::set_name("demo", &month))
        .await
        .unwrap();
    assert!(!members.contains(&"u:erase-me".to_owned()), "{members:?}");
}
