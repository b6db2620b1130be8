//! What one console socket lets through of a chat it was told it lost. A visitor message is
//! stored while an agent has the conversation and its `MESSAGE` frame goes out after the
//! write: a transfer (or a requeue) landing in between sends that agent `CONNECTIONCLEARED`
//! first, and the frame would then show the visitor's message in a chat that is no longer
//! theirs. The socket remembers the chats whose `CONNECTIONCLEARED` it passed on (and those
//! its SNAPSHOT shows in after-chat work) and drops the visitor's `MESSAGE` and `TYPING`
//! frames of those chats, until an `ESTABLISHED` or `JOBSTARTED` of the chat gives it back
//! (a transfer back to the same agent). This is the assignment as the console was told it,
//! in memory on the socket's node: no store read per frame.
//!
//! What remains: a frame queued before the `CONNECTIONCLEARED` reaches the console before
//! it, for a message stored while the agent had the chat, in the order the console shows
//! them. The agent's own `MESSAGE` echo is always let through (the message was stored while
//! they had the chat, the visitor has it).
//!
//! The socket remembers at most [`MAX_CLEARED`] chats, the oldest cleared forgotten first:
//! a frame can only be late by the time between a message's write and its frame (a store
//! round trip, plus the cluster fan-out between nodes), and an agent holds at most 20 chats
//! at once, so a chat forgotten after as many later ones were cleared has had its late
//! frames long before. Without the bound a console open for days kept every chat it ever
//! lost.
//!
//! It relies on the `CONNECTIONCLEARED` reaching the socket. Between nodes it travels by the
//! cluster fan-out, which drops frames while Redis is away or its queue is full (docs/cluster.md):
//! a socket that misses it does not know the chat is gone until it gets a SNAPSHOT (on
//! reconnecting, or sent on the open socket once the node's fan-out subscription is back:
//! [`ClearedChats::resync`]), and a visitor frame addressed to the agent before the transfer
//! may reach it meanwhile. Frames of messages stored after the transfer do not: each is
//! addressed to whoever has the chat when it is stored.

use std::collections::VecDeque;

use serde::Deserialize;
use serde_json::Value;

/// The most chats one socket remembers as cleared; the oldest is forgotten first.
pub const MAX_CLEARED: usize = 64;

/// The chats a console socket was told it lost, the oldest first (at most [`MAX_CLEARED`]).
#[derive(Debug, Default)]
pub struct ClearedChats {
    chats: VecDeque<String>,
}

/// The fields of a frame that say which chat it is about.
#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    event: String,
    #[serde(default)]
    chat_id: Option<String>,
    #[serde(default)]
    from: Option<String>,
}

impl ClearedChats {
    /// The chats a console's SNAPSHOT shows in after-chat work (cleared before it connected).
    pub fn from_snapshot(snapshot: &Value) -> Self {
        let mut cleared = Self::default();
        cleared.resync(snapshot);
        cleared
    }

    /// Takes in a fresh SNAPSHOT sent on an open socket (after the cluster fan-out may have
    /// lost frames): its chats in after-chat work are cleared, its online chats given back.
    /// A chat transferred away meanwhile is in neither; the console closes it on this
    /// SNAPSHOT and ignores frames of chats it does not show.
    pub fn resync(&mut self, snapshot: &Value) {
        for conversation in snapshot["conversations"].as_array().into_iter().flatten() {
            let Some(chat) = conversation["chat_id"].as_str() else {
                continue;
            };
            match conversation["phase"].as_str() {
                Some("wrap_up") => self.clear(chat),
                Some("online") => self.give_back(chat),
                _ => {}
            }
        }
    }

    /// Remembers `chat` as cleared, as the newest; forgets the oldest past [`MAX_CLEARED`].
    fn clear(&mut self, chat: &str) {
        self.give_back(chat);
        if self.chats.len() == MAX_CLEARED {
            self.chats.pop_front();
        }
        self.chats.push_back(chat.to_owned());
    }

    /// Forgets `chat` (given back to the agent).
    fn give_back(&mut self, chat: &str) {
        self.chats.retain(|c| c != chat);
    }

    /// Whether `chat` is remembered as cleared.
    fn is_cleared(&self, chat: &str) -> bool {
        self.chats.iter().any(|c| c == chat)
    }

