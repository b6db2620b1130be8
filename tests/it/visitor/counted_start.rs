//! A session start counts the visitor in the site's monthly active users and starts the
//! conversation (`visitor::start::count_and_start`): the count goes at once with the
//! conversation's listing (the visitor's index) where the count cannot refuse anyone, first
//! where it can, and the welcome after both, in one append guarded by the visitor's erasure
//! record as read once at the start. A count that fails fails the start before any welcome (a
//! session is answered only once its visitor is counted) and its listing is deleted; a start
//! that fails after the count keeps the count, so the retry does not count the visitor twice.
//!
//! The node's own state runs the real code path with its store wrapped in a watch that notes
//! the count's and the listing's set additions and the welcome's append, and can fail or hold
//! them.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use staffetta::app::AppState;
use staffetta::config::{MauLimitBehaviour, SiteSettings};
use staffetta::store::{
    AppendBatch, Observed, Store, StoreError, StoreResult, VersionGuard, WriteObserver,
};
use staffetta::visitor::conversation::{self, NewConversation};
use staffetta::visitor::record::conversation_log;
use staffetta::visitor::{mau, start};
use tokio::sync::Notify;

use crate::support::{TestApp, spawn_app};

/// How long a held write waits for the other one.
const WAIT: Duration = Duration::from_secs(5);

/// Watches the count (set additions to `mau:` sets), the listing (to the visitor's index)
/// and the welcome (appends to conversation logs) of the node's store.
#[derive(Debug, Default)]
struct CountWatch {
    /// `list`, `count` and `append` in the order the store was asked for them.
    writes: Mutex<Vec<&'static str>>,
    /// The count fails as an unreachable store would.
    fail_count: AtomicBool,
    /// The count and the listing each wait until the other has been asked for (at most
    /// [`WAIT`], then fail): only writes made at once can both finish.
    hold_each_until_the_other: AtomicBool,
    listed: Notify,
    counted: Notify,
    /// Fails once, as an unreachable store would, the start's last step after the count:
    /// its welcome.
    fail_after_count: AtomicBool,
    /// Reads of erasure records so far.
    erasure_reads: AtomicUsize,
    /// The guards of the appends to conversation logs.
    guards: Mutex<Vec<Option<VersionGuard>>>,
}

