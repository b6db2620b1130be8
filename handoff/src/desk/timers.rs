//! Deadlines: offers, wrap-up limits, lost-connection graces and maximum waits.
//!
//! The edge keeps one timer per desk at [`Desk::next_deadline`] and calls [`Desk::tick`]
//! with the current time when it fires (and after any transition, re-reads the deadline).
//! `tick` fires everything due, oldest deadline first, then routes again.

use jiff::Timestamp;

use super::notice::NoticesExt;
use super::{Desk, JobOutcome, Notice};
use crate::agent::JobPhase;
use crate::ids::{AgentId, ConversationId, OfferId};
use crate::time::after;
use crate::visitor_event::{ClosedReason, VisitorEvent};

/// Something that happens at a deadline.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    /// An offer's deadline: the agent goes FORCED, the next agent gets it.
    Offer(AgentId, OfferId),
    /// A wrap-up limit: the job finishes without a disposition.
    WrapUp(AgentId, OfferId),
    /// A disconnected agent's grace period ends.
    Grace(AgentId),
    /// A visitor waited the resource's maximum.
    MaxWait(ConversationId),
}

impl Desk {
    /// The earliest instant at which [`Desk::tick`] has something to do.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.deadlines().into_iter().map(|(at, _)| at).min()
    }

    /// Fires everything due at `now`, earliest deadline first. A firing can make something
    /// else due (an offer that times out puts its conversation back under the maximum
    /// wait), so deadlines are re-read after each one until nothing is due.
    pub fn tick(&mut self, now: Timestamp) -> Vec<Notice> {
        let mut notices = Vec::new();
        // Every firing removes what it fired; the bound only guards against a future bug.
        let mut budget = self.deadlines().len().saturating_mul(4).saturating_add(16);
        let mut fired = false;
        while budget > 0 {
            budget -= 1;
            let Some((_, what)) = self
                .deadlines()
                .into_iter()
                .filter(|(at, _)| *at <= now)
                .min()
            else {
                break;
            };
            fired = true;
            match what {
                Due::Offer(agent, offer) => self.offer_timed_out(now, &agent, offer, &mut notices),
                Due::WrapUp(agent, job) => {
                    self.finish_job(
                        now,
                        &agent,
                        job,
                        JobOutcome::WrapUpLimit,
                        None,
                        &mut notices,
                    );
                }
                Due::Grace(agent) => self.agent_lost(now, &agent, &mut notices),
                Due::MaxWait(conversation) => {
                    self.conversations.remove(&conversation);
                    notices.push_visitor(
                        &conversation,
                        VisitorEvent::QueueClosed {
                            reason: ClosedReason::WaitTooLong,
                        },
                    );
                }
            }
        }
        // Every transition leaves the desk at rest, so without a firing there is nothing to
        // route or tell.
        if fired {
            self.settle(now, &mut notices);
        }
        notices
    }

    fn deadlines(&self) -> Vec<(Timestamp, Due)> {
        let mut all = Vec::new();
        for (id, agent) in &self.agents {
            for (job_id, job) in agent.jobs() {
                match job.phase {
                    JobPhase::Setup { deadline } => {
                        all.push((deadline, Due::Offer(id.clone(), *job_id)));
                    }
                    JobPhase::Offline { deadline } => {
                        all.push((deadline, Due::WrapUp(id.clone(), *job_id)));
                    }
                    JobPhase::Online => {}
                }
            }
            if let Some(lost) = agent.disconnected_at() {
                all.push((
                    after(lost, self.config.disconnect_grace_s),
                    Due::Grace(id.clone()),
                ));
            }
        }
        for conversation in self.conversations.values().filter(|c| c.is_waiting()) {
            let max_wait = self
                .resources
                .get(&conversation.resource)
                .and_then(|r| r.max_wait_s);
            if let Some(seconds) = max_wait {
                all.push((
                    after(conversation.waiting_since, seconds),
                    Due::MaxWait(conversation.id.clone()),
                ));
            }
        }
        all
    }
}