    /// Whether the console gets `frame`: false for the visitor's `MESSAGE` and `TYPING` of
    /// a chat cleared for it. Remembers the chats a frame clears or gives back.
    pub fn passes(&mut self, frame: &str) -> bool {
        let Ok(head) = serde_json::from_str::<Head>(frame) else {
            return true;
        };
        let Some(chat) = head.chat_id else {
            return true;
        };
        match head.event.as_str() {
            "CONNECTIONCLEARED" => {
                self.clear(&chat);
                true
            }
            "ESTABLISHED" | "JOBSTARTED" => {
                self.give_back(&chat);
                true
            }
            "MESSAGE" if head.from.as_deref() != Some("visitor") => true,
            "MESSAGE" | "TYPING" => !self.is_cleared(&chat),
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frame(value: &Value) -> String {
        value.to_string()
    }

    #[test]
    fn visitor_frames_of_a_cleared_chat_are_dropped_until_it_is_established_again() {
        let mut cleared = ClearedChats::default();
        let visitor =
            frame(&json!({"event": "MESSAGE", "chat_id": "c1", "from": "visitor", "text": "hi"}));
        let typing = frame(&json!({"event": "TYPING", "chat_id": "c1", "typing": true}));
        let other = frame(&json!({"event": "MESSAGE", "chat_id": "c2", "from": "visitor"}));
        assert!(cleared.passes(&visitor), "a chat never cleared");
        assert!(cleared.passes(&frame(
            &json!({"event": "CONNECTIONCLEARED", "chat_id": "c1", "reason": "transferred"})
        )));
        assert!(!cleared.passes(&visitor));
        assert!(!cleared.passes(&typing));
        assert!(cleared.passes(&other), "other chats are not affected");
        assert!(
            cleared.passes(&frame(
                &json!({"event": "MESSAGE", "chat_id": "c1", "from": "agent"})
            )),
            "the agent's own echo is let through"
        );
        assert!(cleared.passes(&frame(&json!({"event": "JOBCHANGED", "chat_id": "c1"}))));
        assert!(cleared.passes(&frame(&json!({"event": "ESTABLISHED", "chat_id": "c1"}))));
        assert!(cleared.passes(&visitor), "transferred back to the agent");
        assert!(cleared.passes("not json"));
        assert!(cleared.passes(&frame(&json!({"event": "PING", "at": 1}))));
    }

    fn cleared_frame(chat: &str) -> String {
        frame(&json!({"event": "CONNECTIONCLEARED", "chat_id": chat, "reason": "transferred"}))
    }

    fn visitor_message(chat: &str) -> String {
        frame(&json!({"event": "MESSAGE", "chat_id": chat, "from": "visitor"}))
    }

    #[test]
    fn a_socket_remembers_at_most_the_last_cleared_chats_and_forgets_the_oldest_first() {
        let mut cleared = ClearedChats::default();
        for n in 0..MAX_CLEARED * 3 {
            assert!(cleared.passes(&cleared_frame(&format!("c{n}"))));
        }
        assert_eq!(cleared.chats.len(), MAX_CLEARED);
        let first_kept = MAX_CLEARED * 2;
        assert!(
            cleared.passes(&visitor_message("c0")),
            "the oldest are forgotten"
        );
        assert!(cleared.passes(&visitor_message(&format!("c{}", first_kept - 1))));
        for n in first_kept..MAX_CLEARED * 3 {
            assert!(
                !cleared.passes(&visitor_message(&format!("c{n}"))),
                "the last {MAX_CLEARED} are still held back (c{n})"
            );
        }
    }

    #[test]
    fn a_chat_cleared_again_counts_as_the_newest_and_is_remembered_once() {
        let mut cleared = ClearedChats::default();
        cleared.passes(&cleared_frame("again"));
        for n in 1..MAX_CLEARED {
            cleared.passes(&cleared_frame(&format!("c{n}")));
            // Given back and lost again, as a chat transferred back and forth.
            cleared.passes(&frame(&json!({"event": "ESTABLISHED", "chat_id": "again"})));
            cleared.passes(&cleared_frame("again"));
        }
        assert_eq!(cleared.chats.len(), MAX_CLEARED);
        cleared.passes(&cleared_frame("one more"));
        assert!(
            !cleared.passes(&visitor_message("again")),
            "cleared last, so not the oldest"
        );
        assert!(cleared.passes(&visitor_message("c1")), "the oldest went");
    }

    #[test]
    fn a_fresh_snapshot_clears_the_chats_in_after_chat_work_and_gives_back_the_online_ones() {
        let mut cleared = ClearedChats::default();
        cleared.passes(&cleared_frame("back"));
        cleared.passes(&cleared_frame("gone"));
        cleared.resync(&json!({"event": "SNAPSHOT", "conversations": [
            {"chat_id": "back", "phase": "online"},
            {"chat_id": "ended", "phase": "wrap_up"},
        ]}));
        assert!(cleared.passes(&visitor_message("back")), "online again");
        assert!(
            !cleared.passes(&visitor_message("ended")),
            "its clear was missed"
        );
        assert!(
            !cleared.passes(&visitor_message("gone")),
            "still remembered"
        );
    }

    #[test]
    fn a_snapshot_marks_the_chats_in_after_chat_work_as_cleared() {
        let snapshot = json!({"event": "SNAPSHOT", "conversations": [
            {"chat_id": "c1", "phase": "wrap_up"},
            {"chat_id": "c2", "phase": "online"},
        ]});
        let mut cleared = ClearedChats::from_snapshot(&snapshot);
        let message =
            |chat: &str| frame(&json!({"event": "MESSAGE", "chat_id": chat, "from": "visitor"}));
        assert!(!cleared.passes(&message("c1")));
        assert!(cleared.passes(&message("c2")));
    }
}
