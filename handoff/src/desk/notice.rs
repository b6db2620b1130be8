//! What a desk transition asks the edge to do: events for agents and visitors, and
//! finished jobs to store.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::event::AgentEvent;
use crate::ids::{AgentId, ConversationId, OfferId, ResourceId};
use crate::visitor_event::VisitorEvent;
use crate::wrap_up::WrapUp;

/// One output of a desk transition, in the order the edge should deliver them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Notice {
    /// Send an AgentDesktop event to an agent's desk (console or connector).
    Agent {
        /// The agent.
        agent: AgentId,
        /// The event.
        event: AgentEvent,
    },
    /// Send an event to the visitor's widget(s) of a conversation.
    Visitor {
        /// The conversation.
        conversation: ConversationId,
        /// The event.
        event: VisitorEvent,
    },
    /// Store the record of a finished job (reporting, the visitor info box's history).
    JobFinished(JobRecord),
}

/// How a job that went online came to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobOutcome {
    /// The agent submitted the wrap-up.
    WrappedUp,
    /// The wrap-up limit passed without a submission.
    WrapUpLimit,
    /// The agent's connection was lost beyond the grace period.
    AgentLost,
    /// The agent logged out during after-chat work.
    LoggedOut,
}

/// The record of a job that went online.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRecord {
    /// The job (offer) id.
    pub job: OfferId,
    /// The agent.
    pub agent: AgentId,
    /// The conversation.
    pub conversation: ConversationId,
    /// The resource it came through.
    pub queue: ResourceId,
    /// When the offer was made.
    pub offered_at: Timestamp,
    /// When the agent accepted.
    pub started_at: Timestamp,
    /// When the conversation ended for the agent.
    pub ended_at: Timestamp,
    /// When the job finished.
    pub finished_at: Timestamp,
    /// The submitted wrap-up, if any.
    pub wrap_up: Option<WrapUp>,
    /// How it ended.
    pub outcome: JobOutcome,
}

/// Shorthands used by the transitions.
pub(crate) trait NoticesExt {
    fn push_agent(&mut self, agent: &AgentId, event: AgentEvent);
    fn push_visitor(&mut self, conversation: &ConversationId, event: VisitorEvent);
}

impl NoticesExt for Vec<Notice> {
    fn push_agent(&mut self, agent: &AgentId, event: AgentEvent) {
        self.push(Notice::Agent {
            agent: agent.clone(),
            event,
        });
    }

    fn push_visitor(&mut self, conversation: &ConversationId, event: VisitorEvent) {
        self.push(Notice::Visitor {
            conversation: conversation.clone(),
            event,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventName;
    use serde_json::json;

    #[test]
    fn notices_serialize_with_a_to_tag() {
        let mut notices = Vec::new();
        notices.push_agent(
            &AgentId::parse("ada").unwrap(),
            AgentEvent::agent(EventName::Forced),
        );
        notices.push_visitor(
            &ConversationId::parse("c1").unwrap(),
            VisitorEvent::AgentTyping {
                display_name: "Ada".into(),
                typing: true,
            },
        );
        assert_eq!(
            serde_json::to_value(&notices).unwrap(),
            json!([
                { "to": "agent", "agent": "ada", "event": { "event": "FORCED" } },
                {
                    "to": "visitor", "conversation": "c1",
                    "event": { "type": "agent_typing", "display_name": "Ada", "typing": true }
                }
            ])
        );
        let back: Vec<Notice> =
            serde_json::from_value(serde_json::to_value(&notices).unwrap()).unwrap();
        assert_eq!(back, notices);
    }
}
