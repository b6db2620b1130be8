//! A chat message during a handoff to an external desk and its item in the site's webhook
//! outbox are ONE store write (the item is a side append of the conversation's append), on
//! sled and on a private Redis (each case is one body run on both, `on_sled::*` and
//! `on_redis::*`): a store that watches the node's writes sees one append carry both, and a
//! store that fails that write leaves neither the message nor its item behind.
//!
//! The node's own state runs the real code paths (`conversation::send` for the visitor,
//! `commands::apply_external` for the contact centre's agent) with its store wrapped. The
//! webhook points at a closed port, so nothing is delivered or trimmed while the test reads
//! the outbox. That the backend itself writes a side append with its batch or not at all is
//! the store conformance suite's (`side_appends.rs`); these cases check that the node asks
//! for one write and answers a failed one without leaving half of it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use staffetta::app::AppState;
use staffetta::config::{Settings, WebhookSettings};
use staffetta::connector::outbox_log;
use staffetta::desk::commands::apply_external;
use staffetta::secret::Secret;
use staffetta::store::{AppendBatch, Observed, Store, StoreError, StoreResult, WriteObserver};
use staffetta::visitor::conversation;
use staffetta::visitor::record::conversation_log;
use staffetta_handoff::connector::Inbound;
use staffetta_widget::protocol::{MessageInput, MessageRequest};

use super::desk::ask_for_human;
use super::{ADMIN_TOKEN, add_operator};
use crate::support::redis_server::{RedisServer, private_redis_or_skip};
use crate::support::visitor::Visitor;
use crate::support::{TestApp, spawn_app_with};

/// Declares every case once per backend: `on_sled::<case>` and `on_redis::<case>` run the
/// same body (`<case>(chat)` below) on a [`Chat`] of that backend.
macro_rules! on_each_backend {
    ($($case:ident),+ $(,)?) => {
        mod on_sled {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(super::Chat::start(super::Backend::Sled).await).await;
                }
            )+
        }
        mod on_redis {
            $(
                #[tokio::test]
                async fn $case() {
                    let Some(redis) = super::private_redis_or_skip(stringify!($case)).await
                    else {
                        return;
                    };
                    super::$case(super::Chat::start(super::Backend::Redis(redis)).await).await;
                }
            )+
        }
    };
}

on_each_backend!(
    a_visitor_message_and_its_outbox_item_are_one_store_write,
    a_failed_write_stores_neither_the_visitor_message_nor_its_outbox_item,
    an_agent_message_and_its_outbox_item_are_one_store_write_or_none,
);

/// The store the node runs on.
enum Backend {
    /// sled in the test's data folder.
    Sled,
    /// A private redis-server, kept running as long as the chat.
    Redis(RedisServer),
}

/// One append the store was asked for: its log and the logs of its side appends.
type Seen = Arc<Mutex<Vec<(String, Vec<String>)>>>;

/// Watches the node's store: notes every append; with `fail_outbox_write` set, the next
/// append that would write to the outbox (as its log or a side log) fails without writing.
#[derive(Debug)]
struct Watched {
    outbox: String,
    appends: Seen,
    fail_outbox_write: AtomicBool,
}

#[async_trait::async_trait]
impl WriteObserver for Watched {
    async fn before_append(
        &self,
        _inner: &dyn Store,
        log: &str,
        batch: &AppendBatch,
    ) -> StoreResult<()> {
        let sides: Vec<String> = batch.also.iter().map(|s| s.log.clone()).collect();
        let touches_outbox = log == self.outbox || sides.contains(&self.outbox);
        self.appends.lock().unwrap().push((log.to_owned(), sides));
        if touches_outbox && self.fail_outbox_write.swap(false, Ordering::SeqCst) {
            return Err(StoreError::Unavailable {
                target: "watched store".to_owned(),
                reason: "the write with the outbox item failed".to_owned(),
            });
        }
        Ok(())
    }
}

