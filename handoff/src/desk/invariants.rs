//! The rules a desk always keeps, checked on demand: by the property tests after every
//! step, and by the edge after loading a stored desk if it wants to.
//!
//! 1. A conversation with an agent points at an open setup or online job of a logged-in
//!    agent for that very conversation, and every setup or online job is pointed at by
//!    exactly one conversation: no conversation is owned by two agents, and every offered
//!    conversation is in exactly one place.
//! 2. No agent holds more jobs than their capacity, nor more than one pending offer, and
//!    only a Ready, connected agent holds one.
//! 3. Every conversation's resource exists; every job id was issued by this desk.

use std::collections::BTreeMap;

use super::Desk;
use crate::agent::{AgentState, JobPhase};
use crate::conversation::ConversationStatus;
use crate::ids::{AgentId, OfferId};

/// A broken rule, described for a log line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("desk invariant violated: {0}")]
pub struct InvariantViolation(pub String);

impl Desk {
    /// Checks every invariant (see the module docs).
    pub fn verify_invariants(&self) -> Result<(), InvariantViolation> {
        let fail = |text: String| Err(InvariantViolation(text));
        let mut pointed: BTreeMap<(AgentId, OfferId), usize> = BTreeMap::new();
        for (id, conversation) in &self.conversations {
            if id != &conversation.id {
                return fail(format!(
                    "conversation stored under {id} is {}",
                    conversation.id
                ));
            }
            if !self.resources.contains_key(&conversation.resource) {
                return fail(format!(
                    "{id} uses missing resource {}",
                    conversation.resource
                ));
            }
            let ConversationStatus::WithAgent { agent, job } = &conversation.status else {
                continue;
            };
            let Some(open) = self.agents.get(agent).and_then(|a| a.jobs().get(job)) else {
                return fail(format!("{id} points at missing job {job} of {agent}"));
            };
            if open.conversation != *id || open.phase_is_closed() {
                return fail(format!(
                    "{id} points at job {job} of {agent} which is not its own"
                ));
            }
            *pointed.entry((agent.clone(), *job)).or_default() += 1;
        }
        for (id, agent) in &self.agents {
            if id != agent.profile().id() || agent.state() == AgentState::LoggedOut {
                return fail(format!("agent entry {id} is inconsistent"));
            }
            let jobs = agent.jobs();
            if jobs.len() > usize::from(agent.profile().capacity()) {
                return fail(format!("{id} holds {} jobs over capacity", jobs.len()));
            }
            let pending = jobs
                .values()
                .filter(|j| matches!(j.phase, JobPhase::Setup { .. }))
                .count();
            let may_hold = agent.state() == AgentState::Ready && agent.disconnected_at().is_none();
            if pending > 1 || (pending == 1 && !may_hold) {
                return fail(format!(
                    "{id} holds {pending} pending offers in {:?}",
                    agent.state()
                ));
            }
            for (job_id, job) in jobs {
                if *job_id >= self.next_offer {
                    return fail(format!("job {job_id} of {id} was never issued"));
                }
                let count = pointed.get(&(id.clone(), *job_id)).copied().unwrap_or(0);
                let expected = usize::from(!job.phase_is_closed());
                if count != expected {
                    return fail(format!(
                        "job {job_id} of {id} ({:?}) is referenced by {count} conversations",
                        job.phase
                    ));
                }
            }
        }
        Ok(())
    }
}

impl crate::agent::Job {
    /// Whether the conversation has left this job (after-chat work).
    fn phase_is_closed(&self) -> bool {
        matches!(self.phase, JobPhase::Offline { .. })
    }
}
