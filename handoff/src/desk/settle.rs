//! What runs after every transition: close requests nobody can serve any more, offer
//! waiting conversations to free agents, and tell visitors whose queue position or
//! estimate changed.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::notice::NoticesExt;
use super::{Desk, Notice};
use crate::conversation::QueueStatus;
use crate::ids::{ConversationId, ResourceId};
use crate::routing;
use crate::visitor_event::{ClosedReason, VisitorEvent};

impl Desk {
    /// Brings the desk to rest after a change.
    pub(super) fn settle(&mut self, now: Timestamp, notices: &mut Vec<Notice>) {
        self.close_unserved(notices);
        self.dispatch(now, notices);
        self.tell_queue_positions(notices);
    }

    /// Waiting conversations nobody logged in can be offered any more are closed
    /// (`queue_closed` / `nobody_available`) so the visitor can leave a request: nobody
    /// serves their resource, or everyone who does rejected them (or handed them away), so
    /// the routing would never offer them again.
    fn close_unserved(&mut self, notices: &mut Vec<Notice>) {
        let unserved: Vec<ConversationId> = self
            .conversations
            .values()
            .filter(|c| c.is_waiting() && c.target_agent.is_none())
            .filter(|c| {
                self.resources.get(&c.resource).is_none_or(|resource| {
                    !routing::anyone_logged_in_could_take(c, resource, &self.agents)
                })
            })
            .map(|c| c.id.clone())
            .collect();
        for conversation in unserved {
            self.conversations.remove(&conversation);
            notices.push_visitor(
                &conversation,
                VisitorEvent::QueueClosed {
                    reason: ClosedReason::NobodyAvailable,
                },
            );
        }
    }

    /// Sends `queue_update` to every waiting visitor whose position or estimate changed.
    fn tell_queue_positions(&mut self, notices: &mut Vec<Notice>) {
        // The average handle time per resource, computed once.
        let averages: BTreeMap<ResourceId, u32> = self
            .resources
            .keys()
            .map(|id| (id.clone(), self.average_handle_time_s(id)))
            .collect();
        let mut positions: BTreeMap<ResourceId, u32> = BTreeMap::new();
        let order: Vec<(ConversationId, ResourceId, u32)> =
            routing::waiting_in_order(&self.conversations)
                .into_iter()
                .map(|c| {
                    let slots = self
                        .resources
                        .get(&c.resource)
                        .map_or(0, |r| routing::ready_slots_for(c, r, &self.agents));
                    (c.id.clone(), c.resource.clone(), slots)
                })
                .collect();
        for (conversation, resource, slots) in order {
            let position = positions.entry(resource.clone()).or_insert(0);
            *position = position.saturating_add(1);
            let average = averages.get(&resource).copied().unwrap_or(0);
            let status = QueueStatus {
                position: *position,
                estimated_wait_s: routing::estimated_wait_s(*position, average, slots),
            };
            let Some(entry) = self.conversations.get_mut(&conversation) else {
                continue;
            };
            if entry.told != Some(status) {
                entry.told = Some(status);
                notices.push_visitor(
                    &conversation,
                    VisitorEvent::QueueUpdate {
                        position: status.position,
                        estimated_wait_s: status.estimated_wait_s,
                    },
                );
            }
        }
    }
}
