//! Writes that race a conversation's deletion, through the real server with a store that
//! holds chosen calls until the test lets them go: an offline request left from the
//! conversation while an erasure deletes it, and a visitor message sent while waiting for an
//! agent, each read the session before the erasure and write after it, and so does the
//! timer's `identity_expired` event. None outlives the erasure: the request is deleted again
//! and answered 404 `session_not_found`, and so is the message, whose append (like the
//! event's) would otherwise start a new log of the deleted conversation.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use staffetta::config::Settings;
use staffetta::store::{AppendBatch, Observed, Store, StoreResult, WriteObserver};
use tokio::sync::Notify;

use super::{chat_id, erase, offline_texts, request_answer};
use crate::handoff::ADMIN_TOKEN;
use crate::handoff::console::agent;
use crate::handoff::desk::ask_for_human;
use crate::identity::{registered_key, token_expiring_on_node};
use crate::support::TestApp;
use crate::support::app::spawn_app_wrapped;
use crate::support::wait_for;

/// One held call: the first call of `kind` on a name that starts with `prefix`.
#[derive(Debug)]
struct Gate {
    kind: &'static str,
    prefix: String,
    armed: Mutex<bool>,
    reached: Notify,
    release: Notify,
}

impl Gate {
    async fn reached(&self) {
        tokio::time::timeout(Duration::from_secs(10), self.reached.notified())
            .await
            .expect("the held call comes within 10 s");
    }

    fn release(&self) {
        self.release.notify_one();
    }
}

/// The gates of one app; calls that no armed gate matches pass at once.
#[derive(Clone, Debug, Default)]
struct Gates(Arc<Mutex<Vec<Arc<Gate>>>>);

impl Gates {
    /// Holds the next call of `kind` (`set_add`, `append` or a store method's name) on a name
    /// starting with `prefix`.
    fn arm(&self, kind: &'static str, prefix: &str) -> Arc<Gate> {
        let gate = Arc::new(Gate {
            kind,
            prefix: prefix.to_owned(),
            armed: Mutex::new(true),
            reached: Notify::new(),
            release: Notify::new(),
        });
        self.0.lock().unwrap().push(Arc::clone(&gate));
        gate
    }

