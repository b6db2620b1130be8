//! Fan-out between the nodes that share one Redis store, so that a visitor tab or an agent
//! console connected to node A is woken by a write handled on node B.
//!
//! Two things are delivered in process and, on Redis, also published to the other nodes:
//! conversation notices of the [`Bus`] (wake-ups: the persisted events are always re-read
//! from the store's log) and console frames of the
//! [`AgentConnections`](crate::desk::connections::AgentConnections).
//!
//! Every node has a random [`NodeId`]. Publishing never waits for Redis: a message goes into
//! a bounded queue that one publisher task drains into `PUBLISH` pipelines on its own
//! connection; when the queue is full or Redis is unreachable the message is dropped and
//! counted. One subscriber task per node, on a dedicated connection, delivers the other
//! nodes' messages locally and skips its own; it reconnects with backoff, logs one warning
//! per outage and, once back, wakes every local conversation so nothing waits on a lost
//! notice. On sled (one node) the fan-out is disabled and costs nothing.
//!
//! - `message.rs`: the wire format.
//! - `link.rs`: the publisher and subscriber tasks.

mod link;
mod message;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::sync::mpsc;

pub use message::{DecodeError, Envelope, Message, NodeId, decode, encode};

use crate::app::AppState;
use crate::desk::connections::AgentConnections;
use crate::store::{Store, StoreSettings};
use crate::visitor::bus::{Bus, Notice};

/// Messages waiting for the publisher before new ones are dropped.
pub const QUEUE: usize = 4096;

/// This node's handle for publishing to the other nodes. Cheap to clone. The default is
/// disabled: publishing is a no-op.
#[derive(Clone, Debug, Default)]
pub struct Fanout {
    inner: Option<Arc<Inner>>,
}

#[derive(Debug)]
struct Inner {
    node: NodeId,
    queue: mpsc::Sender<Message>,
    stats: Arc<Counters>,
}

/// Running totals, shared by the handle and the tasks.
#[derive(Debug, Default)]
struct Counters {
    published: AtomicU64,
    dropped: AtomicU64,
    delivered: AtomicU64,
    malformed: AtomicU64,
    /// Set while the queue overflows, so the warning is logged once per episode.
    overflowing: AtomicBool,
}

/// A snapshot of the fan-out counters since the node started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FanoutStats {
    /// Messages Redis accepted from this node.
    pub published: u64,
    /// Messages of this node that never reached Redis (queue full, Redis unreachable,
    /// shutting down).
    pub dropped: u64,
    /// Messages of other nodes delivered on this node.
    pub delivered: u64,
    /// Messages on the channel that could not be decoded.
    pub malformed: u64,
}

impl Fanout {
    /// Whether messages leave this node (Redis store).
    pub fn is_enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// This node's id, when enabled.
    pub fn node(&self) -> Option<&NodeId> {
        self.inner.as_ref().map(|inner| &inner.node)
    }

    /// Queues `message` for the other nodes without waiting; drops and counts it when the
    /// queue is full or the publisher has stopped. A no-op when disabled.
    pub fn publish(&self, message: Message) {
        let Some(inner) = &self.inner else {
            return;
        };
        match inner.queue.try_send(message) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                inner.stats.dropped.fetch_add(1, Ordering::Relaxed);
                if !inner.stats.overflowing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        capacity = QUEUE,
                        "cluster fan-out queue full: dropping messages for the other nodes"
                    );
                }
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                inner.stats.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// An enabled handle on a queue of `capacity`, and the queue's other end (unit tests of
    /// the publishing side).
    #[cfg(test)]
    pub(crate) fn queue_for_tests(capacity: usize) -> (Self, mpsc::Receiver<Message>) {
        let (queue, receiver) = mpsc::channel(capacity);
        let inner = Inner {
            node: NodeId::random(),
            queue,
            stats: Arc::default(),
        };
        (
            Self {
                inner: Some(Arc::new(inner)),
            },
            receiver,
        )
    }

    /// The counters so far (all zero when disabled).
    pub fn stats(&self) -> FanoutStats {
        self.inner
            .as_ref()
            .map_or_else(FanoutStats::default, |inner| {
                let c = &inner.stats;
                FanoutStats {
                    published: c.published.load(Ordering::Relaxed),
                    dropped: c.dropped.load(Ordering::Relaxed),
                    delivered: c.delivered.load(Ordering::Relaxed),
                    malformed: c.malformed.load(Ordering::Relaxed),
                }
            })
    }
}

/// The node's fan-out as built before serving: the handle to give to the [`Bus`] and the
/// agent connections, and the tasks to start once the node runs.
#[derive(Debug, Default)]
pub struct Cluster {
    fanout: Fanout,
    link: Option<link::Link>,
}

