//! The agent's side of an online conversation: ending it, after-chat work, transfers.
//!
//! Ending (by either side) emits CONNECTIONCLEARED then JOBCHANGED with `job_state`
//! offline: the agent is in wrap-up until they submit a disposition or the resource's
//! wrap-up limit passes, then JOBFINISHED and the slot is free. A transfer ends the
//! agent's part the same way (reason `transferred`) while the conversation waits at the
//! front of the target queue, keeping its id and therefore its history at the edge (unless
//! its visitor was found gone during the chat: then the wait is cancelled at once).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::notice::NoticesExt;
use super::{Desk, DeskError, JobOutcome, JobRecord, Notice};
use crate::agent::JobPhase;
use crate::conversation::ConversationStatus;
use crate::event::{DeskEndReason, EventName, JobState};
use crate::ids::{AgentId, ConversationId, OfferId, ResourceId};
use crate::time::{after, seconds_between};
use crate::visitor_event::{EndedBy, VisitorEvent};
use crate::wrap_up::WrapUp;

/// Where a conversation is transferred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum TransferTarget {
    /// Another resource (queue); anyone serving it but the current agent may take it.
    Resource(ResourceId),
    /// A named agent, who gets the next offer regardless of skills.
    Agent(AgentId),
}

impl Desk {
    /// The agent ends a conversation they are online with.
    pub fn end_by_agent(
        &mut self,
        now: Timestamp,
        agent: &AgentId,
        conversation: &ConversationId,
    ) -> Result<Vec<Notice>, DeskError> {
        let job = self.online_job_of(agent, conversation)?;
        let mut notices = Vec::new();
        self.close_online_job(now, agent, job, DeskEndReason::Agent, &mut notices);
        self.conversations.remove(conversation);
        notices.push_visitor(
            conversation,
            VisitorEvent::ConversationEnded { by: EndedBy::Agent },
        );
        self.settle(now, &mut notices);
        Ok(notices)
    }

    /// The agent submits after-chat work: JOBFINISHED with the disposition as `reason`.
    pub fn submit_wrap_up(
        &mut self,
        now: Timestamp,
        agent: &AgentId,
        job: OfferId,
        wrap_up: WrapUp,
    ) -> Result<Vec<Notice>, DeskError> {
        let phase = self.agent_or_err(agent)?.jobs().get(&job).map(|j| j.phase);
        match phase {
            None => return Err(DeskError::UnknownJob(job)),
            Some(JobPhase::Offline { .. }) => {}
            Some(_) => return Err(DeskError::NotInWrapUp(job)),
        }
        let mut notices = Vec::new();
        self.finish_job(
            now,
            agent,
            job,
            JobOutcome::WrappedUp,
            Some(wrap_up),
            &mut notices,
        );
        self.settle(now, &mut notices);
        Ok(notices)
    }

    /// The agent hands an online conversation to another resource or agent.
    pub fn transfer(
        &mut self,
        now: Timestamp,
        agent: &AgentId,
        conversation: &ConversationId,
        target: TransferTarget,
    ) -> Result<Vec<Notice>, DeskError> {
        let job = self.online_job_of(agent, conversation)?;
        match &target {
            TransferTarget::Agent(other) if other == agent => {
                return Err(DeskError::TransferToSelf);
            }
            TransferTarget::Agent(other) => {
                if !self.agents.contains_key(other) {
                    return Err(DeskError::TransferTargetUnavailable(other.clone()));
                }
            }
            TransferTarget::Resource(id) => {
                let resource = self
                    .resources
                    .get(id)
                    .ok_or_else(|| DeskError::UnknownResource(id.clone()))?;
                let someone_else = self.agents.iter().any(|(other_id, other)| {
                    other_id != agent && resource.served_by(other.profile().skills())
                });
                if !someone_else {
                    return Err(DeskError::NobodyToTransferTo(id.clone()));
                }
            }
        }
        let display_name = self
            .agent_or_err(agent)?
            .profile()
            .display_name()
            .as_str()
            .to_owned();
        let mut notices = Vec::new();
        self.close_online_job(now, agent, job, DeskEndReason::Transferred, &mut notices);
        notices.push_visitor(conversation, VisitorEvent::AgentLeft { display_name });
        if self.cancel_if_visitor_gone(conversation, &mut notices) {
            self.settle(now, &mut notices);
            return Ok(notices);
        }
        if let Some(entry) = self.conversations.get_mut(conversation) {
            entry.requeue_at_front(now);
            entry.declined_by.insert(agent.clone());
            entry.told = None;
            match target {
                TransferTarget::Resource(id) => {
                    entry.resource = id;
                    entry.target_agent = None;
                }
                TransferTarget::Agent(other) => entry.target_agent = Some(other),
            }
        }
        self.settle(now, &mut notices);
        Ok(notices)
    }

