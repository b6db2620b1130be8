//! What a supervisor sees of the desk: per resource (queue), the conversations waiting for
//! a person, in the order they are served, with the agent an offer is pending for, the
//! conversations online with an agent, and the agents' after-chat work. Derived from the
//! desk as it is, nothing stored.
//!
//! A conversation whose offer is pending still waits from the visitor's point of view, so
//! it is listed among the waiting ones (first: it is being served now), with `offered_to`
//! and no position. After-chat work is the agent's job, listed under the queue the chat came
//! through (a transferred chat may be waiting elsewhere at the same time).

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::Desk;
use crate::agent::JobPhase;
use crate::conversation::ConversationStatus;
use crate::ids::{AgentId, ConversationId, ResourceId};
use crate::routing;

/// One resource's waiting and live conversations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueOverview {
    /// The resource.
    pub resource: ResourceId,
    /// Its name, when the desk still has the resource.
    pub name: Option<String>,
    /// Offered conversations first, then the waiting ones in the order they are served.
    pub waiting: Vec<WaitingChat>,
    /// Conversations online with an agent, the longest-running first.
    pub live: Vec<LiveChat>,
    /// Agents' after-chat work on conversations of this queue, the oldest first.
    pub wrap_up: Vec<WrapUpChat>,
}

/// A conversation waiting for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingChat {
    /// The conversation.
    pub conversation: ConversationId,
    /// Since when it waits (kept across rejected or timed-out offers; reset by a transfer
    /// or a requeue).
    pub waiting_since: Timestamp,
    /// 1-based place among the conversations of its resource not yet offered to anyone;
    /// `None` while an offer is pending.
    pub position: Option<u32>,
    /// The agent the offer is pending for, if any.
    pub offered_to: Option<AgentId>,
}

/// A conversation online with an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveChat {
    /// The conversation.
    pub conversation: ConversationId,
    /// The agent who has it.
    pub agent: AgentId,
    /// When the agent accepted it.
    pub since: Timestamp,
}

/// A conversation that ended for an agent who is doing its after-chat work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrapUpChat {
    /// The conversation.
    pub conversation: ConversationId,
    /// The agent writing the wrap-up.
    pub agent: AgentId,
    /// When the conversation ended for them (after-chat work began).
    pub since: Timestamp,
}

impl Desk {
    /// Every resource of the desk (and any resource a conversation still names) with its
    /// waiting and live conversations, in resource id order.
    pub fn overview(&self) -> Vec<QueueOverview> {
        let mut queues: BTreeMap<ResourceId, QueueOverview> = self
            .resources
            .values()
            .map(|r| (r.id.clone(), queue(r.id.clone(), Some(r.name.clone()))))
            .collect();
        for conversation in self.conversations.values() {
            let ConversationStatus::WithAgent { agent, job } = &conversation.status else {
                continue;
            };
            let Some(job) = self.agents.get(agent).and_then(|a| a.jobs().get(job)) else {
                continue;
            };
            match job.phase {
                JobPhase::Setup { .. } => {
                    entry(&mut queues, &conversation.resource)
                        .waiting
                        .push(WaitingChat {
                            conversation: conversation.id.clone(),
                            waiting_since: conversation.waiting_since,
                            position: None,
                            offered_to: Some(agent.clone()),
                        })
                }
                JobPhase::Online => {
                    entry(&mut queues, &conversation.resource)
                        .live
                        .push(LiveChat {
                            conversation: conversation.id.clone(),
                            agent: agent.clone(),
                            since: job.started_at.unwrap_or(job.offered_at),
                        })
                }
                JobPhase::Offline { .. } => {}
            }
        }
        for (agent_id, agent) in &self.agents {
            for job in agent.jobs().values() {
                if matches!(job.phase, JobPhase::Offline { .. }) {
                    entry(&mut queues, &job.queue).wrap_up.push(WrapUpChat {
                        conversation: job.conversation.clone(),
                        agent: agent_id.clone(),
                        since: job.ended_at.unwrap_or(job.offered_at),
                    });
                }
            }
        }
        for queue in queues.values_mut() {
            queue.waiting.sort_by(|a, b| {
                (a.waiting_since, &a.conversation).cmp(&(b.waiting_since, &b.conversation))
            });
        }
        for waiting in routing::waiting_in_order(&self.conversations) {
            let list = &mut entry(&mut queues, &waiting.resource).waiting;
            let position = list.iter().filter(|w| w.position.is_some()).count();
            list.push(WaitingChat {
                conversation: waiting.id.clone(),
                waiting_since: waiting.waiting_since,
                position: Some(
                    u32::try_from(position)
                        .unwrap_or(u32::MAX)
                        .saturating_add(1),
                ),
                offered_to: None,
            });
        }
        let mut queues: Vec<QueueOverview> = queues.into_values().collect();
        for queue in &mut queues {
            queue
                .live
                .sort_by(|a, b| (a.since, &a.conversation).cmp(&(b.since, &b.conversation)));
            queue
                .wrap_up
                .sort_by(|a, b| (a.since, &a.agent).cmp(&(b.since, &b.agent)));
        }
        queues
    }
}

/// The overview of `resource`, added (without a name) when the desk no longer has it.
fn entry<'a>(
    queues: &'a mut BTreeMap<ResourceId, QueueOverview>,
    resource: &ResourceId,
) -> &'a mut QueueOverview {
    queues
        .entry(resource.clone())
        .or_insert_with(|| queue(resource.clone(), None))
}

fn queue(resource: ResourceId, name: Option<String>) -> QueueOverview {
    QueueOverview {
        resource,
        name,
        waiting: Vec::new(),
        live: Vec::new(),
        wrap_up: Vec::new(),
    }
}