/// A chat between a visitor and `ext-ada` of the site's external desk, with the node's
/// state on a watched store.
struct Chat {
    app: TestApp,
    visitor: Visitor,
    state: AppState,
    watched: Arc<Observed<Watched>>,
    /// The Redis of a chat on Redis, stopped when the chat is dropped.
    _redis: Option<RedisServer>,
}

impl Chat {
    async fn start(backend: Backend) -> Self {
        // A port nobody listens on: every delivery fails and the outbox keeps its items.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", closed.local_addr().unwrap());
        drop(closed);
        let (redis, expected_backend) = match backend {
            Backend::Sled => (None, "sled"),
            Backend::Redis(server) => (Some(server), "redis"),
        };
        let redis_url = redis.as_ref().map(RedisServer::url);
        let app = spawn_app_with(move |settings: &mut Settings| {
            settings.admin.token = Secret::new(ADMIN_TOKEN);
            settings.agent.demo_operators = false;
            settings.sites[0].webhook =
                Some(WebhookSettings::new(url, Secret::new("s".repeat(32))));
            if let Some(url) = redis_url {
                settings.store.url = Some(staffetta::store::RedisUrl::parse(url).unwrap());
            }
        })
        .await;
        assert_eq!(app.state.store.backend(), expected_backend);
        add_operator(&app, "ext-ada", "pass-ext-ada", "agent").await;
        let ready = json!({"command": "set_state", "state": "ready"});
        apply_external(&app.state, "demo", inbound(&ready)).await;
        let visitor = app.visitor().await;
        ask_for_human(&visitor).await;
        let popup = outbox_items(&app.state)
            .await
            .into_iter()
            .find(|item| item["event"] == "POPUP")
            .expect("the offer is in the outbox");
        let accept = json!({"command": "accept", "offer": popup["id"]});
        apply_external(&app.state, "demo", inbound(&accept)).await;
        assert!(
            outbox_items(&app.state)
                .await
                .iter()
                .any(|item| item["event"] == "JOBSTARTED"),
            "ext-ada has the chat"
        );
        let watched = Arc::new(Observed::new(
            Arc::clone(&app.state.store),
            Watched {
                outbox: outbox_log("demo"),
                appends: Seen::default(),
                fail_outbox_write: AtomicBool::new(false),
            },
        ));
        let mut state = app.state.clone();
        state.store = Arc::clone(&watched) as Arc<dyn Store>;
        Self {
            app,
            visitor,
            state,
            watched,
            _redis: redis,
        }
    }

    fn conversation(&self) -> &str {
        &self.visitor.started.conversation_id
    }

    async fn visitor_says(&self, id: &str, text: &str) -> Result<u64, String> {
        let request = MessageRequest {
            client_message_id: id.to_owned(),
            input: MessageInput {
                text: Some(text.to_owned()),
                ..MessageInput::default()
            },
        };
        conversation::send(&self.state, self.visitor.id(), request)
            .await
            .map(|answer| answer.seq)
            .map_err(|err| err.code().to_owned())
    }

    async fn agent_says(&self, text: &str) {
        let send = json!({"command": "send", "conversation": self.conversation(), "text": text});
        apply_external(&self.state, "demo", inbound(&send)).await;
    }

