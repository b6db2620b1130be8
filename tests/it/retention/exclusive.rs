//! Erasure and session start of one visitor exclude each other, through the real server with
//! a store that holds one call until the test lets it go: a start while the visitor is
//! erased (a `restore` too) is refused with 409 `erasure_in_progress` and `Retry-After`, and
//! works once the erasure is done; a start the erasure overlapped (it checked before the
//! erasure began)
//! undoes itself and is refused the same way (whether the erasure read the visitor's index
//! before the start listed its conversation or after: the store refuses the welcome, which is
//! guarded by the erasure record); other visitors start as usual meanwhile. On sled and on
//! Redis, but the erasure slower than its mark (sled's clock expires the mark).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use staffetta::store::{
    AppendBatch, Observed, RecordWrite, RedisUrl, Store, StoreResult, WriteObserver,
};
use tokio::sync::Notify;

use super::{chat_id, erase, mau_count};
use crate::handoff::ADMIN_TOKEN;
use crate::support::TestApp;
use crate::support::app::spawn_app_wrapped;
use crate::support::redis_server::{RedisServer, private_redis_or_skip};
use crate::support::visitor::ORIGIN;

/// Declares each case once per backend: `on_sled::<case>` and `on_redis::<case>` run the
/// same body (`<case>(app, hold)`) on a node of that backend.
macro_rules! on_each_backend {
    ($($case:ident),+ $(,)?) => {
        mod on_sled {
            $(
                #[tokio::test]
                async fn $case() {
                    let (app, hold) = super::spawn_held(None).await;
                    super::$case(app, hold).await;
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
                    let (app, hold) = super::spawn_held(Some(&redis)).await;
                    super::$case(app, hold).await;
                }
            )+
        }
    };
}

on_each_backend!(
    a_session_start_while_the_visitor_is_erased_is_refused_and_works_after_it,
    a_start_the_erasure_overlapped_undoes_itself_and_is_refused,
    a_start_listed_before_the_erasure_read_the_index_gets_no_welcome_and_is_refused,
);

/// Holds the first call (of any kind) on a name that starts with the armed prefix until
/// released; notes the member of a held set addition (the conversation of a held append).
#[derive(Clone, Debug, Default)]
struct Hold(Arc<HoldState>);

#[derive(Debug, Default)]
struct HoldState {
    prefix: Mutex<Option<String>>,
    member: Mutex<Option<String>>,
    reached: Notify,
    release: Notify,
}

impl Hold {
    fn arm(&self, prefix: &str) {
        *self.0.prefix.lock().unwrap() = Some(prefix.to_owned());
    }

    async fn reached(&self) {
        tokio::time::timeout(Duration::from_secs(10), self.0.reached.notified())
            .await
            .expect("the held call comes within 10 s");
    }

    fn release(&self) {
        self.0.release.notify_one();
    }

