//! One agent at the desk: their AgentDesktop state, their jobs and their place in the
//! "available longest" order.
//!
//! States and the events each transition emits:
//!
//! | from \ input | login | logout | ready | pause | pause with code `c` | offer timed out |
//! |---|---|---|---|---|---|---|
//! | LoggedOut | Ready: LOGGEDIN | refused | refused | refused | refused | refused |
//! | Ready | no change | LoggedOut: LOGGEDOUT | no change | PAUSE | PAUSE, PAUSESUBSTATE `c` | Forced: FORCED |
//! | Paused | no change | LOGGEDOUT | LOGGEDIN | no change / PAUSE from a sub-state | PAUSESUBSTATE `c` (none if same) | refused |
//! | Forced | no change | LOGGEDOUT | LOGGEDIN | PAUSE | PAUSE, PAUSESUBSTATE `c` | refused |
//!
//! Logging in again while logged in keeps the state and cancels a lost-connection grace
//! (the console reconnects without a password). Logout is refused while the agent has
//! online conversations: they must end or transfer them first (the desk withdraws a pending
//! offer and closes after-chat work itself). Pausing keeps the current conversations; it
//! only stops new offers. An unknown pause code is refused.
//!
//! "Available since" is set when the agent becomes Ready and again whenever they receive an
//! offer, so routing rotates among ready agents: the one who waited longest for work goes
//! first.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::event::{AgentEvent, EventName};
use crate::ids::{AgentId, ConversationId, OfferId, ResourceId, Skill};
use crate::operator::{DisplayName, OperatorError};

/// A refused agent transition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// The agent is not logged in.
    #[error("the agent is not logged in")]
    NotLoggedIn,
    /// Logout while conversations are online.
    #[error("the agent still has {count} online conversation(s); end or transfer them first")]
    ConversationsActive {
        /// Online conversations.
        count: usize,
    },
    /// Logout while an offer or after-chat work is still open (the desk closes those first).
    #[error("the agent still has {count} open job(s)")]
    JobsOpen {
        /// Open jobs.
        count: usize,
    },
    /// The pause code is not among the site's configured reasons.
    #[error("unknown pause reason {0}")]
    UnknownPauseReason(PauseCode),
    /// Only a ready agent can time out on an offer.
    #[error("the agent is not ready")]
    NotReady,
}

/// A configured pause sub-state code, such as 1701 (sent as `reason` of PAUSESUBSTATE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PauseCode(pub u16);

impl fmt::Display for PauseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A pause reason the site offers in the console's state switcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseReason {
    /// The code sent in PAUSESUBSTATE.
    pub code: PauseCode,
    /// The label (a message key or plain text chosen by the site admin).
    pub label: String,
}

/// What the desk knows about an agent from their operator account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ProfileRecord", into = "ProfileRecord")]
pub struct AgentProfile {
    id: AgentId,
    display_name: DisplayName,
    capacity: u8,
    skills: BTreeSet<Skill>,
}

#[derive(Serialize, Deserialize)]
struct ProfileRecord {
    id: AgentId,
    display_name: DisplayName,
    capacity: u8,
    skills: BTreeSet<Skill>,
}

impl AgentProfile {
    /// Highest accepted capacity.
    pub const MAX_CAPACITY: u8 = 20;

    /// A profile; `capacity` (1..=20) counts conversations offered, online and in wrap-up.
    pub fn new(
        id: AgentId,
        display_name: DisplayName,
        capacity: u8,
        skills: BTreeSet<Skill>,
    ) -> Result<Self, OperatorError> {
        if capacity == 0 || capacity > Self::MAX_CAPACITY {
            return Err(OperatorError::InvalidCapacity);
        }
        Ok(Self {
            id,
            display_name,
            capacity,
            skills,
        })
    }

    /// The agent id.
    pub fn id(&self) -> &AgentId {
        &self.id
    }

    /// The name visitors see.
    pub fn display_name(&self) -> &DisplayName {
        &self.display_name
    }

