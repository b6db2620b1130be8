//! Desk tests: a conversation state x input table and named facts, with shared helpers.

mod facts;
mod lifecycle;
mod overview;
mod queue;
mod table;
mod visitor_gone;

use std::collections::BTreeSet;

use jiff::Timestamp;

use super::*;
use crate::agent::{AgentProfile, PauseCode};
use crate::event::EventName;
use crate::ids::Skill;
use crate::operator::DisplayName;
use crate::visitor_event::VisitorEvent;

pub(super) fn t(seconds: i64) -> Timestamp {
    // 2026-05-04 (a Monday) 08:00:00 UTC.
    Timestamp::from_second(1_777_881_600 + seconds).unwrap()
}

pub(super) fn aid(id: &str) -> AgentId {
    AgentId::parse(id).unwrap()
}

pub(super) fn cid(id: &str) -> ConversationId {
    ConversationId::parse(id).unwrap()
}

pub(super) fn rid(id: &str) -> ResourceId {
    ResourceId::parse(id).unwrap()
}

pub(super) const LUNCH: PauseCode = PauseCode(1701);

/// A desk with `support` (default, no skills) and `sales` (needs the `sales` skill).
pub(super) fn desk() -> Desk {
    let config = DeskConfig {
        default_resource: Some(rid("support")),
        pause_reasons: vec![crate::agent::PauseReason {
            code: LUNCH,
            label: "lunch".into(),
        }],
        ..DeskConfig::default()
    };
    let mut desk = Desk::new(SiteId::parse("acme").unwrap(), config);
    desk.upsert_resource(t(0), Resource::new(rid("support"), "Support"))
        .unwrap();
    let mut sales = Resource::new(rid("sales"), "Sales");
    sales.skills = [Skill::parse("sales").unwrap()].into();
    desk.upsert_resource(t(0), sales).unwrap();
    desk
}

pub(super) fn profile(id: &str, capacity: u8, skills: &[&str]) -> AgentProfile {
    let skills: BTreeSet<Skill> = skills.iter().map(|s| Skill::parse(s).unwrap()).collect();
    AgentProfile::new(
        aid(id),
        DisplayName::parse(&id.to_uppercase()).unwrap(),
        capacity,
        skills,
    )
    .unwrap()
}

pub(super) fn login(desk: &mut Desk, id: &str, at: Timestamp) -> Vec<Notice> {
    desk.login(at, profile(id, 2, &["sales"])).unwrap()
}

pub(super) fn pause(desk: &mut Desk, id: &str, at: Timestamp) -> Vec<Notice> {
    desk.set_state(at, &aid(id), AgentStateRequest::Pause { reason: None })
        .unwrap()
}

pub(super) fn ready(desk: &mut Desk, id: &str, at: Timestamp) -> Vec<Notice> {
    desk.set_state(at, &aid(id), AgentStateRequest::Ready)
        .unwrap()
}

pub(super) fn ask(
    desk: &mut Desk,
    conversation: &str,
    at: Timestamp,
) -> (RequestOutcome, Vec<Notice>) {
    ask_for(desk, conversation, None, at)
}

pub(super) fn ask_for(
    desk: &mut Desk,
    conversation: &str,
    resource: Option<&str>,
    at: Timestamp,
) -> (RequestOutcome, Vec<Notice>) {
    let request = HandoffRequest {
        conversation: cid(conversation),
        dispatch_to: resource.map(rid),
        summary: format!("bot transcript of {conversation}"),
    };
    desk.request(at, request).unwrap()
}

/// The agent's pending offer id.
pub(super) fn offer_of(desk: &Desk, agent: &str) -> OfferId {
    desk.agent(&aid(agent))
        .and_then(|a| a.pending_offer())
        .map(|(id, _)| id)
        .unwrap()
}

/// The conversation of the agent's pending offer.
pub(super) fn offered_conversation(desk: &Desk, agent: &str) -> Option<ConversationId> {
    desk.agent(&aid(agent))?
        .pending_offer()
        .map(|(_, job)| job.conversation.clone())
}

/// AgentDesktop event names sent to `agent`, with `:reason` when there is one.
pub(super) fn events_for(notices: &[Notice], agent: &str) -> Vec<String> {
    notices
        .iter()
        .filter_map(|n| match n {
            Notice::Agent { agent: to, event } if to.as_str() == agent => Some(event),
            _ => None,
        })
        .map(|event| {
            let name = serde_json::to_value(event.event)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned();
            match &event.reason {
                Some(reason) => format!("{name}:{reason}"),
                None => name,
            }
        })
        .collect()
}

/// The first event named `name` sent to `agent`.
pub(super) fn event_for(
    notices: &[Notice],
    agent: &str,
    name: EventName,
) -> crate::event::AgentEvent {
    notices
        .iter()
        .find_map(|n| match n {
            Notice::Agent { agent: to, event } if to.as_str() == agent && event.event == name => {
                Some(event.clone())
            }
            _ => None,
        })
        .unwrap()
}

/// Events for the visitor of `conversation`.
pub(super) fn told(notices: &[Notice], conversation: &str) -> Vec<VisitorEvent> {
    notices
        .iter()
        .filter_map(|n| match n {
            Notice::Visitor {
                conversation: c,
                event,
            } if c.as_str() == conversation => Some(event.clone()),
            _ => None,
        })
        .collect()
}

pub(super) fn records(notices: &[Notice]) -> Vec<JobRecord> {
    notices
        .iter()
        .filter_map(|n| match n {
            Notice::JobFinished(record) => Some(record.clone()),
            _ => None,
        })
        .collect()
}
