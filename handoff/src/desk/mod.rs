//! The desk of one site: resources, logged-in agents, conversations waiting or with an
//! agent, and the recent handle times that drive wait estimates.
//!
//! [`Desk`] is plain data (serde) so the edge can store it as one value and update it with a
//! compare-and-set: load, apply a transition, store if the version did not move, then
//! deliver the returned [`Notice`]s. Every transition takes `now`, returns the notices in
//! delivery order, and on error leaves the desk exactly as it was.
//!
//! The transitions live in sibling files by theme: requests (visitor side),
//! offers (routing, accept, reject), jobs (end, wrap-up, transfer), agents (login, state,
//! connection), timers (deadlines and `tick`) and visitor_presence (a visitor found gone);
//! `overview` is the read-only view of the queues a supervisor gets.

mod agents;
mod error;
mod invariants;
mod jobs;
mod notice;
mod offers;
mod overview;
mod requests;
mod settle;
mod timers;
mod visitor_presence;

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use agents::AgentStateRequest;
pub use error::DeskError;
pub use invariants::InvariantViolation;
pub use jobs::TransferTarget;
pub use notice::{JobOutcome, JobRecord, Notice};
pub use overview::{LiveChat, QueueOverview, WaitingChat, WrapUpChat};
pub use requests::{HandoffRequest, Presence, RequestOutcome};
pub use visitor_presence::VisitorGoneOutcome;

use crate::agent::{Agent, PauseReason};
use crate::conversation::{Conversation, ConversationStatus, QueueStatus};
use crate::ids::{AgentId, ConversationId, OfferId, ResourceId, SiteId};
use crate::resource::Resource;
use crate::routing::{self, HandleTimes};

/// Site-wide desk settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeskConfig {
    /// The resource used when a request names none.
    pub default_resource: Option<ResourceId>,
    /// Pause sub-states agents may choose.
    pub pause_reasons: Vec<PauseReason>,
    /// Seconds a disconnected agent keeps their conversations before they are requeued.
    pub disconnect_grace_s: u32,
    /// How many recent handle times per resource feed the wait estimate.
    pub handle_time_window: u16,
    /// Handle time assumed before a resource has any sample, in seconds.
    pub default_handle_time_s: u32,
    /// Longest transcript summary kept, in characters (longer ones are cut).
    pub summary_max_chars: u32,
}

impl Default for DeskConfig {
    fn default() -> Self {
        Self {
            default_resource: None,
            pause_reasons: Vec::new(),
            disconnect_grace_s: 60,
            handle_time_window: 20,
            default_handle_time_s: 300,
            summary_max_chars: 4000,
        }
    }
}

/// The handoff state of one site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Desk {
    site: SiteId,
    config: DeskConfig,
    resources: BTreeMap<ResourceId, Resource>,
    agents: BTreeMap<AgentId, Agent>,
    conversations: BTreeMap<ConversationId, Conversation>,
    handle_times: BTreeMap<ResourceId, HandleTimes>,
    next_offer: OfferId,
    next_arrival: u64,
}

impl Desk {
    /// An empty desk: no resources, nobody logged in.
    pub fn new(site: SiteId, config: DeskConfig) -> Self {
        Self {
            site,
            config,
            resources: BTreeMap::new(),
            agents: BTreeMap::new(),
            conversations: BTreeMap::new(),
            handle_times: BTreeMap::new(),
            next_offer: OfferId::FIRST,
            next_arrival: 0,
        }
    }

    /// The site.
    pub fn site(&self) -> &SiteId {
        &self.site
    }

    /// The settings.
    pub fn config(&self) -> &DeskConfig {
        &self.config
    }

    /// Replaces the settings; pause reasons already in use stay as they are.
    pub fn set_config(&mut self, config: DeskConfig) {
        self.config = config;
    }

