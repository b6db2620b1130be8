//! Visitor events: what the websocket and the long-poll deliver, in `seq` order. Persisted
//! events are the conversation log; `typing` is ephemeral and carries no `seq`.

use serde::{Deserialize, Serialize};

use super::output::OutputBody;
use super::session::MessageInput;

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sender {
    /// The visitor (any of their tabs).
    Visitor,
    /// The dialog engine.
    Bot,
    /// A human agent.
    Agent,
    /// Staffetta itself (notices).
    System,
}

/// An event with its position in the conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Sequence number in the conversation (absent for ephemeral events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    /// What the visitor may see of the event (see [`OutputBody::for_visitor`]).
    #[must_use]
    pub fn for_visitor(mut self) -> Self {
        if let EventKind::Message { output, .. } = &mut self.kind {
            *output = output.take().map(OutputBody::for_visitor);
        }
        self
    }
}

/// What happened, tagged by `type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A message from the visitor, the bot, an agent or the system.
    Message {
        /// Who wrote it.
        from: Sender,
        /// Milliseconds since the Unix epoch when it was accepted.
        at: i64,
        /// The visitor's idempotency key (visitor messages only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_message_id: Option<String>,
        /// What the visitor sent (visitor messages only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        input: Option<MessageInput>,
        /// Items to render (bot, agent and system messages).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<OutputBody>,
        /// The agent's display name (agent messages only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent_name: Option<String>,
    },
    /// Someone is typing (ephemeral).
    Typing {
        /// Who.
        from: Sender,
        /// Started (`true`) or stopped.
        typing: bool,
        /// The agent's display name (agent typing only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent_name: Option<String>,
    },
    /// An agent joined the conversation.
    AgentJoined {
        /// The agent's display name.
        agent_name: String,
    },
    /// The agent left.
    AgentLeft {
        /// The agent's display name.
        agent_name: String,
    },
    /// The console of the agent who has the conversation was lost; the desk waits for them
    /// for the site's disconnect grace period. `AgentReconnected` follows when they are back
    /// in time, `AgentLeft` when the grace runs out.
    AgentReconnecting {
        /// The agent's display name.
        agent_name: String,
    },
    /// The agent whose console was lost is back within the grace period.
    AgentReconnected {
        /// The agent's display name.
        agent_name: String,
    },
    /// Position in the queue and estimated wait.
    QueueUpdate {
        /// 1 = next.
        position: u32,
        /// Estimated seconds until an agent joins (0: an agent is being offered the
        /// conversation now); absent when nobody could be offered it now (everyone who could
        /// take it rejected it, is paused or away), so no estimate is shown.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        estimated_wait_s: Option<u64>,
    },
    /// Nobody will answer now (outside office hours, nobody logged in, waited too long):
    /// the widget shows `text` and offers to leave a request.
    QueueClosed {
        /// `outside_hours`, `nobody_available` or `wait_too_long`.
        reason: String,
        /// When the resource opens next (ms since the Unix epoch), if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_opening: Option<i64>,
        /// Localized notice.
        text: String,
    },
    /// The wait for an agent was cancelled and the bot has the conversation again: the
    /// visitor stopped waiting, or went away (closed every tab) for longer than the site's
    /// `handoff.visitor_gone_s`. The widget shows `text`.
    HandoffCancelled {
        /// `visitor` (they stopped waiting) or `system` (they had gone away).
        by: Sender,
        /// `visitor_cancelled` or `visitor_gone`.
        reason: String,
        /// Localized notice.
        text: String,
    },
    /// The session will expire for inactivity unless the visitor continues.
    SessionExpiring {
        /// Milliseconds since the Unix epoch.
        expires_at: i64,
        /// Localized notice.
        text: String,
    },
    /// The session expired; start a new one, optionally restoring the public state.
    SessionExpired {
        /// Localized notice.
        text: String,
    },
    /// The conversation ended.
    ConversationEnded {
        /// Who ended it.
        by: Sender,
    },
    /// The identity token expired; send a fresh one (`identity` frame) to continue.
    IdentityExpired {},
}

impl EventKind {
    /// Whether the event is stored in the conversation log (and so has a `seq`).
    pub fn is_persistent(&self) -> bool {
        !matches!(self, EventKind::Typing { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_typing_carries_the_name_and_older_typing_events_still_read() {
        let event = Event {
            seq: None,
            kind: EventKind::Typing {
                from: Sender::Agent,
                typing: false,
                agent_name: Some("Ada".into()),
            },
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "typing", "from": "agent", "typing": false, "agent_name": "Ada"})
        );
        let old: Event =
            serde_json::from_str(r#"{"type":"typing","from":"visitor","typing":true}"#).unwrap();
        assert_eq!(
            old.kind,
            EventKind::Typing {
                from: Sender::Visitor,
                typing: true,
                agent_name: None
            }
        );
        assert_eq!(
            serde_json::to_string(&old).unwrap(),
            r#"{"type":"typing","from":"visitor","typing":true}"#,
            "no name, no field"
        );
    }
}