    /// The job of `agent` that is online with `conversation`.
    fn online_job_of(
        &self,
        agent: &AgentId,
        conversation: &ConversationId,
    ) -> Result<OfferId, DeskError> {
        let holder = self.agent_or_err(agent)?;
        let entry = self.conversation_or_err(conversation)?;
        match &entry.status {
            ConversationStatus::WithAgent { agent: owner, job }
                if owner == agent
                    && holder
                        .jobs()
                        .get(job)
                        .is_some_and(|j| j.phase == JobPhase::Online) =>
            {
                Ok(*job)
            }
            _ => Err(DeskError::NotYourConversation(conversation.clone())),
        }
    }

    /// Ends the online phase of a job: CONNECTIONCLEARED (`reason` says who or why) and
    /// JOBCHANGED offline; with a zero wrap-up limit the job finishes at once.
    pub(super) fn close_online_job(
        &mut self,
        now: Timestamp,
        agent: &AgentId,
        job: OfferId,
        reason: DeskEndReason,
        notices: &mut Vec<Notice>,
    ) {
        let Some(open) = self
            .agents
            .get_mut(agent)
            .and_then(|a| a.jobs_mut().get_mut(&job))
        else {
            return;
        };
        let limit = self
            .resources
            .get(&open.queue)
            .map_or(0, |r| r.wrap_up_limit_s);
        open.ended_at = Some(now);
        notices.push_agent(
            agent,
            open.event(job, EventName::ConnectionCleared)
                .with_end_reason(reason),
        );
        open.phase = JobPhase::Offline {
            deadline: after(now, limit),
        };
        notices.push_agent(
            agent,
            open.event(job, EventName::JobChanged)
                .with_state(JobState::Offline),
        );
        if limit == 0 {
            self.finish_job(now, agent, job, JobOutcome::WrapUpLimit, None, notices);
        }
    }

    /// Removes a job that went online: JOBFINISHED, a [`JobRecord`], and a handle-time
    /// sample when the job ended normally.
    pub(super) fn finish_job(
        &mut self,
        now: Timestamp,
        agent: &AgentId,
        job: OfferId,
        outcome: JobOutcome,
        wrap_up: Option<WrapUp>,
        notices: &mut Vec<Notice>,
    ) {
        let Some(done) = self
            .agents
            .get_mut(agent)
            .and_then(|a| a.jobs_mut().remove(&job))
        else {
            return;
        };
        let reason = match (&wrap_up, outcome) {
            (Some(w), _) => w.disposition().as_str(),
            (None, JobOutcome::WrappedUp | JobOutcome::WrapUpLimit) => {
                DeskEndReason::WrapUpLimit.as_str()
            }
            (None, JobOutcome::AgentLost) => DeskEndReason::AgentLost.as_str(),
            (None, JobOutcome::LoggedOut) => DeskEndReason::Logout.as_str(),
        };
        let started_at = done.started_at.unwrap_or(done.offered_at);
        let ended_at = done.ended_at.unwrap_or(now);
        let mut event = done
            .event(job, EventName::JobFinished)
            .with_state(JobState::Offline)
            .with_reason(reason);
        event.offline_start_time = Some(crate::time::millis(ended_at));
        event.end_time = Some(crate::time::millis(ended_at));
        event.offline_end_time = Some(crate::time::millis(now));
        notices.push_agent(agent, event);
        if matches!(outcome, JobOutcome::WrappedUp | JobOutcome::WrapUpLimit) {
            let window = usize::from(self.config.handle_time_window);
            self.handle_times
                .entry(done.queue.clone())
                .or_default()
                .record(seconds_between(started_at, now), window);
        }
        notices.push(Notice::JobFinished(JobRecord {
            job,
            agent: agent.clone(),
            conversation: done.conversation,
            queue: done.queue,
            offered_at: done.offered_at,
            started_at,
            ended_at,
            finished_at: now,
            wrap_up,
            outcome,
        }));
    }
}
