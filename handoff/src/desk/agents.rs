//! Agents coming and going: login, logout, state switcher, lost and restored connections.
//!
//! - Login of a logged-in agent is a reconnect: no event, the grace is cancelled, the
//!   profile from the first login stays until logout.
//! - Logout is refused while the agent has online conversations. A pending offer is
//!   withdrawn (it goes to the next agent) and after-chat work is closed (`logout`).
//! - Pausing withdraws a pending offer but keeps online conversations.
//! - A lost connection withdraws a pending offer at once and starts the grace period
//!   ([`DeskConfig::disconnect_grace_s`](super::DeskConfig)); the visitors of the agent's
//!   online conversations are told `agent_reconnecting`, and `agent_reconnected` when the
//!   agent is back in time (a reconnect or a login again). If the agent is not back when
//!   it ends, `tick` requeues their online conversations at the front, tells those visitors
//!   `agent_left`, closes after-chat work (`agent_lost`) and logs the agent out.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::notice::NoticesExt;
use super::{Desk, DeskError, JobOutcome, Notice};
use crate::agent::{Agent, AgentError, AgentInput, AgentProfile, JobPhase, PauseCode};
use crate::event::{AgentEvent, DeskEndReason, EventName};
use crate::ids::{AgentId, OfferId};
use crate::visitor_event::VisitorEvent;

/// A state the agent chooses in the console's state switcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AgentStateRequest {
    /// Available for offers.
    Ready,
    /// Paused, optionally with a configured reason code.
    Pause {
        /// The reason code.
        #[serde(default)]
        reason: Option<PauseCode>,
    },
}

impl Desk {
    /// Logs an agent in (LOGGEDIN), or reconnects one who is logged in already.
    pub fn login(
        &mut self,
        now: Timestamp,
        profile: AgentProfile,
    ) -> Result<Vec<Notice>, DeskError> {
        let id = profile.id().clone();
        let reasons = self.config.pause_reasons.clone();
        let agent = self
            .agents
            .entry(id.clone())
            .or_insert_with(|| Agent::logged_out(profile));
        let was_lost = agent.disconnected_at().is_some();
        let events = agent.apply(now, AgentInput::Login, &reasons)?;
        let mut notices = Vec::new();
        for event in events {
            notices.push_agent(&id, event);
        }
        if was_lost {
            self.tell_visitors_of(
                &id,
                |display_name| VisitorEvent::AgentReconnected { display_name },
                &mut notices,
            );
        }
        self.settle(now, &mut notices);
        Ok(notices)
    }

    /// The agent's connection came back within the grace period.
    pub fn agent_reconnected(
        &mut self,
        now: Timestamp,
        agent: &AgentId,
    ) -> Result<Vec<Notice>, DeskError> {
        let was_lost = self.agent_or_err(agent)?.disconnected_at().is_some();
        let reasons = self.config.pause_reasons.clone();
        if let Some(holder) = self.agents.get_mut(agent) {
            holder.apply(now, AgentInput::Login, &reasons)?;
        }
        let mut notices = Vec::new();
        if was_lost {
            self.tell_visitors_of(
                agent,
                |display_name| VisitorEvent::AgentReconnected { display_name },
                &mut notices,
            );
        }
        self.settle(now, &mut notices);
        Ok(notices)
    }

    /// The agent's connection was lost: withdraw their offer, start the grace period.
    pub fn agent_disconnected(
        &mut self,
        now: Timestamp,
        agent: &AgentId,
    ) -> Result<Vec<Notice>, DeskError> {
        let was_lost = self.agent_or_err(agent)?.disconnected_at().is_some();
        let mut notices = Vec::new();
        self.withdraw_pending_offer(agent, &mut notices);
        if let Some(holder) = self.agents.get_mut(agent) {
            holder.mark_disconnected(now);
        }
        if !was_lost {
            self.tell_visitors_of(
                agent,
                |display_name| VisitorEvent::AgentReconnecting { display_name },
                &mut notices,
            );
        }
        self.settle(now, &mut notices);
        Ok(notices)
    }

    /// Logs an agent out (LOGGEDOUT); refused while they have online conversations.
    pub fn logout(&mut self, now: Timestamp, agent: &AgentId) -> Result<Vec<Notice>, DeskError> {
        let online = self.agent_or_err(agent)?.online_count();
        if online > 0 {
            return Err(AgentError::ConversationsActive { count: online }.into());
        }
        let mut notices = Vec::new();
        self.withdraw_pending_offer(agent, &mut notices);
        for job in self.jobs_in(agent, |phase| matches!(phase, JobPhase::Offline { .. })) {
            self.finish_job(now, agent, job, JobOutcome::LoggedOut, None, &mut notices);
        }
        self.remove_agent(now, agent, &mut notices);
        self.settle(now, &mut notices);
        Ok(notices)
    }