    /// Adds or replaces a resource, then routes again (skills may have changed).
    pub fn upsert_resource(
        &mut self,
        now: Timestamp,
        resource: Resource,
    ) -> Result<Vec<Notice>, DeskError> {
        resource.validate()?;
        self.resources.insert(resource.id.clone(), resource);
        let mut notices = Vec::new();
        self.settle(now, &mut notices);
        Ok(notices)
    }

    /// Removes a resource no conversation uses.
    pub fn remove_resource(&mut self, id: &ResourceId) -> Result<Resource, DeskError> {
        if self.conversations.values().any(|c| &c.resource == id) {
            return Err(DeskError::ResourceInUse(id.clone()));
        }
        self.handle_times.remove(id);
        self.resources
            .remove(id)
            .ok_or_else(|| DeskError::UnknownResource(id.clone()))
    }

    /// A resource by id.
    pub fn resource(&self, id: &ResourceId) -> Option<&Resource> {
        self.resources.get(id)
    }

    /// All resources.
    pub fn resources(&self) -> impl Iterator<Item = &Resource> {
        self.resources.values()
    }

    /// A logged-in agent.
    pub fn agent(&self, id: &AgentId) -> Option<&Agent> {
        self.agents.get(id)
    }

    /// All logged-in agents.
    pub fn agents(&self) -> impl Iterator<Item = &Agent> {
        self.agents.values()
    }

    /// A conversation the desk handles.
    pub fn conversation(&self, id: &ConversationId) -> Option<&Conversation> {
        self.conversations.get(id)
    }

    /// All conversations the desk handles, waiting or with an agent.
    pub fn conversations(&self) -> impl Iterator<Item = &Conversation> {
        self.conversations.values()
    }

    /// The agent a conversation is online with (not merely offered to).
    pub fn owner_of(&self, conversation: &ConversationId) -> Option<&AgentId> {
        let conversation = self.conversations.get(conversation)?;
        let ConversationStatus::WithAgent { agent, job } = &conversation.status else {
            return None;
        };
        let online =
            self.agents.get(agent)?.jobs().get(job)?.phase == crate::agent::JobPhase::Online;
        online.then_some(agent)
    }

    /// The current queue position and estimate of a waiting conversation.
    pub fn queue_status(&self, conversation: &ConversationId) -> Option<QueueStatus> {
        let target = self.conversations.get(conversation)?;
        if !target.is_waiting() {
            return None;
        }
        let position = routing::waiting_in_order(&self.conversations)
            .into_iter()
            .filter(|c| c.resource == target.resource)
            .position(|c| c.id == target.id)?;
        let position = u32::try_from(position)
            .unwrap_or(u32::MAX)
            .saturating_add(1);
        let slots = self
            .resources
            .get(&target.resource)
            .map_or(0, |r| routing::ready_slots_for(target, r, &self.agents));
        Some(QueueStatus {
            position,
            estimated_wait_s: routing::estimated_wait_s(
                position,
                self.average_handle_time_s(&target.resource),
                slots,
            ),
        })
    }

    /// The average handle time of a resource used for estimates, in seconds.
    pub fn average_handle_time_s(&self, resource: &ResourceId) -> u32 {
        self.handle_times
            .get(resource)
            .and_then(HandleTimes::average_s)
            .unwrap_or(self.config.default_handle_time_s)
    }

    fn agent_or_err(&self, agent: &AgentId) -> Result<&Agent, DeskError> {
        self.agents
            .get(agent)
            .ok_or_else(|| DeskError::NotLoggedIn(agent.clone()))
    }

    fn conversation_or_err(&self, id: &ConversationId) -> Result<&Conversation, DeskError> {
        self.conversations
            .get(id)
            .ok_or_else(|| DeskError::UnknownConversation(id.clone()))
    }

    fn resolve_resource(&self, dispatch_to: Option<&ResourceId>) -> Result<&Resource, DeskError> {
        let id = dispatch_to
            .or(self.config.default_resource.as_ref())
            .ok_or(DeskError::NoDefaultResource)?;
        self.resources
            .get(id)
            .ok_or_else(|| DeskError::UnknownResource(id.clone()))
    }
}

#[cfg(test)]
mod tests;