    /// Maximum concurrent jobs.
    pub fn capacity(&self) -> u8 {
        self.capacity
    }

    /// The agent's skills.
    pub fn skills(&self) -> &BTreeSet<Skill> {
        &self.skills
    }
}

impl TryFrom<ProfileRecord> for AgentProfile {
    type Error = OperatorError;
    fn try_from(r: ProfileRecord) -> Result<Self, OperatorError> {
        Self::new(r.id, r.display_name, r.capacity, r.skills)
    }
}

impl From<AgentProfile> for ProfileRecord {
    fn from(p: AgentProfile) -> Self {
        Self {
            id: p.id,
            display_name: p.display_name,
            capacity: p.capacity,
            skills: p.skills,
        }
    }
}

/// The AgentDesktop state of an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AgentState {
    /// Not at the desk.
    LoggedOut,
    /// Logged in and available for offers (LOGGEDIN).
    Ready,
    /// Paused, generically or with a sub-state code: no offers.
    Paused {
        /// The sub-state, if any.
        reason: Option<PauseCode>,
    },
    /// Forced pause after an unanswered offer: no offers until the agent is ready again.
    Forced,
}

/// An input of the agent state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentInput {
    /// Log in (or reconnect).
    Login,
    /// Log out.
    Logout,
    /// Become available.
    Ready,
    /// Pause, optionally with a configured sub-state code.
    Pause(Option<PauseCode>),
    /// An offer to the agent passed its deadline.
    OfferTimedOut,
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum JobPhase {
    /// Offered, waiting for accept or reject until `deadline`.
    Setup {
        /// When the offer times out.
        deadline: Timestamp,
    },
    /// Visitor and agent are talking.
    Online,
    /// After-chat work until `deadline` (the resource's wrap-up limit).
    Offline {
        /// When the wrap-up limit passes.
        deadline: Timestamp,
    },
}

/// One job: an offer to this agent and what followed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// The conversation.
    pub conversation: ConversationId,
    /// The resource it came through.
    pub queue: ResourceId,
    /// The current phase.
    pub phase: JobPhase,
    /// When the offer was made.
    pub offered_at: Timestamp,
    /// When the agent accepted (ESTABLISHED).
    pub started_at: Option<Timestamp>,
    /// When the conversation ended for this agent (CONNECTIONCLEARED).
    pub ended_at: Option<Timestamp>,
}

impl Job {
    /// A job event with this job's contact fields and known times.
    pub(crate) fn event(&self, id: OfferId, name: EventName) -> AgentEvent {
        let offline_start = match self.phase {
            JobPhase::Offline { .. } => self.ended_at,
            _ => None,
        };
        AgentEvent::job(name, id, &self.conversation, &self.queue).with_times(
            self.started_at,
            self.ended_at,
            offline_start,
            None,
        )
    }
}

/// An agent at the desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    profile: AgentProfile,
    state: AgentState,
    available_since: Option<Timestamp>,
    disconnected_at: Option<Timestamp>,
    jobs: BTreeMap<OfferId, Job>,
}

impl Agent {
    /// A logged-out agent.
    pub fn logged_out(profile: AgentProfile) -> Self {
        Self {
            profile,
            state: AgentState::LoggedOut,
            available_since: None,
            disconnected_at: None,
            jobs: BTreeMap::new(),
        }
    }

    /// The agent's profile.
    pub fn profile(&self) -> &AgentProfile {
        &self.profile
    }

    /// The current state.
    pub fn state(&self) -> AgentState {
        self.state
    }

    /// Since when the agent has waited for work (only while Ready).
    pub fn available_since(&self) -> Option<Timestamp> {
        self.available_since
    }

    /// When the agent's connection was lost, if it is lost now.
    pub fn disconnected_at(&self) -> Option<Timestamp> {
        self.disconnected_at
    }

