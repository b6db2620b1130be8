//! The console websockets open on this node, per agent. A frame for an agent goes to every
//! console tab the agent has open here and, on a Redis store, through the [cluster
//! fan-out](crate::cluster) to the tabs open on the other nodes. Each socket has a bounded
//! queue: a console that cannot keep up is disconnected (it reconnects and gets a fresh
//! SNAPSHOT) instead of making the server buffer without limit.
//!
//! A socket registered as a queue watcher (a supervisor's or an admin's console) also gets
//! the frames meant for those who may see the site's queues
//! ([`AgentConnections::send_queue_watchers`]).
//!
//! Each socket may also have a token deadline (the warning before its access token expires,
//! then the expiry): the node's timer calls [`AgentConnections::signal_token_deadlines`],
//! which tells the sockets whose moment came ([`TOKEN_DUE`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;

use crate::cluster::{Fanout, Message};

/// Frames queued for one console socket before it is considered stuck.
pub const QUEUE: usize = 256;

/// Not a frame: asks a socket to check its session again ([`AgentConnections::ask_to_recheck`]).
/// The socket's task consumes it; consoles never see it.
pub const RECHECK: &str = "\u{0}recheck";

/// Not a frame: tells a socket that its token deadline came
/// ([`AgentConnections::signal_token_deadlines`]). Local to this node; consoles never see it.
pub const TOKEN_DUE: &str = "\u{0}token";

/// Sentinel frame: the socket may have missed frames of other nodes (the cluster fan-out
/// lost its subscription for a while) and sends its console a fresh `SNAPSHOT`.
pub const RESYNC: &str = "\u{0}resync";

type Key = (String, String);

/// One registered socket.
#[derive(Debug)]
struct Socket {
    id: u64,
    frames: mpsc::Sender<Arc<str>>,
    /// When to send [`TOKEN_DUE`] (ms, node clock); cleared once sent.
    token_due_ms: Option<i64>,
    /// Whether the operator may see the site's queues (supervisors and admins).
    watches_queues: bool,
}

/// Live console sockets by (site, agent id). The default is local only (one node).
#[derive(Clone, Debug, Default)]
pub struct AgentConnections {
    sockets: Arc<Mutex<HashMap<Key, Vec<Socket>>>>,
    next_id: Arc<AtomicU64>,
    fanout: Fanout,
}

/// A registered socket: its id and the frames to write to it.
#[derive(Debug)]
pub struct Registration {
    /// Identifies the socket when it unregisters.
    pub id: u64,
    /// Frames for this socket; closed when the socket was dropped for being stuck.
    pub frames: mpsc::Receiver<Arc<str>>,
    /// Whether the agent had no other socket on this node.
    pub first: bool,
}

impl AgentConnections {
    /// Connections whose frames also go to the other nodes through `fanout`.
    pub fn with_fanout(fanout: Fanout) -> Self {
        Self {
            fanout,
            ..Self::default()
        }
    }

    /// Tells this registry apart from another one in the same process (tests run several
    /// nodes in one process): part of the cross-node socket lease ids.
    pub fn instance(&self) -> usize {
        Arc::as_ptr(&self.sockets) as usize
    }

    /// Registers a new socket of `agent` (not a queue watcher).
    pub fn register(&self, site: &str, agent: &str) -> Registration {
        self.register_as(site, agent, false)
    }

    /// Registers a new socket of `agent`; `watches_queues` when the operator may see the
    /// site's queues, so that the socket gets [`AgentConnections::send_queue_watchers`].
    pub fn register_as(&self, site: &str, agent: &str, watches_queues: bool) -> Registration {
        let (tx, rx) = mpsc::channel(QUEUE);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut sockets = self.sockets.lock().unwrap_or_else(PoisonError::into_inner);
        let list = sockets
            .entry((site.to_owned(), agent.to_owned()))
            .or_default();
        let first = list.is_empty();
        list.push(Socket {
            id,
            frames: tx,
            token_due_ms: None,
            watches_queues,
        });
        Registration {
            id,
            frames: rx,
            first,
        }
    }