    /// The state switcher: ready, or pause with an optional configured reason.
    pub fn set_state(
        &mut self,
        now: Timestamp,
        agent: &AgentId,
        request: AgentStateRequest,
    ) -> Result<Vec<Notice>, DeskError> {
        self.agent_or_err(agent)?;
        let input = match request {
            AgentStateRequest::Ready => AgentInput::Ready,
            AgentStateRequest::Pause { reason } => {
                if let Some(code) = reason
                    && !self.config.pause_reasons.iter().any(|r| r.code == code)
                {
                    return Err(AgentError::UnknownPauseReason(code).into());
                }
                AgentInput::Pause(reason)
            }
        };
        let mut notices = Vec::new();
        if matches!(input, AgentInput::Pause(_)) {
            self.withdraw_pending_offer(agent, &mut notices);
        }
        let reasons = self.config.pause_reasons.clone();
        if let Some(holder) = self.agents.get_mut(agent) {
            for event in holder.apply(now, input, &reasons)? {
                notices.push_agent(agent, event);
            }
        }
        self.settle(now, &mut notices);
        Ok(notices)
    }

    /// The grace period of a disconnected agent is over.
    pub(super) fn agent_lost(
        &mut self,
        now: Timestamp,
        agent: &AgentId,
        notices: &mut Vec<Notice>,
    ) {
        let Some(holder) = self.agents.get(agent) else {
            return;
        };
        let display_name = holder.profile().display_name().as_str().to_owned();
        self.withdraw_pending_offer(agent, notices);
        for job in self.jobs_in(agent, |phase| phase == JobPhase::Online) {
            let Some(open) = self
                .agents
                .get_mut(agent)
                .and_then(|a| a.jobs_mut().get_mut(&job))
            else {
                continue;
            };
            open.ended_at = Some(now);
            let conversation = open.conversation.clone();
            notices.push_agent(
                agent,
                open.event(job, EventName::ConnectionCleared)
                    .with_end_reason(DeskEndReason::AgentLost),
            );
            self.finish_job(now, agent, job, JobOutcome::AgentLost, None, notices);
            notices.push_visitor(
                &conversation,
                VisitorEvent::AgentLeft {
                    display_name: display_name.clone(),
                },
            );
            if self.cancel_if_visitor_gone(&conversation, notices) {
                continue;
            }
            if let Some(entry) = self.conversations.get_mut(&conversation) {
                entry.requeue_at_front(now);
                entry.told = None;
            }
        }
        for job in self.jobs_in(agent, |phase| matches!(phase, JobPhase::Offline { .. })) {
            self.finish_job(now, agent, job, JobOutcome::AgentLost, None, notices);
        }
        self.remove_agent(now, agent, notices);
    }

    /// Logs out an agent without open jobs and forgets them; transfers aimed at them are
    /// dropped so the conversations route normally.
    fn remove_agent(&mut self, now: Timestamp, agent: &AgentId, notices: &mut Vec<Notice>) {
        let reasons = self.config.pause_reasons.clone();
        let Some(holder) = self.agents.get_mut(agent) else {
            return;
        };
        match holder.apply(now, AgentInput::Logout, &reasons) {
            Ok(events) => {
                for event in events {
                    notices.push_agent(agent, event);
                }
            }
            Err(_) => notices.push_agent(agent, AgentEvent::agent(EventName::LoggedOut)),
        }
        self.agents.remove(agent);
        for entry in self.conversations.values_mut() {
            if entry.target_agent.as_ref() == Some(agent) {
                entry.target_agent = None;
            }
        }
    }

    /// Tells the visitor of each conversation online with `agent` the event made from the
    /// agent's display name.
    fn tell_visitors_of(
        &self,
        agent: &AgentId,
        event: impl Fn(String) -> VisitorEvent,
        notices: &mut Vec<Notice>,
    ) {
        let Some(holder) = self.agents.get(agent) else {
            return;
        };
        let display_name = holder.profile().display_name().as_str();
        for job in holder.jobs().values() {
            if job.phase == JobPhase::Online {
                notices.push_visitor(&job.conversation, event(display_name.to_owned()));
            }
        }
    }

    /// The agent's job ids whose phase matches.
    fn jobs_in(&self, agent: &AgentId, phase: impl Fn(JobPhase) -> bool) -> Vec<OfferId> {
        self.agents.get(agent).map_or_else(Vec::new, |a| {
            a.jobs()
                .iter()
                .filter(|(_, job)| phase(job.phase))
                .map(|(id, _)| *id)
                .collect()
        })
    }
}
