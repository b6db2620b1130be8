//! A conversation the desk is handling: waiting in a resource's queue, or with an agent
//! (offered or online). After-chat work belongs to the agent's job, not to the
//! conversation, so a conversation transferred away is already waiting elsewhere while the
//! first agent writes their notes.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, ConversationId, OfferId, ResourceId};

/// Where a conversation is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ConversationStatus {
    /// In the queue.
    Waiting,
    /// Offered to or online with an agent; the agent's job tells which.
    WithAgent {
        /// The agent.
        agent: AgentId,
        /// The agent's job.
        job: OfferId,
    },
}

/// The visitor's place in the queue, as last told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueStatus {
    /// 1-based position among the conversations waiting for the same resource.
    pub position: u32,
    /// Estimated wait in seconds; `None` when nobody could be offered the conversation now
    /// (everyone who could take it rejected it, is paused or away).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_wait_s: Option<u32>,
}

/// A conversation at the desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub(crate) id: ConversationId,
    pub(crate) resource: ResourceId,
    pub(crate) requested_at: Timestamp,
    pub(crate) arrival: u64,
    pub(crate) summary: String,
    pub(crate) status: ConversationStatus,
    pub(crate) waiting_since: Timestamp,
    pub(crate) front: bool,
    pub(crate) declined_by: BTreeSet<AgentId>,
    pub(crate) target_agent: Option<AgentId>,
    pub(crate) told: Option<QueueStatus>,
    /// The edge found the visitor gone (no connection for the site's grace) during a live
    /// chat: the chat goes on, but it never waits for an agent again.
    #[serde(default)]
    pub(crate) visitor_gone: bool,
}

impl Conversation {
    /// The conversation id.
    pub fn id(&self) -> &ConversationId {
        &self.id
    }

    /// The resource it waits for or came through.
    pub fn resource(&self) -> &ResourceId {
        &self.resource
    }

    /// When the visitor asked for a human.
    pub fn requested_at(&self) -> Timestamp {
        self.requested_at
    }

    /// The bot transcript summary shown to the agent.
    pub fn summary(&self) -> &str {
        &self.summary
    }

    /// Where it is.
    pub fn status(&self) -> &ConversationStatus {
        &self.status
    }

    /// Since when it waits (for the maximum wait); reset by a transfer or a requeue, kept
    /// across offers that were rejected or timed out.
    pub fn waiting_since(&self) -> Timestamp {
        self.waiting_since
    }

    /// Whether it was requeued after a transfer or a lost agent, which serves it before new
    /// requests.
    pub fn is_front(&self) -> bool {
        self.front
    }

    /// Agents who rejected it; they are not offered it again.
    pub fn declined_by(&self) -> &BTreeSet<AgentId> {
        &self.declined_by
    }

    /// The agent it was transferred to, who gets the next offer.
    pub fn target_agent(&self) -> Option<&AgentId> {
        self.target_agent.as_ref()
    }

    /// The agent it is offered to or online with.
    pub fn agent(&self) -> Option<&AgentId> {
        match &self.status {
            ConversationStatus::WithAgent { agent, .. } => Some(agent),
            ConversationStatus::Waiting => None,
        }
    }

    /// Whether the visitor was found gone during the live chat (and has not come back).
    pub fn is_visitor_gone(&self) -> bool {
        self.visitor_gone
    }

    /// Whether it waits in a queue.
    pub fn is_waiting(&self) -> bool {
        self.status == ConversationStatus::Waiting
    }

    /// The key that orders the queue: requeued conversations first, then the oldest request,
    /// then arrival order. `None` when not waiting.
    pub(crate) fn queue_key(&self) -> Option<(bool, Timestamp, u64)> {
        self.is_waiting()
            .then_some((!self.front, self.requested_at, self.arrival))
    }

    /// Puts it back at the front of the queue after a transfer or a lost agent.
    pub(crate) fn requeue_at_front(&mut self, now: Timestamp) {
        self.status = ConversationStatus::Waiting;
        self.waiting_since = now;
        self.front = true;
        self.declined_by.clear();
    }
}