    /// Removes a socket; returns whether it was the agent's last one on this node.
    pub fn unregister(&self, site: &str, agent: &str, id: u64) -> bool {
        let mut sockets = self.sockets.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (site.to_owned(), agent.to_owned());
        let Some(list) = sockets.get_mut(&key) else {
            return true;
        };
        list.retain(|s| s.id != id);
        let last = list.is_empty();
        if last {
            sockets.remove(&key);
        }
        last
    }

    /// Asks for [`TOKEN_DUE`] on socket `id` of `agent` once the node clock reaches `due_ms`
    /// (replacing an earlier request).
    pub fn set_token_due(&self, site: &str, agent: &str, id: u64, due_ms: i64) {
        let mut sockets = self.sockets.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (site.to_owned(), agent.to_owned());
        if let Some(socket) = sockets
            .get_mut(&key)
            .and_then(|list| list.iter_mut().find(|s| s.id == id))
        {
            socket.token_due_ms = Some(due_ms);
        }
    }

    /// Queues [`TOKEN_DUE`] for every socket on this node whose token deadline is at or
    /// before `now_ms` (once per deadline: the socket sets its next one); returns the
    /// earliest deadline still ahead. A socket whose queue is full is dropped, as in
    /// [`AgentConnections::send`].
    pub fn signal_token_deadlines(&self, now_ms: i64) -> Option<i64> {
        let due: Arc<str> = Arc::from(TOKEN_DUE);
        let mut sockets = self.sockets.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next: Option<i64> = None;
        for list in sockets.values_mut() {
            list.retain_mut(|socket| match socket.token_due_ms {
                Some(at) if at <= now_ms => {
                    socket.token_due_ms = None;
                    socket.frames.try_send(Arc::clone(&due)).is_ok()
                }
                Some(at) => {
                    next = Some(next.map_or(at, |n| n.min(at)));
                    true
                }
                None => true,
            });
        }
        sockets.retain(|_, list| !list.is_empty());
        next
    }

    /// Whether the agent has a console open on this node.
    pub fn is_connected(&self, site: &str, agent: &str) -> bool {
        let sockets = self.sockets.lock().unwrap_or_else(PoisonError::into_inner);
        sockets.contains_key(&(site.to_owned(), agent.to_owned()))
    }

    /// Queues a frame for every console of `site`, on this node and through the fan-out on
    /// the others; returns how many sockets on this node got it.
    pub fn send_site(&self, site: &str, frame: &serde_json::Value) -> usize {
        let text: Arc<str> = Arc::from(frame.to_string());
        if self.fanout.is_enabled() {
            self.fanout.publish(Message::Site {
                site: site.to_owned(),
                frame: Arc::clone(&text),
            });
        }
        self.deliver_local_site(site, &text)
    }

    /// Queues a frame for every queue watcher's console of `site` (supervisors and admins),
    /// on this node and through the fan-out on the others; returns how many sockets on this
    /// node got it.
    pub fn send_queue_watchers(&self, site: &str, frame: &serde_json::Value) -> usize {
        let text: Arc<str> = Arc::from(frame.to_string());
        if self.fanout.is_enabled() {
            self.fanout.publish(Message::QueueWatchers {
                site: site.to_owned(),
                frame: Arc::clone(&text),
            });
        }
        self.deliver_local_queue_watchers(site, &text)
    }

    /// Queues a frame for every socket of the agent, on this node and through the fan-out
    /// on the others; returns how many sockets on this node got it. A socket whose queue is
    /// full is dropped: its writer sees the channel close and disconnects.
    pub fn send(&self, site: &str, agent: &str, frame: &serde_json::Value) -> usize {
        let text: Arc<str> = Arc::from(frame.to_string());
        if self.fanout.is_enabled() {
            self.fanout.publish(Message::Agent {
                site: site.to_owned(),
                agent: agent.to_owned(),
                frame: Arc::clone(&text),
            });
        }
        self.deliver_local(site, agent, &text)
    }