impl CountWatch {
    /// Notes `write`, tells the other write it was asked for and, when holding, waits for it.
    async fn meet(&self, write: &'static str, mine: &Notify, other: &Notify) -> StoreResult<()> {
        self.writes.lock().unwrap().push(write);
        mine.notify_one();
        if self.hold_each_until_the_other.load(Ordering::SeqCst)
            && tokio::time::timeout(WAIT, other.notified()).await.is_err()
        {
            return Err(unavailable("the other write never came"));
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl WriteObserver for CountWatch {
    async fn before_append(
        &self,
        _inner: &dyn Store,
        log: &str,
        batch: &AppendBatch,
    ) -> StoreResult<()> {
        if log.starts_with("conversation:") {
            self.writes.lock().unwrap().push("append");
            self.guards.lock().unwrap().push(batch.guard.clone());
            if self.fail_after_count.swap(false, Ordering::SeqCst) {
                return Err(unavailable("the welcome fails"));
            }
        }
        Ok(())
    }

    async fn before_set_add(
        &self,
        _inner: &dyn Store,
        set: &str,
        _member: &str,
    ) -> StoreResult<()> {
        if set.starts_with("visitor-conversations:") {
            return self.meet("list", &self.listed, &self.counted).await;
        }
        if !set.starts_with("mau:") {
            return Ok(());
        }
        if self.fail_count.load(Ordering::SeqCst) {
            self.writes.lock().unwrap().push("count");
            return Err(unavailable("the count fails"));
        }
        self.meet("count", &self.counted, &self.listed).await
    }

    async fn before_call(
        &self,
        _inner: &dyn Store,
        call: &'static str,
        name: &str,
    ) -> StoreResult<()> {
        if call == "get" && name.starts_with("erasing:") {
            self.erasure_reads.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

fn unavailable(reason: &str) -> StoreError {
    StoreError::Unavailable {
        target: "watched store".to_owned(),
        reason: reason.to_owned(),
    }
}

/// A node, its state on a watched store, and its `demo` site.
struct Node {
    /// The running node (held so that it keeps running).
    _app: TestApp,
    state: AppState,
    watch: Arc<Observed<CountWatch>>,
    site: SiteSettings,
}

impl Node {
    async fn start(configure: impl FnOnce(&mut SiteSettings)) -> Self {
        let app = spawn_app().await;
        let watch = Arc::new(Observed::new(
            Arc::clone(&app.state.store),
            CountWatch::default(),
        ));
        let mut state = app.state.clone();
        state.store = Arc::clone(&watch) as Arc<dyn Store>;
        let mut site = app.state.settings.site("demo").expect("demo site").clone();
        configure(&mut site);
        Self {
            _app: app,
            state,
            watch,
            site,
        }
    }

    fn watch(&self) -> &CountWatch {
        self.watch.observer()
    }

    fn writes(&self) -> Vec<&'static str> {
        std::mem::take(&mut *self.watch().writes.lock().unwrap())
    }

    /// What the session start answers: the new session's id, or the error's status and code.
    async fn start_session(&self, identity_key: &str) -> Result<String, (u16, String)> {
        let new = NewConversation {
            site: self.site.id.clone(),
            locale: "en".to_owned(),
            identity_key: identity_key.to_owned(),
            identity_expires_at: None,
            dispatch_to: None,
            metadata: json!({}),
            restore: None,
        };
        start::count_and_start(&self.state, &self.site, new)
            .await
            .map(|started| started.session_id)
            .map_err(|error| (error.status().as_u16(), error.code().to_owned()))
    }

    /// The conversations started for the visitor `identity_key`, oldest first.
    async fn conversations_of(&self, identity_key: &str) -> Vec<String> {
        let set = start::visitor_conversations(&self.site.id, identity_key);
        let mut ids = self.state.store.set_members(&set).await.expect("members");
        ids.sort();
        ids
    }

    /// The `type`s of a conversation's events.
    async fn event_types(&self, conversation_id: &str) -> Vec<String> {
        let log = conversation_log(conversation_id);
        let entries = self.state.store.read_log(&log, 0, 100).await.expect("log");
        entries
            .iter()
            .map(|entry| {
                let event: serde_json::Value = serde_json::from_slice(&entry.body).expect("json");
                event["type"].as_str().unwrap_or_default().to_owned()
            })
            .collect()
    }

    async fn visitors_this_month(&self) -> u64 {
        let month = mau::month_of(conversation::now(&self.state));
        mau::report(self.state.store.as_ref(), &self.site.id, &month)
            .await
            .expect("report")
            .count
    }
}

#[tokio::test]
async fn where_the_count_cannot_refuse_it_is_written_at_once_with_the_listing_and_the_welcome_after()
 {
    for behaviour in [None, Some(MauLimitBehaviour::Warn)] {
        let node = Node::start(|site| {
            if let Some(behaviour) = behaviour {
                site.mau_limit = Some(1);
                site.mau_limit_behaviour = behaviour;
            }
        })
        .await;
        node.watch()
            .hold_each_until_the_other
            .store(true, Ordering::SeqCst);
        let started = node.start_session("a:visitor-at-once-0001").await;
        assert!(started.is_ok(), "{behaviour:?}: {started:?}");
        assert_eq!(
            node.writes(),
            ["list", "count", "append"],
            "{behaviour:?}: the listing is asked for first, the count joins its flush"
        );
        assert_eq!(node.visitors_this_month().await, 1, "{behaviour:?}");
    }
}

#[tokio::test]
async fn a_start_reads_the_erasure_record_once_and_guards_its_welcome_with_it() {
    let node = Node::start(|_| {}).await;
    let visitor = "a:visitor-read-once-0001";
    assert!(node.start_session(visitor).await.is_ok());
    assert_eq!(node.watch().erasure_reads.load(Ordering::SeqCst), 1);
    let guard = VersionGuard {
        key: format!("erasing:demo:{visitor}"),
        version: None,
    };
    assert_eq!(*node.watch().guards.lock().unwrap(), [Some(guard)]);
}

#[tokio::test]
async fn a_count_that_fails_fails_the_start_before_its_welcome_and_its_listing_is_deleted() {
    let node = Node::start(|_| {}).await;
    let visitor = "a:visitor-retrying-0001";
    node.watch().fail_count.store(true, Ordering::SeqCst);
    let refused = node.start_session(visitor).await;
    assert_eq!(refused, Err((503, "unavailable".to_owned())));
    assert_eq!(node.writes(), ["list", "count"], "no welcome");
    assert_eq!(node.visitors_this_month().await, 0);
    assert!(node.conversations_of(visitor).await.is_empty());

    node.watch().fail_count.store(false, Ordering::SeqCst);
    assert!(node.start_session(visitor).await.is_ok());
    assert_eq!(node.visitors_this_month().await, 1);
    let conversations = node.conversations_of(visitor).await;
    assert_eq!(conversations.len(), 1);
    let welcome = node.event_types(&conversations[0]).await;
    assert!(!welcome.is_empty(), "the retry's welcome is written");
}

#[tokio::test]
async fn where_the_count_may_refuse_it_comes_first_and_a_refused_visitor_gets_no_conversation() {
    let node = Node::start(|site| {
        site.mau_limit = Some(1);
        site.mau_limit_behaviour = MauLimitBehaviour::Refuse;
    })
    .await;
    assert!(node.start_session("a:visitor-admitted-001").await.is_ok());
    assert_eq!(node.writes(), ["count", "list", "append"]);

    let refused = node.start_session("a:visitor-refused-0001").await;
    assert_eq!(refused, Err((403, "mau_limit_reached".to_owned())));
    assert_eq!(
        node.writes(),
        ["count"],
        "no conversation for a refused visitor"
    );
    assert!(
        node.conversations_of("a:visitor-refused-0001")
            .await
            .is_empty()
    );
    assert_eq!(node.visitors_this_month().await, 1);

    node.watch().fail_count.store(true, Ordering::SeqCst);
    let failed = node.start_session("a:visitor-admitted-001").await;
    assert_eq!(failed, Err((503, "unavailable".to_owned())));
    assert_eq!(node.writes(), ["count"], "no conversation without a count");
    assert_eq!(
        node.conversations_of("a:visitor-admitted-001").await.len(),
        1
    );
}

#[tokio::test]
async fn a_start_the_store_fails_after_the_count_is_retried_and_counts_its_visitor_once() {
    let node = Node::start(|_| {}).await;
    let visitor = "a:visitor-failed-once-001";
    node.watch().fail_after_count.store(true, Ordering::SeqCst);
    let failed = node.start_session(visitor).await;
    assert_eq!(failed, Err((503, "unavailable".to_owned())));
    assert!(
        node.conversations_of(visitor).await.is_empty(),
        "the failed start's conversation is deleted"
    );

    assert!(
        node.start_session(visitor).await.is_ok(),
        "the retry starts"
    );
    assert_eq!(node.visitors_this_month().await, 1, "counted once");
    let month = mau::month_of(conversation::now(&node.state));
    let members = node
        .state
        .store
        .set_members(&mau::set_name(&node.site.id, &month))
        .await
        .unwrap();
    assert_eq!(members, [visitor], "the visitor's own key, no stand-in");
    assert_eq!(node.conversations_of(visitor).await.len(), 1);
}
