//! The visitor's side of the desk: presence, asking for a human, leaving, and what agents
//! may send into a conversation.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::notice::NoticesExt;
use super::{Desk, DeskError, Notice};
use crate::agent::JobPhase;
use crate::conversation::{Conversation, ConversationStatus, QueueStatus};
use crate::event::{DeskEndReason, EventName};
use crate::ids::{AgentId, ConversationId, ResourceId};
use crate::routing;
use crate::visitor_event::{ClosedReason, EndedBy, VisitorEvent};

/// A visitor asks for a human (connect_to_agent, "talk to a human", or too many
/// misunderstandings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffRequest {
    /// The conversation; its history stays at the edge.
    pub conversation: ConversationId,
    /// The widget's `dispatch_to`, or `None` for the site's default resource.
    pub dispatch_to: Option<ResourceId>,
    /// A summary of the bot part of the transcript for the agent.
    pub summary: String,
}

/// What happened to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RequestOutcome {
    /// Waiting in the queue.
    Queued(QueueStatus),
    /// Offered to an agent right away; the visitor waits for them to accept.
    Offered,
    /// Not queued: tell the visitor and offer to leave a request.
    Closed {
        /// Why.
        reason: ClosedReason,
        /// When the resource opens next, if it is closed by office hours.
        next_opening: Option<Timestamp>,
    },
}

/// What the widget can tell before asking (seed 003 "presence detection").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    /// Whether the resource is within office hours.
    pub open: bool,
    /// When it opens next (`now` when open), if ever within two years.
    pub next_opening: Option<Timestamp>,
    /// Whether anyone who serves the resource is logged in.
    pub someone_logged_in: bool,
    /// Agents ready for a new offer right now.
    pub agents_ready: u32,
}

impl Desk {
    /// Office hours and agent availability of a resource (or the default one).
    pub fn presence(
        &self,
        now: Timestamp,
        dispatch_to: Option<&ResourceId>,
    ) -> Result<Presence, DeskError> {
        let resource = self.resolve_resource(dispatch_to)?;
        let agents_ready = self
            .agents
            .values()
            .filter(|a| a.can_take_offer() && resource.served_by(a.profile().skills()))
            .count();
        Ok(Presence {
            open: resource.is_open(now),
            next_opening: resource.next_opening(now),
            someone_logged_in: routing::anyone_logged_in_for(resource, &self.agents),
            agents_ready: u32::try_from(agents_ready).unwrap_or(u32::MAX),
        })
    }

    /// Queues a conversation for a human, or says why it cannot be queued now.
    pub fn request(
        &mut self,
        now: Timestamp,
        request: HandoffRequest,
    ) -> Result<(RequestOutcome, Vec<Notice>), DeskError> {
        if self.conversations.contains_key(&request.conversation) {
            return Err(DeskError::ConversationExists(request.conversation));
        }
        let resource = self.resolve_resource(request.dispatch_to.as_ref())?;
        if !resource.is_open(now) {
            let next_opening = resource.next_opening(now);
            let outcome = RequestOutcome::Closed {
                reason: ClosedReason::OutsideHours,
                next_opening,
            };
            return Ok((outcome, Vec::new()));
        }
        if !routing::anyone_logged_in_for(resource, &self.agents) {
            let outcome = RequestOutcome::Closed {
                reason: ClosedReason::NobodyAvailable,
                next_opening: None,
            };
            return Ok((outcome, Vec::new()));
        }
        let resource = resource.id.clone();
        let id = request.conversation;
        let arrival = self.next_arrival;
        self.next_arrival = self.next_arrival.saturating_add(1);
        let summary = self.bounded_summary(&request.summary);
        self.conversations.insert(
            id.clone(),
            Conversation {
                id: id.clone(),
                resource,
                requested_at: now,
                arrival,
                summary,
                status: ConversationStatus::Waiting,
                waiting_since: now,
                front: false,
                declined_by: BTreeSet::new(),
                target_agent: None,
                told: None,
                visitor_gone: false,
            },
        );
        let mut notices = Vec::new();
        self.settle(now, &mut notices);
        let outcome = match self.queue_status(&id) {
            Some(status) => RequestOutcome::Queued(status),
            None => RequestOutcome::Offered,
        };
        Ok((outcome, notices))
    }

    /// The visitor cancels while waiting or ends the conversation with the agent.
    pub fn end_by_visitor(
        &mut self,
        now: Timestamp,
        conversation: &ConversationId,
    ) -> Result<Vec<Notice>, DeskError> {
        let current = self.conversation_or_err(conversation)?;
        let mut notices = Vec::new();
        if let ConversationStatus::WithAgent { agent, job } = current.status.clone() {
            let phase = self
                .agents
                .get(&agent)
                .and_then(|a| a.jobs().get(&job))
                .map(|j| j.phase);
            match phase {
                Some(JobPhase::Online) => {
                    self.close_online_job(now, &agent, job, DeskEndReason::Visitor, &mut notices);
                }
                _ => {
                    self.drop_offer(&agent, job, DeskEndReason::Cancelled, &mut notices);
                }
            }
        }
        self.conversations.remove(conversation);
        notices.push_visitor(
            conversation,
            VisitorEvent::ConversationEnded {
                by: EndedBy::Visitor,
            },
        );
        self.settle(now, &mut notices);
        Ok(notices)
    }

    /// Replaces the transcript summary; the agent handling the conversation gets DATACHANGED.
    pub fn update_summary(
        &mut self,
        conversation: &ConversationId,
        summary: &str,
    ) -> Result<Vec<Notice>, DeskError> {
        self.conversation_or_err(conversation)?;
        let summary = self.bounded_summary(summary);
        let mut notices = Vec::new();
        if let Some(entry) = self.conversations.get_mut(conversation) {
            entry.summary = summary;
            if let ConversationStatus::WithAgent { agent, job } = &entry.status
                && let Some(open) = self.agents.get(agent).and_then(|a| a.jobs().get(job))
            {
                notices.push_agent(agent, open.event(*job, EventName::DataChanged));
            }
        }
        Ok(notices)
    }

    /// Checks that `agent` is online with `conversation`, so their messages may go in.
    pub fn check_may_write(
        &self,
        agent: &AgentId,
        conversation: &ConversationId,
    ) -> Result<(), DeskError> {
        self.agent_or_err(agent)?;
        self.conversation_or_err(conversation)?;
        match self.owner_of(conversation) {
            Some(owner) if owner == agent => Ok(()),
            _ => Err(DeskError::NotYourConversation(conversation.clone())),
        }
    }

    /// The agent started (`typing`) or stopped typing in a conversation they are online
    /// with: tells the visitor, with the agent's name.
    pub fn agent_typing(
        &self,
        agent: &AgentId,
        conversation: &ConversationId,
        typing: bool,
    ) -> Result<Vec<Notice>, DeskError> {
        self.check_may_write(agent, conversation)?;
        let display_name = self
            .agent_or_err(agent)?
            .profile()
            .display_name()
            .as_str()
            .to_owned();
        let mut notices = Vec::new();
        notices.push_visitor(
            conversation,
            VisitorEvent::AgentTyping {
                display_name,
                typing,
            },
        );
        Ok(notices)
    }

    fn bounded_summary(&self, summary: &str) -> String {
        let max = usize::try_from(self.config.summary_max_chars).unwrap_or(usize::MAX);
        summary.chars().take(max).collect()
    }
}