    /// Asks every socket of the agent, on this node and the others, to check its session
    /// again (sign-out, new password, operator removed); returns how many sockets here got it.
    pub fn ask_to_recheck(&self, site: &str, agent: &str) -> usize {
        let text: Arc<str> = Arc::from(RECHECK);
        if self.fanout.is_enabled() {
            self.fanout.publish(Message::Agent {
                site: site.to_owned(),
                agent: agent.to_owned(),
                frame: Arc::clone(&text),
            });
        }
        self.deliver_local(site, agent, &text)
    }

    /// Asks every console socket open on this node to send a fresh `SNAPSHOT` ([`RESYNC`]):
    /// after the cluster fan-out's subscription came back, frames of other nodes sent
    /// meanwhile (a `CONNECTIONCLEARED`, say) are lost. Returns how many were asked.
    pub fn ask_all_to_resync(&self) -> usize {
        let text: Arc<str> = Arc::from(RESYNC);
        let mut sockets = self.sockets.lock().unwrap_or_else(PoisonError::into_inner);
        sockets
            .values_mut()
            .map(|list| {
                list.retain(|socket| socket.frames.try_send(Arc::clone(&text)).is_ok());
                list.len()
            })
            .sum()
    }

    /// Queues a frame for every console of `site` open on this node only.
    pub(crate) fn deliver_local_site(&self, site: &str, text: &Arc<str>) -> usize {
        let mut sockets = self.sockets.lock().unwrap_or_else(PoisonError::into_inner);
        let mut delivered = 0;
        for ((socket_site, _), list) in sockets.iter_mut() {
            if socket_site == site {
                list.retain(|socket| socket.frames.try_send(Arc::clone(text)).is_ok());
                delivered += list.len();
            }
        }
        delivered
    }

    /// Queues a frame for the queue watchers' consoles of `site` open on this node only.
    pub(crate) fn deliver_local_queue_watchers(&self, site: &str, text: &Arc<str>) -> usize {
        let mut sockets = self.sockets.lock().unwrap_or_else(PoisonError::into_inner);
        let mut delivered = 0;
        for ((socket_site, _), list) in sockets.iter_mut() {
            if socket_site == site {
                list.retain(|socket| {
                    !socket.watches_queues || socket.frames.try_send(Arc::clone(text)).is_ok()
                });
                delivered += list.iter().filter(|s| s.watches_queues).count();
            }
        }
        delivered
    }

