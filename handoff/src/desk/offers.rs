//! Offers: making one to the right agent, accepting, rejecting, timing out and withdrawing.
//!
//! An offer is made to exactly one agent and is pending until its deadline. Only that agent
//! can accept it, and only while it is pending, so when two agents race for one
//! conversation exactly one wins: the other gets [`DeskError::OfferNotYours`] (the offer is
//! someone else's) or [`DeskError::AlreadyTaken`] (their own offer moved on).

use jiff::Timestamp;

use super::notice::NoticesExt;
use super::{Desk, DeskError, Notice};
use crate::agent::{AgentInput, Job, JobPhase};
use crate::conversation::ConversationStatus;
use crate::event::{DeskEndReason, EventName, JobState};
use crate::ids::{AgentId, ConversationId, OfferId};
use crate::routing;
use crate::time::after;
use crate::visitor_event::VisitorEvent;

impl Desk {
    /// The agent accepts their pending offer: ESTABLISHED + JOBSTARTED, and the visitor
    /// gets `agent_joined`.
    pub fn accept(
        &mut self,
        now: Timestamp,
        agent: &AgentId,
        offer: OfferId,
    ) -> Result<Vec<Notice>, DeskError> {
        self.pending_offer_of(now, agent, offer)?;
        let mut notices = Vec::new();
        let Some(holder) = self.agents.get_mut(agent) else {
            return Err(DeskError::NotLoggedIn(agent.clone()));
        };
        let display_name = holder.profile().display_name().as_str().to_owned();
        let Some(job) = holder.jobs_mut().get_mut(&offer) else {
            return Err(DeskError::UnknownOffer(offer));
        };
        job.phase = JobPhase::Online;
        job.started_at = Some(now);
        let conversation = job.conversation.clone();
        notices.push_agent(agent, job.event(offer, EventName::Established));
        notices.push_agent(
            agent,
            job.event(offer, EventName::JobStarted)
                .with_state(JobState::Online),
        );
        if let Some(entry) = self.conversations.get_mut(&conversation) {
            entry.target_agent = None;
            entry.told = None;
        }
        notices.push_visitor(&conversation, VisitorEvent::AgentJoined { display_name });
        self.settle(now, &mut notices);
        Ok(notices)
    }

    /// The agent rejects their pending offer: JOBFINISHED (`rejected`) and the conversation
    /// goes to the next agent. The agent is not offered this conversation again.
    pub fn reject(
        &mut self,
        now: Timestamp,
        agent: &AgentId,
        offer: OfferId,
    ) -> Result<Vec<Notice>, DeskError> {
        let conversation = self.pending_offer_of(now, agent, offer)?;
        let mut notices = Vec::new();
        self.drop_offer(agent, offer, DeskEndReason::Rejected, &mut notices);
        self.return_to_queue(&conversation, agent);
        if let Some(entry) = self.conversations.get_mut(&conversation) {
            entry.declined_by.insert(agent.clone());
        }
        self.settle(now, &mut notices);
        Ok(notices)
    }

    /// Checks that `offer` is pending for `agent` at `now` and returns its conversation.
    fn pending_offer_of(
        &self,
        now: Timestamp,
        agent: &AgentId,
        offer: OfferId,
    ) -> Result<ConversationId, DeskError> {
        let holder = self.agent_or_err(agent)?;
        match holder.jobs().get(&offer) {
            Some(job) => match job.phase {
                JobPhase::Setup { deadline } if now < deadline => Ok(job.conversation.clone()),
                _ => Err(DeskError::AlreadyTaken(offer)),
            },
            None if self.agents.values().any(|other| {
                other
                    .jobs()
                    .get(&offer)
                    .is_some_and(|j| matches!(j.phase, JobPhase::Setup { .. }))
            }) =>
            {
                Err(DeskError::OfferNotYours(offer))
            }
            None if offer < self.next_offer => Err(DeskError::AlreadyTaken(offer)),
            None => Err(DeskError::UnknownOffer(offer)),
        }
    }

