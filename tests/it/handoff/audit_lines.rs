//! The audit lines of console refusals (docs/security.md, A-02): only a refusal for naming
//! what the operator may not see writes one; a busy or failing store or a malformed command
//! writes none.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;
use staffetta::store::{Observed, Store, StoreError, StoreResult, WriteObserver};

use super::security_support::{SHOP, console_on, desk_settings, visitor_asking_on};
use crate::security::support::add_copy_of_first_site;
use crate::support::TestApp;
use crate::support::app::spawn_app_wrapped;
use crate::support::logs::{LogBuffer, capture_logs};

/// The `audit` lines captured so far.
fn audit_lines(logs: &LogBuffer) -> Vec<String> {
    logs.lines()
        .into_iter()
        .filter(|line| line.contains(" audit:"))
        .collect()
}

/// Fails every read of the demo site's desk while armed.
#[derive(Clone, Debug, Default)]
struct DemoDeskReads {
    failing: Arc<AtomicBool>,
}

#[async_trait::async_trait]
impl WriteObserver for DemoDeskReads {
    async fn before_call(
        &self,
        _inner: &dyn Store,
        call: &'static str,
        name: &str,
    ) -> StoreResult<()> {
        if call == "get" && name == "desk:demo" && self.failing.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable {
                target: "test store".to_owned(),
                reason: "the demo desk cannot be read for the test".to_owned(),
            });
        }
        Ok(())
    }
}

/// Sites `demo` and [`SHOP`] on a store watched by `observer`.
async fn two_sites_watched<O: WriteObserver>(observer: O) -> TestApp {
    spawn_app_wrapped(
        |settings| {
            desk_settings(settings);
            add_copy_of_first_site(settings, SHOP);
        },
        move |store| Arc::new(Observed::new(store, observer)) as Arc<dyn Store>,
    )
    .await
}

#[tokio::test]
async fn a_refusal_for_a_failing_store_or_a_malformed_command_writes_no_audit_line() {
    let reads = DemoDeskReads::default();
    let app = two_sites_watched(reads.clone()).await;
    let mut sam = console_on(&app, SHOP, "sam", "agent").await;
    let shop_chat = visitor_asking_on(&app, SHOP).await.conversation;
    let offer = sam.offer().await;
    sam.accept(&offer).await;
    let mut boss = console_on(&app, "demo", "boss", "admin").await;
    let (logs, _guard) = capture_logs();

    // Malformed: an empty message, though to the shop's chat.
    boss.send(json!({"command": "send", "conversation": shop_chat, "text": "  "}))
        .await;
    assert_eq!(boss.until("ERROR").await["code"], "bad_command");
    // The demo desk cannot be read: refused before anything was looked at.
    reads.failing.store(true, Ordering::SeqCst);
    boss.send(json!({"command": "end", "conversation": shop_chat}))
        .await;
    let refused = boss.until("ERROR").await;
    reads.failing.store(false, Ordering::SeqCst);
    assert_eq!(refused["code"], "unavailable", "{refused}");
    assert!(audit_lines(&logs).is_empty(), "{:#?}", logs.lines());

    // The same command refused for naming the shop's chat: one line.
    boss.send(json!({"command": "end", "conversation": shop_chat}))
        .await;
    assert_eq!(boss.until("ERROR").await["code"], "unknown_conversation");
    let lines = audit_lines(&logs);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].contains("action=\"end\""), "{}", lines[0]);
}