    async fn pass(&self, name: &str, member: Option<&str>) -> StoreResult<()> {
        let held = {
            let mut prefix = self.0.prefix.lock().unwrap();
            let hit = prefix.as_deref().is_some_and(|p| name.starts_with(p));
            if hit {
                *prefix = None;
                *self.0.member.lock().unwrap() = member.map(str::to_owned);
            }
            hit
        };
        if held {
            self.0.reached.notify_one();
            self.0.release.notified().await;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl WriteObserver for Hold {
    async fn before_put(&self, _inner: &dyn Store, write: &RecordWrite) -> StoreResult<()> {
        self.pass(&write.key, None).await
    }

    async fn before_append(
        &self,
        _inner: &dyn Store,
        log: &str,
        _batch: &AppendBatch,
    ) -> StoreResult<()> {
        self.pass(log, log.strip_prefix("conversation:")).await
    }

    async fn before_set_add(&self, _inner: &dyn Store, set: &str, member: &str) -> StoreResult<()> {
        self.pass(set, Some(member)).await
    }

    async fn before_call(
        &self,
        _inner: &dyn Store,
        _call: &'static str,
        name: &str,
    ) -> StoreResult<()> {
        self.pass(name, None).await
    }
}

/// A node on sled, or on `redis`, whose store is held by the returned [`Hold`].
async fn spawn_held(redis: Option<&RedisServer>) -> (TestApp, Hold) {
    let hold = Hold::default();
    let observer = hold.clone();
    let app = spawn_app_wrapped(
        |settings| {
            settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
            settings.agent.demo_operators = false;
            settings.store.url = redis.map(|redis| RedisUrl::parse(redis.url()).unwrap());
        },
        move |store| Arc::new(Observed::new(store, observer)) as Arc<dyn Store>,
    )
    .await;
    (app, hold)
}

/// `POST .../sessions` on the demo site: status, `Retry-After`, body (checked against the
/// published contract).
async fn start(app: &TestApp, body: &Value) -> (u16, Option<String>, Value) {
    start_on(app.http.clone(), app.base_url.clone(), body.clone()).await
}

/// [`start`] with the app's client and URL (for a spawned task).
async fn start_on(
    http: reqwest::Client,
    base_url: String,
    body: Value,
) -> (u16, Option<String>, Value) {
    let response = http
        .post(format!("{base_url}/api/v1/sites/demo/sessions"))
        .header("origin", ORIGIN)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().unwrap().to_owned());
    let body: Value = response.json().await.unwrap();
    let doc = crate::openapi::contract::openapi();
    crate::openapi::contract::assert_documented(
        &doc,
        "post",
        "/api/v1/sites/{site}/sessions",
        status,
        &body,
    );
    (status, retry_after, body)
}

/// The admin erasure of `key` on the demo site, in a task (status, body).
fn erase_in_background(app: &TestApp, key: &str) -> tokio::task::JoinHandle<(u16, Value)> {
    let http = app.http.clone();
    let url = format!("{}/api/v1/admin/sites/demo/users/{key}", app.base_url);
    tokio::spawn(async move {
        let response = http
            .delete(url)
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json::<Value>().await.unwrap())
    })
}

fn assert_refused(answer: &(u16, Option<String>, Value)) {
    let (status, retry_after, body) = answer;
    assert_eq!(*status, 409, "{body}");
    assert_eq!(body["error"]["code"], "erasure_in_progress", "{body}");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    assert_eq!(retry_after.as_deref(), Some("5"));
}

async fn a_session_start_while_the_visitor_is_erased_is_refused_and_works_after_it(
    app: TestApp,
    hold: Hold,
) {
    let first = app.visitor_with(&json!({ "user_id": "erase-me" })).await;
    first.say("hello").await;

    // The erasure is held as it deletes the conversation's log.
    hold.arm(&format!("conversation:{}", chat_id(&first)));
    let erasing = erase_in_background(&app, "u:erase-me");
    hold.reached().await;

    assert_refused(&start(&app, &json!({ "user_id": "erase-me" })).await);
    let restore = json!({ "user_id": "erase-me", "restore": first.started.state });
    assert_refused(&start(&app, &restore).await);
    // A second erasure of the same visitor waits its turn too.
    let (status, body) = erase(&app, "demo", "u:erase-me").await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (409, &json!("erasure_in_progress"))
    );
    // Other visitors start as usual.
    let (status, _, body) = start(&app, &json!({ "user_id": "keep-me" })).await;
    assert_eq!(status, 201, "{body}");

    hold.release();
    let (status, body) = erasing.await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["conversations"], 1, "{body}");
    let (status, _, body) = start(&app, &json!({ "user_id": "erase-me" })).await;
    assert_eq!(status, 201, "{body}");
}

