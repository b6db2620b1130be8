//! The audit lines of console refusals (docs/security.md, A-02): only a refusal for naming
//! what the operator may not see writes one; a busy or failing store or a malformed command
//! writes none.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::{Value, json};
use staffetta::store::{Observed, Store, StoreError, StoreResult, WriteObserver};

use super::console::{Console, agent, from_login};
use super::security_support::{
    SHOP, add_operator_on, console_on, desk_settings, login_on, visitor_asking_on,
};
use super::spawn_desk;
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

/// Counts the reads of the shop's desk.
#[derive(Clone, Debug, Default)]
struct ShopDeskReads(Arc<AtomicUsize>);

impl ShopDeskReads {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl WriteObserver for ShopDeskReads {
    async fn before_call(
        &self,
        _inner: &dyn Store,
        call: &'static str,
        name: &str,
    ) -> StoreResult<()> {
        if call == "get" && name == format!("desk:{SHOP}") {
            self.0.fetch_add(1, Ordering::SeqCst);
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

#[tokio::test]
async fn a_transfer_to_another_sites_agent_is_told_without_reading_its_desk_and_a_shared_login_is_not()
 {
    let reads = ShopDeskReads::default();
    let app = two_sites_watched(reads.clone()).await;
    // `ada` is a login of both sites; the demo one is not logged in, the shop one is.
    let ada_on_demo = add_operator_on(&app, "demo", "ada", "agent").await;
    let ada_on_shop = console_on(&app, SHOP, "ada", "agent").await;
    // Sam's id has no site record, as if created by an older build: his console records it.
    let sam = add_operator_on(&app, SHOP, "sam", "agent").await;
    app.state
        .store
        .delete(&format!("agent-site:{sam}"), None)
        .await
        .unwrap();
    let _sam_console = from_login(&app, login_on(&app, SHOP, "sam", "pass-sam").await).await;
    let mut dan = console_on(&app, "demo", "dan", "agent").await;
    let demo_chat = visitor_asking_on(&app, "demo").await.conversation;
    let offer = dan.offer().await;
    dan.accept(&offer).await;
    let (logs, _guard) = capture_logs();
    let before = reads.count();

    for to in [ada_on_demo.as_str(), "op-nobody", &ada_on_shop.id, &sam] {
        dan.send(json!({"command": "transfer", "conversation": demo_chat, "to": {"kind": "agent", "id": to}}))
            .await;
        let refused = dan.until("ERROR").await;
        assert_eq!(refused["code"], "transfer_target_unavailable", "{refused}");
    }
    let lines = audit_lines(&logs);
    assert_eq!(lines.len(), 2, "only the shop's agents: {lines:#?}");
    for line in &lines {
        for part in [
            "audit=\"cross_site_refused\"".to_owned(),
            format!("operator=\"{}\"", dan.id),
            "site=\"demo\"".to_owned(),
            format!("asked_site=\"{SHOP}\""),
            "action=\"transfer_to_agent\"".to_owned(),
        ] {
            assert!(line.contains(&part), "{part} in {line}");
        }
    }
    assert_eq!(reads.count(), before, "the shop's desk was read");
}

#[tokio::test]
async fn accepting_rejecting_or_wrapping_up_another_agents_offer_or_job_writes_one_audit_line_each()
{
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    let mut bob = agent(&app, "bob", "agent").await;
    bob.pause().await;
    let chat = visitor_asking_on(&app, "demo").await.conversation;
    let offer = ada.offer().await;
    let (logs, _guard) = capture_logs();
    let refused = async |console: &mut Console, command: Value| -> String {
        console.send(command).await;
        console.until("ERROR").await["code"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    let accept = json!({"command": "accept", "offer": offer});
    assert_eq!(refused(&mut bob, accept.clone()).await, "offer_not_yours");
    let reject = json!({"command": "reject", "offer": offer});
    assert_eq!(refused(&mut bob, reject).await, "offer_not_yours");
    ada.accept(&offer).await;
    ada.send(json!({"command": "end", "conversation": chat}))
        .await;
    ada.until("CONNECTIONCLEARED").await;
    let wrap_up = json!({"command": "wrapup_done", "job": offer, "disposition": "solved", "notes": "TEXT-note"});
    assert_eq!(refused(&mut bob, wrap_up.clone()).await, "unknown_job");
    assert_eq!(audit_lines(&logs).len(), 3, "{:#?}", logs.lines());

    // Nobody else's: one's own finished job, a taken offer, an offer never made.
    ada.send(wrap_up.clone()).await;
    ada.until("JOBFINISHED").await;
    assert_eq!(refused(&mut ada, wrap_up).await, "unknown_job");
    assert_eq!(refused(&mut bob, accept).await, "already_taken");
    let never = json!({"command": "accept", "offer": "999"});
    assert_eq!(refused(&mut bob, never).await, "unknown_offer");

    let lines = audit_lines(&logs);
    let expected = [
        ("accept", "offer"),
        ("reject", "offer"),
        ("wrapup_done", "job"),
    ];
    assert_eq!(lines.len(), expected.len(), "{lines:#?}");
    for (line, (action, kind)) in lines.iter().zip(expected) {
        for part in [
            " WARN ".to_owned(),
            "audit=\"other_agents_refused\"".to_owned(),
            format!("operator=\"{}\"", bob.id),
            "site=\"demo\"".to_owned(),
            format!("action=\"{action}\""),
            format!("kind=\"{kind}\""),
            format!("id={offer}"),
        ] {
            assert!(line.contains(&part), "{part} in {line}");
        }
    }
    let everything = logs.lines().join("\n");
    for secret in ["TEXT-", &ada.token, &bob.token] {
        assert!(!everything.contains(secret), "{secret} in the log");
    }
}