    async fn pass(&self, kind: &str, name: &str) -> StoreResult<()> {
        let held = self.0.lock().unwrap().iter().find_map(|gate| {
            let mut armed = gate.armed.lock().unwrap();
            let hit = *armed && gate.kind == kind && name.starts_with(&gate.prefix);
            if hit {
                *armed = false;
            }
            hit.then(|| Arc::clone(gate))
        });
        if let Some(gate) = held {
            gate.reached.notify_one();
            gate.release.notified().await;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl WriteObserver for Gates {
    async fn before_append(
        &self,
        _inner: &dyn Store,
        log: &str,
        _batch: &AppendBatch,
    ) -> StoreResult<()> {
        self.pass("append", log).await
    }

    async fn before_set_add(
        &self,
        _inner: &dyn Store,
        set: &str,
        _member: &str,
    ) -> StoreResult<()> {
        self.pass("set_add", set).await
    }

    async fn before_call(
        &self,
        _inner: &dyn Store,
        call: &'static str,
        name: &str,
    ) -> StoreResult<()> {
        self.pass(call, name).await
    }
}

async fn spawn_gated() -> (TestApp, Gates) {
    spawn_gated_with(|_| {}).await
}

async fn spawn_gated_with(configure: impl FnOnce(&mut Settings)) -> (TestApp, Gates) {
    let gates = Gates::default();
    let observer = gates.clone();
    let app = spawn_app_wrapped(
        |settings| {
            settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
            settings.agent.demo_operators = false;
            configure(settings);
        },
        move |store| Arc::new(Observed::new(store, observer)) as Arc<dyn Store>,
    )
    .await;
    (app, gates)
}

#[tokio::test]
async fn a_request_left_while_its_conversation_is_erased_is_erased_too() {
    let (app, gates) = spawn_gated().await;
    let ada = agent(&app, "ada", "agent").await;
    let visitor = app.visitor_with(&json!({ "user_id": "erase-me" })).await;
    visitor.say("hello").await;
    let conversation = chat_id(&visitor);

    // The request has read the session and is about to be stored; the erasure then runs
    // until it deletes the conversation's log, the request is stored, then the erasure ends.
    let stored = gates.arm("set_add", &format!("offline-requests-of:{conversation}"));
    let log_deleted = gates.arm("delete_log", &format!("conversation:{conversation}"));
    let request = async {
        let answer = request_answer(&app, &visitor, "call me at +39 06 1234").await;
        // Stored while the log still exists: the erasure goes on.
        log_deleted.release();
        answer
    };
    let erasure = async {
        stored.reached().await;
        erase(&app, "demo", "u:erase-me").await
    };
    let go_on = async {
        log_deleted.reached().await;
        stored.release();
    };
    let ((status, body), (erased, erased_body), ()) = tokio::join!(request, erasure, go_on);
    assert_eq!(erased, 200, "{erased_body}");
    assert_eq!(status, 201, "{body}");

    assert_eq!(offline_texts(&app, &ada.token).await, Vec::<String>::new());
    let id = body["id"].as_str().unwrap();
    let record = app
        .state
        .store
        .get(&format!("offline-request:demo:{id}"))
        .await;
    assert_eq!(record.unwrap(), None, "the request's record is deleted");
}

#[tokio::test]
async fn a_request_stored_after_its_conversation_was_erased_is_refused_and_not_kept() {
    let (app, gates) = spawn_gated().await;
    let ada = agent(&app, "ada", "agent").await;
    let visitor = app.visitor_with(&json!({ "user_id": "erase-me" })).await;
    let conversation = chat_id(&visitor);

    // The request has read the session; the whole erasure runs before it is stored.
    let stored = gates.arm("set_add", &format!("offline-requests-of:{conversation}"));
    let request = request_answer(&app, &visitor, "call me at +39 06 1234");
    let race = async {
        stored.reached().await;
        let erased = erase(&app, "demo", "u:erase-me").await;
        stored.release();
        erased
    };
    let ((status, body), (erased, erased_body)) = tokio::join!(request, race);
    assert_eq!(erased, 200, "{erased_body}");
    assert_eq!(
        (status, &body["error"]["code"]),
        (404, &json!("session_not_found")),
        "{body}"
    );
    assert_eq!(offline_texts(&app, &ada.token).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_message_sent_while_its_conversation_is_erased_leaves_no_log_behind() {
    let (app, gates) = spawn_gated().await;
    let _ada = agent(&app, "ada", "agent").await;
    let visitor = app.visitor_with(&json!({ "user_id": "erase-me" })).await;
    ask_for_human(&visitor).await;
    let conversation = chat_id(&visitor);
    let log = format!("conversation:{conversation}");

    // The message (the bot is silent: it waits for an agent) has read the session; the whole
    // erasure runs before it is appended.
    let appended = gates.arm("append", &log);
    let sent = visitor.send_raw("late", json!({ "text": "my card is 4111 1111" }));
    let race = async {
        appended.reached().await;
        let erased = erase(&app, "demo", "u:erase-me").await;
        appended.release();
        erased
    };
    let (sent, (erased, erased_body)) = tokio::join!(sent, race);
    assert_eq!(erased, 200, "{erased_body}");
    assert_eq!(erased_body["live_conversations_ended"], 1, "{erased_body}");
    assert_eq!(sent.status, 404, "{:?}", sent.body);
    assert_eq!(sent.code(), "session_not_found");
    assert_eq!(
        app.state.store.log_head(&log).await.unwrap(),
        0,
        "the deleted conversation's log is not started again"
    );
}

#[tokio::test]
async fn an_identity_expiry_due_while_its_conversation_is_erased_leaves_no_log_behind() {
    let (app, gates) = spawn_gated_with(|settings| {
        let demo = &mut settings.sites[0];
        demo.identity.issuer = Some("https://idp.example.test".to_owned());
        demo.identity.keys = vec![registered_key()];
    })
    .await;
    let token = token_expiring_on_node(&app, 120);
    let visitor = app.visitor_with(&json!({ "identity_token": token })).await;
    let log = format!("conversation:{}", chat_id(&visitor));

    // The timer has read the session and is about to write `identity_expired`; the whole
    // erasure runs before it does.
    let appended = gates.arm("append", &log);
    app.advance(Duration::from_secs(121));
    appended.reached().await;
    let (erased, body) = erase(&app, "demo", "s:customer-7").await;
    assert_eq!(erased, 200, "{body}");
    assert_eq!(body["conversations"], 1, "{body}");
    let deleted_again = gates.arm("delete_log", &log);
    appended.release();
    // The event lands at seq 1 of a new log, which is deleted again at once.
    deleted_again.reached().await;
    deleted_again.release();
    wait_for("the log deleted again", Duration::from_secs(10), || async {
        let head = app.state.store.log_head(&log).await.unwrap();
        (head == 0).then_some(())
    })
    .await;
}