async fn a_start_the_erasure_overlapped_undoes_itself_and_is_refused(app: TestApp, hold: Hold) {
    // The start is held as it lists its new conversation under the visitor.
    hold.arm("visitor-conversations:demo:u:racer");
    let body = json!({ "user_id": "racer" });
    let starting = tokio::spawn(start_on(app.http.clone(), app.base_url.clone(), body));
    hold.reached().await;
    let conversation = hold.0.member.lock().unwrap().clone().unwrap();

    // The erasure runs to its end meanwhile and does not see the conversation.
    let (status, body) = erase(&app, "demo", "u:racer").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["conversations"], 0, "{body}");

    hold.release();
    assert_refused(&starting.await.unwrap());
    let store = &app.state.store;
    let log_head = store
        .log_head(&format!("conversation:{conversation}"))
        .await;
    assert_eq!(log_head.unwrap(), 0, "the conversation is deleted");
    let index = store
        .set_members("visitor-conversations:demo:u:racer")
        .await;
    assert_eq!(index.unwrap(), Vec::<String>::new());
    let month = staffetta::visitor::mau::month_of(jiff::Timestamp::now());
    let members = store
        .set_members(&staffetta::visitor::mau::set_name("demo", &month))
        .await
        .unwrap();
    assert!(!members.contains(&"u:racer".to_owned()), "{members:?}");
    assert_eq!(
        mau_count(&app).await,
        1,
        "the month still counts one visitor"
    );
}

async fn a_start_listed_before_the_erasure_read_the_index_gets_no_welcome_and_is_refused(
    app: TestApp,
    hold: Hold,
) {
    // The start is held as it writes its welcome, its conversation listed under the visitor.
    hold.arm("conversation:");
    let body = json!({ "user_id": "listed" });
    let starting = tokio::spawn(start_on(app.http.clone(), app.base_url.clone(), body));
    hold.reached().await;
    let conversation = hold.0.member.lock().unwrap().clone().unwrap();

    // The erasure finds the listed conversation (it has no session yet) and deletes it.
    let (status, body) = erase(&app, "demo", "u:listed").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["conversations"], 1, "{body}");

    // The store refuses the welcome: the erasure record changed since the start read it.
    hold.release();
    assert_refused(&starting.await.unwrap());
    let store = &app.state.store;
    let log_head = store
        .log_head(&format!("conversation:{conversation}"))
        .await;
    assert_eq!(log_head.unwrap(), 0, "no welcome was written");
    let link = store.get(&format!("handoff:{conversation}")).await;
    assert_eq!(link.unwrap(), None, "the link to the session is deleted");
    let index = store
        .set_members("visitor-conversations:demo:u:listed")
        .await;
    assert_eq!(index.unwrap(), Vec::<String>::new());
    let month = staffetta::visitor::mau::month_of(jiff::Timestamp::now());
    let members = store
        .set_members(&staffetta::visitor::mau::set_name("demo", &month))
        .await
        .unwrap();
    assert!(!members.contains(&"u:listed".to_owned()), "{members:?}");
    assert_eq!(mau_count(&app).await, 1, "the month counts one visitor");
}

#[tokio::test]
async fn an_erasure_slower_than_its_mark_is_interrupted_and_the_next_one_erases_what_slipped_in() {
    let (app, hold) = spawn_held(None).await;
    let first = app.visitor_with(&json!({ "user_id": "slow" })).await;
    first.say("hello").await;

    // The erasure is held as it deletes the conversation's log, longer than its mark lasts
    // (sled expires records on the node's clock).
    hold.arm(&format!("conversation:{}", chat_id(&first)));
    let erasing = erase_in_background(&app, "u:slow");
    hold.reached().await;
    app.advance(staffetta::retention::erasing::MARK_TTL + Duration::from_secs(1));
    // The mark has run out: the visitor can start again, and does.
    let (status, _, body) = start(&app, &json!({ "user_id": "slow" })).await;
    assert_eq!(status, 201, "{body}");

    hold.release();
    let (status, body) = erasing.await.unwrap();
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "erasure_interrupted", "{body}");
    crate::openapi::contract::assert_documented(
        &crate::openapi::contract::openapi(),
        "delete",
        "/api/v1/admin/sites/{site}/users/{user_key}",
        status,
        &body,
    );

    // Erasing again deletes the conversation that slipped in.
    let (status, body) = erase(&app, "demo", "u:slow").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["conversations"], 1, "{body}");
}