    /// Open jobs by offer id: offered, online or in after-chat work.
    pub fn jobs(&self) -> &BTreeMap<OfferId, Job> {
        &self.jobs
    }

    /// The offer waiting for this agent's answer, if any.
    pub fn pending_offer(&self) -> Option<(OfferId, &Job)> {
        self.jobs
            .iter()
            .find(|(_, job)| matches!(job.phase, JobPhase::Setup { .. }))
            .map(|(id, job)| (*id, job))
    }

    /// Conversations online with this agent.
    pub fn online_count(&self) -> usize {
        self.jobs
            .values()
            .filter(|job| job.phase == JobPhase::Online)
            .count()
    }

    /// Whether routing may offer this agent a conversation now: ready, connected, no offer
    /// pending and a free slot.
    pub fn can_take_offer(&self) -> bool {
        self.state == AgentState::Ready
            && self.disconnected_at.is_none()
            && self.pending_offer().is_none()
            && self.jobs.len() < usize::from(self.profile.capacity)
    }

    /// Applies one input; on refusal nothing changes.
    pub fn apply(
        &mut self,
        now: Timestamp,
        input: AgentInput,
        pause_reasons: &[PauseReason],
    ) -> Result<Vec<AgentEvent>, AgentError> {
        use AgentState::{Forced, LoggedOut, Paused, Ready};
        if self.state == LoggedOut && input != AgentInput::Login {
            return Err(AgentError::NotLoggedIn);
        }
        let (next, events): (AgentState, Vec<AgentEvent>) = match input {
            AgentInput::Login => {
                self.disconnected_at = None;
                if self.state != LoggedOut {
                    return Ok(Vec::new());
                }
                (Ready, vec![AgentEvent::agent(EventName::LoggedIn)])
            }
            AgentInput::Logout => {
                let online = self.online_count();
                if online > 0 {
                    return Err(AgentError::ConversationsActive { count: online });
                }
                if !self.jobs.is_empty() {
                    return Err(AgentError::JobsOpen {
                        count: self.jobs.len(),
                    });
                }
                (LoggedOut, vec![AgentEvent::agent(EventName::LoggedOut)])
            }
            AgentInput::Ready => match self.state {
                Ready => return Ok(Vec::new()),
                _ => (Ready, vec![AgentEvent::agent(EventName::LoggedIn)]),
            },
            AgentInput::Pause(reason) => {
                if let Some(code) = reason
                    && !pause_reasons.iter().any(|r| r.code == code)
                {
                    return Err(AgentError::UnknownPauseReason(code));
                }
                let pause = AgentEvent::agent(EventName::Pause);
                let substate = |code: PauseCode| {
                    AgentEvent::agent(EventName::PauseSubstate).with_reason(code.to_string())
                };
                let events = match (self.state, reason) {
                    (Paused { reason: old }, new) if old == new => return Ok(Vec::new()),
                    (Paused { .. }, None) => vec![pause],
                    (Paused { .. }, Some(code)) => vec![substate(code)],
                    (_, None) => vec![pause],
                    (_, Some(code)) => vec![pause, substate(code)],
                };
                (Paused { reason }, events)
            }
            AgentInput::OfferTimedOut => match self.state {
                Ready => (Forced, vec![AgentEvent::agent(EventName::Forced)]),
                _ => return Err(AgentError::NotReady),
            },
        };
        self.available_since = (next == Ready).then_some(now);
        self.state = next;
        if next == LoggedOut {
            self.disconnected_at = None;
        }
        Ok(events)
    }

    pub(crate) fn jobs_mut(&mut self) -> &mut BTreeMap<OfferId, Job> {
        &mut self.jobs
    }

    pub(crate) fn mark_offered(&mut self, now: Timestamp) {
        self.available_since = Some(now);
    }

    pub(crate) fn mark_disconnected(&mut self, now: Timestamp) {
        self.disconnected_at.get_or_insert(now);
    }
}

#[cfg(test)]
#[path = "agent_tests.rs"]
mod tests;