    /// Offers waiting conversations, oldest first, to the agents available longest.
    pub(super) fn dispatch(&mut self, now: Timestamp, notices: &mut Vec<Notice>) {
        // On a busy desk nobody can take an offer: skip sorting the queue.
        if !self
            .agents
            .values()
            .any(crate::agent::Agent::can_take_offer)
        {
            return;
        }
        let waiting: Vec<ConversationId> = routing::waiting_in_order(&self.conversations)
            .into_iter()
            .map(|c| c.id.clone())
            .collect();
        for conversation in waiting {
            let Some(entry) = self.conversations.get(&conversation) else {
                continue;
            };
            let Some(resource) = self.resources.get(&entry.resource) else {
                continue;
            };
            let Some(agent) = routing::pick_agent(entry, resource, &self.agents).cloned() else {
                continue;
            };
            self.make_offer(now, &conversation, &agent, notices);
            if !self
                .agents
                .values()
                .any(crate::agent::Agent::can_take_offer)
            {
                break;
            }
        }
    }

    fn make_offer(
        &mut self,
        now: Timestamp,
        conversation: &ConversationId,
        agent: &AgentId,
        notices: &mut Vec<Notice>,
    ) {
        let Some(entry) = self.conversations.get_mut(conversation) else {
            return;
        };
        let Some(resource) = self.resources.get(&entry.resource) else {
            return;
        };
        let Some(holder) = self.agents.get_mut(agent) else {
            return;
        };
        let offer = self.next_offer;
        self.next_offer = offer.next();
        let job = Job {
            conversation: conversation.clone(),
            queue: resource.id.clone(),
            phase: JobPhase::Setup {
                deadline: after(now, resource.offer_timeout_s),
            },
            offered_at: now,
            started_at: None,
            ended_at: None,
        };
        for name in [
            EventName::JobScheduled,
            EventName::JobChanged,
            EventName::Popup,
        ] {
            notices.push_agent(agent, job.event(offer, name));
        }
        holder.jobs_mut().insert(offer, job);
        holder.mark_offered(now);
        entry.status = ConversationStatus::WithAgent {
            agent: agent.clone(),
            job: offer,
        };
    }

    /// The offer passed its deadline: JOBFINISHED (`timeout`), the agent goes FORCED and the
    /// conversation returns to the queue for the next agent.
    pub(super) fn offer_timed_out(
        &mut self,
        now: Timestamp,
        agent: &AgentId,
        offer: OfferId,
        notices: &mut Vec<Notice>,
    ) {
        let Some(conversation) = self.drop_offer(agent, offer, DeskEndReason::Timeout, notices)
        else {
            return;
        };
        self.return_to_queue(&conversation, agent);
        let reasons = self.config.pause_reasons.clone();
        if let Some(holder) = self.agents.get_mut(agent)
            && let Ok(events) = holder.apply(now, AgentInput::OfferTimedOut, &reasons)
        {
            for event in events {
                notices.push_agent(agent, event);
            }
        }
    }

    /// Withdraws the agent's pending offer, if any (pause, logout, lost connection), and
    /// puts the conversation back in the queue.
    pub(super) fn withdraw_pending_offer(&mut self, agent: &AgentId, notices: &mut Vec<Notice>) {
        let Some(offer) = self
            .agents
            .get(agent)
            .and_then(|a| a.pending_offer())
            .map(|(id, _)| id)
        else {
            return;
        };
        if let Some(conversation) = self.drop_offer(agent, offer, DeskEndReason::Withdrawn, notices)
        {
            self.return_to_queue(&conversation, agent);
        }
    }

    /// Removes a setup job and tells the agent JOBFINISHED with `reason`; returns the
    /// conversation, which the caller puts back or removes.
    pub(super) fn drop_offer(
        &mut self,
        agent: &AgentId,
        offer: OfferId,
        reason: DeskEndReason,
        notices: &mut Vec<Notice>,
    ) -> Option<ConversationId> {
        let holder = self.agents.get_mut(agent)?;
        if !matches!(holder.jobs().get(&offer)?.phase, JobPhase::Setup { .. }) {
            return None;
        }
        let job = holder.jobs_mut().remove(&offer)?;
        notices.push_agent(
            agent,
            job.event(offer, EventName::JobFinished)
                .with_end_reason(reason),
        );
        Some(job.conversation)
    }

    /// Puts a conversation that was offered to `agent` back in the queue; a transfer aimed
    /// at that agent is dropped so normal routing takes over.
    fn return_to_queue(&mut self, conversation: &ConversationId, agent: &AgentId) {
        if let Some(entry) = self.conversations.get_mut(conversation) {
            entry.status = ConversationStatus::Waiting;
            if entry.target_agent.as_ref() == Some(agent) {
                entry.target_agent = None;
            }
        }
    }
}