    /// Queues a frame for the agent's sockets on this node only.
    pub(crate) fn deliver_local(&self, site: &str, agent: &str, text: &Arc<str>) -> usize {
        let mut sockets = self.sockets.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(list) = sockets.get_mut(&(site.to_owned(), agent.to_owned())) else {
            return 0;
        };
        list.retain(|socket| socket.frames.try_send(Arc::clone(text)).is_ok());
        list.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn every_tab_of_an_agent_gets_the_frame_and_others_do_not() {
        let connections = AgentConnections::default();
        let mut a1 = connections.register("demo", "ada");
        let mut a2 = connections.register("demo", "ada");
        let mut b = connections.register("demo", "bob");
        assert!(a1.first && !a2.first && b.first);
        assert_eq!(
            connections.send("demo", "ada", &json!({"event": "PAUSE"})),
            2
        );
        assert_eq!(&*a1.frames.recv().await.unwrap(), r#"{"event":"PAUSE"}"#);
        assert_eq!(&*a2.frames.recv().await.unwrap(), r#"{"event":"PAUSE"}"#);
        assert!(b.frames.try_recv().is_err());
    }

    #[tokio::test]
    async fn only_the_queue_watchers_of_the_site_get_their_frames() {
        let (fanout, mut queue) = Fanout::queue_for_tests(4);
        let connections = AgentConnections::with_fanout(fanout);
        let mut boss = connections.register_as("demo", "boss", true);
        let mut ada = connections.register("demo", "ada");
        let mut other = connections.register_as("shop", "sam", true);
        assert_eq!(
            connections.send_queue_watchers("demo", &json!({"event": "QUEUES"})),
            1
        );
        assert_eq!(&*boss.frames.recv().await.unwrap(), r#"{"event":"QUEUES"}"#);
        assert!(ada.frames.try_recv().is_err());
        assert!(other.frames.try_recv().is_err());
        assert!(matches!(
            queue.try_recv().unwrap(),
            Message::QueueWatchers { ref site, .. } if site == "demo"
        ));
    }

    #[tokio::test]
    async fn every_socket_of_every_site_is_asked_to_resync() {
        let connections = AgentConnections::default();
        let mut ada = connections.register("demo", "ada");
        let mut sam = connections.register("shop", "sam");
        assert_eq!(connections.ask_all_to_resync(), 2);
        assert_eq!(&*ada.frames.recv().await.unwrap(), RESYNC);
        assert_eq!(&*sam.frames.recv().await.unwrap(), RESYNC);
    }

    #[test]
    fn the_last_socket_to_leave_is_reported() {
        let connections = AgentConnections::default();
        let a1 = connections.register("demo", "ada");
        let a2 = connections.register("demo", "ada");
        assert!(!connections.unregister("demo", "ada", a1.id));
        assert!(connections.is_connected("demo", "ada"));
        assert!(connections.unregister("demo", "ada", a2.id));
        assert!(!connections.is_connected("demo", "ada"));
    }

    #[test]
    fn a_stuck_socket_is_dropped_instead_of_buffering_forever() {
        let connections = AgentConnections::default();
        let stuck = connections.register("demo", "ada");
        for _ in 0..QUEUE {
            assert_eq!(connections.send("demo", "ada", &json!(1)), 1);
        }
        assert_eq!(connections.send("demo", "ada", &json!(1)), 0);
        drop(stuck);
    }

    #[tokio::test]
    async fn a_token_deadline_is_signalled_once_to_its_socket_only() {
        let connections = AgentConnections::default();
        let mut ada = connections.register("demo", "ada");
        let mut bob = connections.register("demo", "bob");
        connections.set_token_due("demo", "ada", ada.id, 1_000);
        connections.set_token_due("demo", "bob", bob.id, 5_000);
        assert_eq!(connections.signal_token_deadlines(999), Some(1_000));
        assert!(ada.frames.try_recv().is_err(), "not yet");
        assert_eq!(connections.signal_token_deadlines(1_000), Some(5_000));
        assert_eq!(&*ada.frames.recv().await.unwrap(), TOKEN_DUE);
        assert!(bob.frames.try_recv().is_err());
        assert_eq!(connections.signal_token_deadlines(2_000), Some(5_000));
        assert!(ada.frames.try_recv().is_err(), "sent once per deadline");
        connections.set_token_due("demo", "ada", ada.id, 3_000);
        assert_eq!(connections.signal_token_deadlines(2_000), Some(3_000));
    }

    #[tokio::test]
    async fn with_a_fanout_frames_are_queued_for_the_other_nodes_too() {
        let (fanout, mut queue) = Fanout::queue_for_tests(4);
        let connections = AgentConnections::with_fanout(fanout);
        // Nobody here: the frame still leaves for the agent's consoles elsewhere.
        assert_eq!(
            connections.send("demo", "ada", &json!({"event": "POPUP"})),
            0
        );
        assert!(matches!(
            queue.try_recv().unwrap(),
            Message::Agent { ref site, ref agent, ref frame }
                if site == "demo" && agent == "ada" && &**frame == r#"{"event":"POPUP"}"#
        ));
        let mut here = connections.register("demo", "bob");
        assert_eq!(connections.send_site("demo", &json!(2)), 1);
        assert_eq!(&*here.frames.recv().await.unwrap(), "2");
        assert!(matches!(queue.try_recv().unwrap(), Message::Site { .. }));
        // What arrives from another node is delivered here only.
        assert_eq!(connections.deliver_local("demo", "bob", &Arc::from("3")), 1);
        assert_eq!(connections.deliver_local_site("demo", &Arc::from("4")), 1);
        assert!(queue.try_recv().is_err());
    }
}