impl Cluster {
    /// On a Redis store: a fresh node id, the publish queue and the subscription (made now,
    /// bounded by the store's connect timeout, so the node hears the others from its first
    /// request; if it fails, the subscriber task retries). On sled: disabled.
    pub async fn connect(store: &StoreSettings) -> Self {
        let Some(url) = &store.url else {
            return Self::default();
        };
        let client = match redis::Client::open(url.expose()) {
            Ok(client) => client,
            Err(error) => {
                // The store connected with the same URL, so this does not happen in practice.
                tracing::error!(url = %url, %error, "cluster fan-out disabled: bad Redis URL");
                return Self::default();
            }
        };
        let node = NodeId::random();
        let stats = Arc::new(Counters::default());
        let (queue, receiver) = mpsc::channel(QUEUE);
        let link = link::Link::connect(
            client,
            node.clone(),
            receiver,
            Arc::clone(&stats),
            store.connect_timeout(),
            store.response_timeout(),
        )
        .await;
        tracing::info!(node = %node, channel = %link.channel(), "cluster fan-out on Redis");
        Self {
            fanout: Fanout {
                inner: Some(Arc::new(Inner { node, queue, stats })),
            },
            link: Some(link),
        }
    }

    /// The handle for [`Bus::with_fanout`] and
    /// [`AgentConnections::with_fanout`](crate::desk::connections::AgentConnections::with_fanout).
    pub fn fanout(&self) -> Fanout {
        self.fanout.clone()
    }

    /// Starts the publisher and subscriber tasks on the node's lifecycle (they stop when
    /// shutdown begins). A no-op when disabled.
    pub fn start(self, state: &AppState) {
        if let Some(link) = self.link {
            link.start(state);
        }
    }
}

/// Delivers a message from another node to this node's subscribers. Returns `false` for
/// this node's own messages, which were delivered locally when published.
fn deliver(own: &NodeId, envelope: Envelope, bus: &Bus, connections: &AgentConnections) -> bool {
    if envelope.node == *own {
        return false;
    }
    match envelope.message {
        Message::Notice {
            conversation,
            notice,
        } => bus.deliver_local(&conversation, notice),
        Message::Agent { site, agent, frame } => {
            connections.deliver_local(&site, &agent, &frame);
        }
        Message::Site { site, frame } => {
            connections.deliver_local_site(&site, &frame);
        }
        Message::QueueWatchers { site, frame } => {
            connections.deliver_local_queue_watchers(&site, &frame);
        }
    }
    true
}

/// Wakes every conversation with a subscriber on this node, with its log head read from the
/// store (after a subscriber outage, notices of other nodes may have been missed).
async fn wake_all(bus: &Bus, store: &dyn Store) {
    for conversation in bus.conversations() {
        let log = crate::visitor::record::conversation_log(&conversation);
        match store.log_head(&log).await {
            Ok(head) => bus.deliver_local(&conversation, Notice::Appended { head }),
            Err(error) => {
                tracing::debug!(%error, "cluster fan-out: cannot read a log head to wake its readers");
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disabled_fanout_publishes_nothing_and_counts_nothing() {
        let fanout = Fanout::default();
        assert!(!fanout.is_enabled());
        fanout.publish(site_frame());
        assert_eq!(fanout.stats(), FanoutStats::default());
    }

    fn site_frame() -> Message {
        Message::Site {
            site: "demo".to_owned(),
            frame: Arc::from("{}"),
        }
    }

    #[test]
    fn a_full_queue_drops_and_counts_instead_of_waiting() {
        let (fanout, _receiver) = Fanout::queue_for_tests(2);
        for _ in 0..5 {
            fanout.publish(site_frame());
        }
        assert_eq!(fanout.stats().dropped, 3);
    }

    #[test]
    fn a_stopped_publisher_means_dropped_messages() {
        let (fanout, receiver) = Fanout::queue_for_tests(2);
        drop(receiver);
        fanout.publish(site_frame());
        assert_eq!(fanout.stats().dropped, 1);
    }

    #[tokio::test]
    async fn another_nodes_messages_are_delivered_and_our_own_are_skipped() {
        let (bus, connections) = (Bus::default(), AgentConnections::default());
        let mut tab = bus.subscribe("c-1");
        let mut console = connections.register("demo", "ada");
        let (own, other) = (NodeId::random(), NodeId::random());
        let notice = |node: &NodeId| Envelope {
            node: node.clone(),
            message: Message::Notice {
                conversation: "c-1".to_owned(),
                notice: Notice::Appended { head: 4 },
            },
        };
        assert!(!deliver(&own, notice(&own), &bus, &connections));
        assert!(tab.try_recv().is_err());
        assert!(deliver(&own, notice(&other), &bus, &connections));
        assert!(matches!(tab.try_recv(), Ok(Notice::Appended { head: 4 })));

        let frame = |message| Envelope {
            node: other.clone(),
            message,
        };
        let agent = Message::Agent {
            site: "demo".to_owned(),
            agent: "ada".to_owned(),
            frame: Arc::from("{\"event\":\"POPUP\"}"),
        };
        assert!(deliver(&own, frame(agent), &bus, &connections));
        assert_eq!(
            &*console.frames.recv().await.unwrap(),
            "{\"event\":\"POPUP\"}"
        );
        assert!(deliver(&own, frame(site_frame()), &bus, &connections));
        assert_eq!(&*console.frames.recv().await.unwrap(), "{}");
    }
}
