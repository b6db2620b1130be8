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

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::Value;

/// The chats a console socket was told it lost.
#[derive(Debug, Default)]
pub struct ClearedChats {
    chats: HashSet<String>,
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
        let chats = snapshot["conversations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["phase"] == "wrap_up")
            .filter_map(|c| c["chat_id"].as_str().map(str::to_owned))
            .collect();
        Self { chats }
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
                self.chats.insert(chat);
                true
            }
            "ESTABLISHED" | "JOBSTARTED" => {
                self.chats.remove(&chat);
                true
            }
            "MESSAGE" if head.from.as_deref() != Some("visitor") => true,
            "MESSAGE" | "TYPING" => !self.chats.contains(&chat),
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
