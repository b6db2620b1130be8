//! Visitor-facing handoff events: what the widget shows while the visitor waits for, talks
//! to and leaves an agent.
//!
//! They serialize with a `type` tag in snake_case, for example
//! `{"type":"queue_update","position":2,"estimated_wait_s":90}`. The widget's wire protocol
//! may wrap them; the names follow ARCHITECTURE.md (`queue_update`, `agent_joined`,
//! `agent_left`, `agent_typing`, `conversation_ended`) plus `queue_closed`, which tells the
//! visitor that nobody will answer now and a request can be left instead, and
//! `agent_reconnecting` / `agent_reconnected` around a lost agent console.

use serde::{Deserialize, Serialize};

/// Who ended a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    /// The visitor ended it or cancelled while waiting.
    Visitor,
    /// The agent ended it.
    Agent,
}

/// Why a handoff request is closed instead of queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosedReason {
    /// The resource is outside its office hours.
    OutsideHours,
    /// Nobody who could answer is logged in.
    NobodyAvailable,
    /// The visitor waited longer than the resource's maximum wait.
    WaitTooLong,
}

/// One event for the visitor's widget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VisitorEvent {
    /// Position in the queue (1 = next) and the estimated wait in seconds.
    QueueUpdate {
        /// 1-based position among the conversations waiting for the same resource.
        position: u32,
        /// Estimated wait, from recent handling times; absent when nobody could be offered
        /// the conversation now (no estimate rather than a made-up one).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        estimated_wait_s: Option<u32>,
    },
    /// An agent accepted the conversation.
    AgentJoined {
        /// The agent's display name.
        display_name: String,
    },
    /// The agent left: transfer or lost connection; the visitor waits again.
    AgentLeft {
        /// The agent's display name.
        display_name: String,
    },
    /// The agent's console was lost: the desk waits for them for the disconnect grace
    /// period (`agent_reconnected` when they are back in time, `agent_left` otherwise).
    AgentReconnecting {
        /// The agent's display name.
        display_name: String,
    },
    /// The agent whose console was lost is back within the grace period.
    AgentReconnected {
        /// The agent's display name.
        display_name: String,
    },
    /// The agent started or stopped typing.
    AgentTyping {
        /// The agent's display name.
        display_name: String,
        /// Started (`true`, also when absent) or stopped.
        #[serde(default = "typing_started")]
        typing: bool,
    },
    /// The conversation with the agent is over.
    ConversationEnded {
        /// Who ended it.
        by: EndedBy,
    },
    /// Nobody will answer now; the widget offers to leave a request.
    QueueClosed {
        /// Why.
        reason: ClosedReason,
    },
    /// The conversation would wait for an agent again (a transfer, a lost agent) but its
    /// visitor was found gone during the chat: the wait is cancelled at once, as for a
    /// visitor who leaves while waiting, and the bot has the conversation again.
    VisitorGone,
}

/// An `agent_typing` event without `typing` is a start.
fn typing_started() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn visitor_events_serialize_with_a_snake_case_type_tag() {
        let cases = [
            (
                VisitorEvent::QueueUpdate {
                    position: 2,
                    estimated_wait_s: Some(90),
                },
                json!({ "type": "queue_update", "position": 2, "estimated_wait_s": 90 }),
            ),
            (
                VisitorEvent::QueueUpdate {
                    position: 1,
                    estimated_wait_s: None,
                },
                json!({ "type": "queue_update", "position": 1 }),
            ),
            (
                VisitorEvent::AgentJoined {
                    display_name: "Ada".into(),
                },
                json!({ "type": "agent_joined", "display_name": "Ada" }),
            ),
            (
                VisitorEvent::AgentLeft {
                    display_name: "Ada".into(),
                },
                json!({ "type": "agent_left", "display_name": "Ada" }),
            ),
            (
                VisitorEvent::AgentReconnecting {
                    display_name: "Ada".into(),
                },
                json!({ "type": "agent_reconnecting", "display_name": "Ada" }),
            ),
            (
                VisitorEvent::AgentReconnected {
                    display_name: "Ada".into(),
                },
                json!({ "type": "agent_reconnected", "display_name": "Ada" }),
            ),
            (
                VisitorEvent::AgentTyping {
                    display_name: "Ada".into(),
                    typing: false,
                },
                json!({ "type": "agent_typing", "display_name": "Ada", "typing": false }),
            ),
            (
                VisitorEvent::ConversationEnded { by: EndedBy::Agent },
                json!({ "type": "conversation_ended", "by": "agent" }),
            ),
            (
                VisitorEvent::QueueClosed {
                    reason: ClosedReason::OutsideHours,
                },
                json!({ "type": "queue_closed", "reason": "outside_hours" }),
            ),
            (VisitorEvent::VisitorGone, json!({ "type": "visitor_gone" })),
        ];
        for (event, expected) in cases {
            assert_eq!(serde_json::to_value(&event).unwrap(), expected);
            assert_eq!(
                serde_json::from_value::<VisitorEvent>(expected).unwrap(),
                event
            );
        }
    }

    #[test]
    fn closed_reasons_have_stable_codes() {
        assert_eq!(
            serde_json::to_value(ClosedReason::NobodyAvailable).unwrap(),
            "nobody_available"
        );
        assert_eq!(
            serde_json::to_value(ClosedReason::WaitTooLong).unwrap(),
            "wait_too_long"
        );
        assert_eq!(serde_json::to_value(EndedBy::Visitor).unwrap(), "visitor");
    }
}