    /// Texts of the conversation's messages.
    async fn conversation_texts(&self) -> Vec<String> {
        let log = conversation_log(self.conversation());
        let entries = self.app.state.store.read_log(&log, 0, 1_000).await.unwrap();
        entries
            .iter()
            .map(|e| serde_json::from_slice::<Value>(&e.body).unwrap())
            .filter(|e| e["type"] == "message")
            .map(|e| {
                e["input"]["text"]
                    .as_str()
                    .or(e["output"]["generic"][0]["text"].as_str())
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }

    /// Texts of the outbox's message items.
    async fn outbox_texts(&self) -> Vec<String> {
        outbox_items(&self.app.state)
            .await
            .iter()
            .filter(|item| item["kind"] == "message")
            .map(|item| item["text"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// The appends seen since the last call.
    fn appends(&self) -> Vec<(String, Vec<String>)> {
        std::mem::take(&mut *self.watched.observer().appends.lock().unwrap())
    }
}

fn inbound(command: &Value) -> Inbound {
    serde_json::from_value(json!({"agent": "ext-ada", "command": command})).unwrap()
}

/// The items of the demo site's outbox, in seq order, but the transcript sent with an offer
/// (the conversation before the handoff).
async fn outbox_items(state: &AppState) -> Vec<Value> {
    let entries = state
        .store
        .read_log(&outbox_log("demo"), 0, 1_000)
        .await
        .unwrap();
    entries
        .iter()
        .map(|e| serde_json::from_slice::<Value>(&e.body).unwrap())
        .filter(|entry| entry["transcript"] != true)
        .map(|entry| entry["item"].clone())
        .collect()
}

async fn a_visitor_message_and_its_outbox_item_are_one_store_write(chat: Chat) {
    let outbox_head = chat
        .app
        .state
        .store
        .log_head(&outbox_log("demo"))
        .await
        .unwrap();
    chat.visitor_says("m-1", "Is my order late?").await.unwrap();
    let conversation = conversation_log(chat.conversation());
    assert_eq!(
        chat.appends(),
        [(conversation, vec![outbox_log("demo")])],
        "one append: the message, with its outbox item as a side append"
    );
    assert_eq!(chat.outbox_texts().await, ["Is my order late?"]);
    assert!(
        chat.conversation_texts()
            .await
            .contains(&"Is my order late?".to_owned())
    );
    let head = chat
        .app
        .state
        .store
        .log_head(&outbox_log("demo"))
        .await
        .unwrap();
    assert_eq!(head, outbox_head + 1, "nothing else went to the outbox");

    // A retry of the same message is a duplicate: no second item.
    chat.visitor_says("m-1", "Is my order late?").await.unwrap();
    assert_eq!(chat.outbox_texts().await, ["Is my order late?"]);
}

async fn a_failed_write_stores_neither_the_visitor_message_nor_its_outbox_item(chat: Chat) {
    let before = chat.conversation_texts().await;
    chat.watched
        .observer()
        .fail_outbox_write
        .store(true, Ordering::SeqCst);
    let refused = chat.visitor_says("m-1", "Lost?").await.unwrap_err();
    assert_eq!(refused, "unavailable");
    assert_eq!(chat.conversation_texts().await, before, "no message");
    assert!(chat.outbox_texts().await.is_empty(), "no item");

    // The visitor's retry stores both, once.
    chat.visitor_says("m-1", "Lost?").await.unwrap();
    assert_eq!(chat.outbox_texts().await, ["Lost?"]);
    let stored = chat.conversation_texts().await;
    assert_eq!(stored.iter().filter(|t| *t == "Lost?").count(), 1);
}

async fn an_agent_message_and_its_outbox_item_are_one_store_write_or_none(chat: Chat) {
    chat.agent_says("Your parcel left today.").await;
    assert_eq!(
        chat.appends(),
        [(
            conversation_log(chat.conversation()),
            vec![outbox_log("demo")]
        )],
        "one append: the message, with its outbox item as a side append"
    );
    assert_eq!(chat.outbox_texts().await, ["Your parcel left today."]);
    assert!(
        chat.conversation_texts()
            .await
            .contains(&"Your parcel left today.".to_owned())
    );

    chat.watched
        .observer()
        .fail_outbox_write
        .store(true, Ordering::SeqCst);
    chat.agent_says("Never stored.").await;
    assert_eq!(chat.outbox_texts().await, ["Your parcel left today."]);
    assert!(
        !chat
            .conversation_texts()
            .await
            .contains(&"Never stored.".to_owned())
    );
}
