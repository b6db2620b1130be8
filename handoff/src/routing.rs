//! Routing rules: which waiting conversation goes first, which agent gets it, and how long
//! a visitor should expect to wait.
//!
//! - Queue order: conversations requeued after a transfer or a lost agent first, then the
//!   oldest request, then arrival order.
//! - Agent choice: among agents who are Ready, connected, without a pending offer, below
//!   their capacity, with every skill of the resource and who did not reject this
//!   conversation, the one available longest (earliest "available since"; ties by id). A
//!   conversation transferred to a named agent is offered only to that agent (skills are
//!   not checked: a person chose them). A waiting conversation that no signed-in agent
//!   could ever be offered (none serves it, or all who do rejected it) is closed.
//! - Estimated wait: `ceil(position x average handle time / ready slots)`, where the
//!   average is over the resource's last N handle times (accept to JOBFINISHED, wrap-up
//!   included) or the configured default before any sample exists, and ready slots is the
//!   summed capacity of the connected Ready agents who could be offered this very
//!   conversation (they serve the resource and did not reject it; only the named agent of
//!   a transfer to a person). Without any such slot there is no estimate: nobody could be
//!   offered the conversation now, so any number would be made up.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::agent::{Agent, AgentState};
use crate::conversation::Conversation;
use crate::ids::{AgentId, ConversationId};
use crate::resource::Resource;

/// The waiting conversations in the order they are served.
pub(crate) fn waiting_in_order(
    conversations: &BTreeMap<ConversationId, Conversation>,
) -> Vec<&Conversation> {
    let mut waiting: Vec<&Conversation> =
        conversations.values().filter(|c| c.is_waiting()).collect();
    waiting.sort_by_key(|c| c.queue_key());
    waiting
}

/// The agent who should be offered `conversation` now, if anyone.
pub(crate) fn pick_agent<'a>(
    conversation: &Conversation,
    resource: &Resource,
    agents: &'a BTreeMap<AgentId, Agent>,
) -> Option<&'a AgentId> {
    agents
        .values()
        .filter(|agent| agent.can_take_offer())
        .filter(|agent| match conversation.target_agent() {
            Some(target) => target == agent.profile().id(),
            None => {
                resource.served_by(agent.profile().skills())
                    && !conversation.declined_by().contains(agent.profile().id())
            }
        })
        .min_by_key(|agent| (agent.available_since(), agent.profile().id()))
        .map(|agent| agent.profile().id())
}

/// Summed capacity of the connected Ready agents who could be offered `conversation` of
/// `resource`: the agent it was transferred to, or those who serve the resource and did
/// not reject it (nor hand it away).
pub(crate) fn ready_slots_for(
    conversation: &Conversation,
    resource: &Resource,
    agents: &BTreeMap<AgentId, Agent>,
) -> u32 {
    agents
        .values()
        .filter(|a| a.state() == AgentState::Ready && a.disconnected_at().is_none())
        .filter(|a| match conversation.target_agent() {
            Some(target) => target == a.profile().id(),
            None => {
                resource.served_by(a.profile().skills())
                    && !conversation.declined_by().contains(a.profile().id())
            }
        })
        .map(|a| u32::from(a.profile().capacity()))
        .sum()
}

/// Whether anyone logged in (in any state, even paused or reconnecting) could serve
/// `resource`.
pub(crate) fn anyone_logged_in_for(resource: &Resource, agents: &BTreeMap<AgentId, Agent>) -> bool {
    agents
        .values()
        .any(|a| a.state() != AgentState::LoggedOut && resource.served_by(a.profile().skills()))
}

/// Whether anyone logged in (in any state) could still be offered the waiting
/// `conversation` of `resource`: they serve it and did not reject it (nor hand it away).
pub(crate) fn anyone_logged_in_could_take(
    conversation: &Conversation,
    resource: &Resource,
    agents: &BTreeMap<AgentId, Agent>,
) -> bool {
    agents.values().any(|a| {
        a.state() != AgentState::LoggedOut
            && resource.served_by(a.profile().skills())
            && !conversation.declined_by().contains(a.profile().id())
    })
}

/// Estimated wait in seconds for the visitor at `position` (1 = next); `None` without a
/// ready slot (nobody could be offered the conversation now).
pub fn estimated_wait_s(position: u32, average_handle_s: u32, ready_slots: u32) -> Option<u32> {
    let total = u64::from(position) * u64::from(average_handle_s);
    let slots = u64::from(ready_slots);
    (slots > 0).then(|| u32::try_from(total.div_ceil(slots)).unwrap_or(u32::MAX))
}

/// The most recent handle times of one resource, in seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HandleTimes {
    samples: VecDeque<u32>,
}

impl HandleTimes {
    /// Adds a sample, keeping only the last `window` ones.
    pub fn record(&mut self, seconds: u32, window: usize) {
        self.samples.push_back(seconds);
        while self.samples.len() > window.max(1) {
            self.samples.pop_front();
        }
    }

    /// The average of the kept samples, rounded up; `None` before the first one.
    pub fn average_s(&self) -> Option<u32> {
        let count = u64::try_from(self.samples.len()).ok().filter(|n| *n > 0)?;
        let sum: u64 = self.samples.iter().map(|s| u64::from(*s)).sum();
        u32::try_from(sum.div_ceil(count)).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_shares_the_queue_among_ready_slots() {
        assert_eq!(estimated_wait_s(1, 120, 2), Some(60));
        assert_eq!(estimated_wait_s(3, 120, 2), Some(180));
        assert_eq!(estimated_wait_s(1, 100, 3), Some(34), "rounded up");
        assert_eq!(
            estimated_wait_s(2, 60, 0),
            None,
            "no ready slot, no estimate"
        );
        assert_eq!(
            estimated_wait_s(u32::MAX, u32::MAX, 1),
            Some(u32::MAX),
            "saturates"
        );
    }

    #[test]
    fn handle_times_keep_a_moving_window() {
        let mut times = HandleTimes::default();
        assert_eq!(times.average_s(), None);
        for seconds in [100, 200, 300, 400] {
            times.record(seconds, 3);
        }
        assert_eq!(times.average_s(), Some(300));
        times.record(1, 1);
        assert_eq!(times.average_s(), Some(1));
    }
}
