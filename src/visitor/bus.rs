//! Fan-out of conversation activity to every subscriber on this node (the visitor's tabs,
//! long-polls, the agent) and, on a Redis store, through the [cluster
//! fan-out](crate::cluster) to the subscribers on the other nodes. Subscribers are told
//! *that* something happened; the persisted events themselves are always read from the
//! store's log by seq, which keeps delivery ordered and gap-free even when a notification
//! is lost or coalesced.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use staffetta_widget::protocol::Event;
use tokio::sync::broadcast;

use crate::cluster::{Fanout, Message};

/// How many notifications a slow subscriber may lag before it re-reads the log (a lag
/// loses nothing: persisted events are re-read from the log by seq). The ring is allocated
/// up front for every open conversation, so it stays small.
const CHANNEL_CAPACITY: usize = 16;

/// A notification about one conversation.
#[derive(Clone, Debug)]
pub enum Notice {
    /// The log grew; its last seq is now `head`.
    Appended {
        /// The conversation log's last seq.
        head: u64,
    },
    /// An ephemeral event (typing) that is not in the log. Boxed so every slot of every
    /// conversation's ring stays pointer-sized.
    Ephemeral(Box<Event>),
    /// The conversation was deleted (an admin erasure, retention: docs/retention.md): its
    /// session and log are gone, so its sockets and long-polls answer `session_not_found`.
    Erased,
}

/// Per-conversation broadcast channels, created on first subscription and dropped with the
/// last subscriber. The default bus is local only (one node).
#[derive(Clone, Debug, Default)]
pub struct Bus {
    channels: Arc<Mutex<HashMap<String, broadcast::Sender<Notice>>>>,
    fanout: Fanout,
}

impl Bus {
    /// A bus whose notices also go to the other nodes through `fanout`.
    pub fn with_fanout(fanout: Fanout) -> Self {
        Self {
            channels: Arc::default(),
            fanout,
        }
    }

    /// The cluster fan-out this bus publishes to (disabled on one node).
    pub fn fanout(&self) -> &Fanout {
        &self.fanout
    }

    /// Subscribes to a conversation's notices.
    pub fn subscribe(&self, conversation: &str) -> broadcast::Receiver<Notice> {
        let mut channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        channels
            .entry(conversation.to_owned())
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe()
    }

    /// Notifies the conversation's subscribers on this node and, through the fan-out, on
    /// the other nodes. Never waits for the other nodes.
    pub fn publish(&self, conversation: &str, notice: Notice) {
        if self.fanout.is_enabled() {
            self.fanout.publish(Message::Notice {
                conversation: conversation.to_owned(),
                notice: notice.clone(),
            });
        }
        self.deliver_local(conversation, notice);
    }

    /// Notifies the conversation's subscribers on this node only, if any; drops the channel
    /// when nobody listens any more.
    pub(crate) fn deliver_local(&self, conversation: &str, notice: Notice) {
        let mut channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = channels.get(conversation)
            && sender.send(notice).is_err()
        {
            channels.remove(conversation);
        }
    }

    /// The conversations with a channel on this node (to wake them all after the fan-out
    /// was cut off).
    pub(crate) fn conversations(&self) -> Vec<String> {
        let channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        channels.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_of_a_conversation_get_its_notices_only() {
        let bus = Bus::default();
        let mut a = bus.subscribe("a");
        let mut b = bus.subscribe("b");
        bus.publish("a", Notice::Appended { head: 3 });
        assert!(matches!(
            a.recv().await.unwrap(),
            Notice::Appended { head: 3 }
        ));
        assert!(b.try_recv().is_err());
    }

    #[test]
    fn publishing_without_subscribers_is_a_no_op_and_frees_the_channel() {
        let bus = Bus::default();
        drop(bus.subscribe("a"));
        bus.publish("a", Notice::Appended { head: 1 });
        assert!(bus.channels.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn with_a_fanout_a_notice_is_delivered_here_and_queued_for_the_other_nodes() {
        let (fanout, mut queue) = Fanout::queue_for_tests(4);
        let bus = Bus::with_fanout(fanout);
        let mut tab = bus.subscribe("a");
        bus.publish("a", Notice::Appended { head: 7 });
        assert!(matches!(
            tab.recv().await.unwrap(),
            Notice::Appended { head: 7 }
        ));
        assert!(matches!(
            queue.try_recv().unwrap(),
            Message::Notice { ref conversation, notice: Notice::Appended { head: 7 } }
                if conversation == "a"
        ));
        // What arrives from another node is delivered here only.
        bus.deliver_local("a", Notice::Appended { head: 8 });
        assert!(matches!(
            tab.recv().await.unwrap(),
            Notice::Appended { head: 8 }
        ));
        assert!(queue.try_recv().is_err());
        assert_eq!(bus.conversations(), ["a"]);
    }
}
