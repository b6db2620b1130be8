//! Retention with two nodes on one Redis, through the real servers with their clocks moved
//! by hand: the site's pass runs on the node that holds `retention-lease:{site}`, so each due
//! conversation (started on either node) is deleted exactly once while both nodes look at
//! their clocks; when the holder stops (it gives the lease up), the other node takes over
//! at its next look, at most a lease time (60 s of its clock) later.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use staffetta::store::{Observed, RecordWrite, Store, StoreResult, WriteObserver};

use super::age::desk;
use super::chat_id;
use crate::support::TestApp;
use crate::support::app::spawn_app_wrapped;
use crate::support::redis_server::private_redis_or_skip;
use crate::support::visitor::Visitor;

const HOUR: Duration = Duration::from_secs(3_600);
/// The retention lease's time, and the longest a node waits between two looks.
const LEASE: Duration = Duration::from_secs(60);

/// What one node asked of the store: the conversation logs it deleted, and how often it
/// wrote the retention lease.
#[derive(Clone, Debug, Default)]
struct Seen(Arc<SeenState>);

#[derive(Debug, Default)]
struct SeenState {
    deleted_logs: Mutex<Vec<String>>,
    lease_writes: Mutex<usize>,
}

impl Seen {
    fn deleted(&self) -> Vec<String> {
        self.0.deleted_logs.lock().unwrap().clone()
    }

    fn lease_writes(&self) -> usize {
        *self.0.lease_writes.lock().unwrap()
    }
}

#[async_trait::async_trait]
impl WriteObserver for Seen {
    async fn before_put(&self, _inner: &dyn Store, write: &RecordWrite) -> StoreResult<()> {
        if write.key.starts_with("retention-lease:") {
            *self.0.lease_writes.lock().unwrap() += 1;
        }
        Ok(())
    }

    async fn before_call(
        &self,
        _inner: &dyn Store,
        call: &'static str,
        name: &str,
    ) -> StoreResult<()> {
        if call == "delete_log" && name.starts_with("conversation:") {
            self.0.deleted_logs.lock().unwrap().push(name.to_owned());
        }
        Ok(())
    }
}

/// A node with a retention of one day on the Redis at `url`, its store watched by `seen`.
async fn node(url: &str, seen: &Seen) -> TestApp {
    let url = url.to_owned();
    let seen = seen.clone();
    spawn_app_wrapped(
        move |settings| {
            desk(settings, Some(1));
            settings.store.url = Some(staffetta::store::RedisUrl::parse(url).unwrap());
        },
        move |store| Arc::new(Observed::new(store, seen)) as Arc<dyn Store>,
    )
    .await
}

/// Ended conversations of new visitors on `app`; their logs.
async fn ended_conversations(app: &TestApp, count: usize) -> Vec<String> {
    let mut logs = Vec::new();
    for _ in 0..count {
        let visitor: Visitor = app.visitor().await;
        visitor.say("hello").await;
        assert_eq!(visitor.end().await.status, 200);
        logs.push(format!("conversation:{}", chat_id(&visitor)));
    }
    logs
}

async fn exists(app: &TestApp, log: &str) -> bool {
    app.state.store.log_head(log).await.unwrap() > 0
}

/// Moves both clocks and waits until both nodes have looked at them.
async fn advance_both(nodes: [&TestApp; 2], by: Duration) {
    for node in nodes {
        node.advance(by);
    }
    for node in nodes {
        node.retention_caught_up().await;
    }
}

fn sorted(mut logs: Vec<String>) -> Vec<String> {
    logs.sort();
    logs
}

#[tokio::test]
async fn two_nodes_on_one_redis_purge_each_due_conversation_once_and_the_other_takes_over_when_the_holder_stops()
 {
    let Some(redis) = private_redis_or_skip("retention_two_nodes").await else {
        return;
    };
    let (seen_a, seen_b) = (Seen::default(), Seen::default());
    let a = node(&redis.url(), &seen_a).await;
    let b = node(&redis.url(), &seen_b).await;
    a.retention_caught_up().await;
    b.retention_caught_up().await;

    let mut due = ended_conversations(&a, 3).await;
    due.extend(ended_conversations(&b, 3).await);
    advance_both([&a, &b], 25 * HOUR).await;
    for log in &due {
        assert!(!exists(&a, log).await, "{log} was deleted");
    }
    let deleted = sorted([seen_a.deleted(), seen_b.deleted()].concat());
    assert_eq!(deleted, sorted(due.clone()), "each deleted exactly once");
    assert!(
        seen_a.lease_writes() > 0 && seen_b.lease_writes() > 0,
        "both nodes ran passes (and asked for the lease)"
    );
    let (holder, holder_seen, other, other_seen) = if seen_a.deleted().is_empty() {
        (b, seen_b, a, seen_a)
    } else {
        (a, seen_a, b, seen_b)
    };
    assert!(other_seen.deleted().is_empty(), "one node holds the lease");

    // Conversations due on the other node's clock only: the holder (whose clock stays)
    // keeps the lease, so the other node does not delete them.
    let later = ended_conversations(&other, 2).await;
    other.advance(25 * HOUR);
    other.retention_caught_up().await;
    for log in &later {
        assert!(
            exists(&other, log).await,
            "{log} kept while the holder lives"
        );
    }
    assert!(other_seen.deleted().is_empty());

    // The holder stops and gives the lease up: the other node takes over at its next look,
    // a lease time later at most.
    holder.stop().await.unwrap();
    other.advance(LEASE);
    other.retention_caught_up().await;
    for log in &later {
        assert!(
            !exists(&other, log).await,
            "{log} deleted by the other node"
        );
    }
    assert_eq!(sorted(other_seen.deleted()), sorted(later));
    assert_eq!(
        sorted(holder_seen.deleted()),
        sorted(due),
        "the stopped holder deleted nothing more"
    );
    let schedule = other
        .state
        .store
        .due("retention:demo", i64::MAX, 100)
        .await
        .unwrap();
    assert_eq!(schedule, [], "nothing left to look at");
}
