//! Delivering desk notices after the desk write won: AgentDesktop events to the agent's
//! console sockets (the site's external connector got them in the desk write itself, see
//! `site_desk::update`), visitor events into the conversation log, finished jobs into the
//! site's job log ([`super::jobs`]). Chat messages for an agent go out after the
//! conversation's write ([`message_stored`]; the external connector got them in that
//! write).
//!
//! When a batch changed the site's queues (a visitor waits or stops waiting, an offer is
//! made or answered, a chat is accepted, ends or its after-chat work is done), the consoles
//! of supervisors and admins on every node get a `QUEUES` frame after it
//! ([`queues_changed`]), so their Queue panel reads `GET /api/v1/agent/queues` again at
//! once instead of at its next poll.
//!
//! Notices are delivered in the order the desk returned them. A failed delivery is logged
//! and the rest still go out: the desk state is already stored, a console that missed an
//! event gets the truth from its next SNAPSHOT, and the visitor log write is retried by the
//! CAS loop inside [`visitor_side::append`].

use serde_json::{Value, json};
use staffetta_handoff::agent::{Agent, JobPhase};
use staffetta_handoff::connector::{Author, Outbound};
use staffetta_handoff::event::{AgentEvent, EventName};
use staffetta_handoff::visitor_event::VisitorEvent;
use staffetta_handoff::{AgentId, Notice};

use super::{site_desk, visitor_side};
use crate::app::AppState;

/// Delivers notices in order; when one of them changed how an agent appears in the roster,
/// the site's consoles get a new `AGENTS` frame after them. The notices come from
/// [`site_desk::update`], which already stored the agent events in the outbox of the site's
/// external desk (if any) with the desk's write: here they go to the consoles only.
pub async fn deliver(state: &AppState, site: &str, notices: Vec<Notice>) {
    state.metrics.handoff_notices(&notices);
    let roster_changed = notices.iter().any(changes_roster);
    let queues_changed = notices.iter().any(changes_queues);
    for notice in notices {
        match notice {
            Notice::Agent { agent, event } => {
                to_consoles(state, site, &agent, &Outbound::Event(event), None).await;
            }
            Notice::Visitor {
                conversation,
                event,
            } => {
                if let Err(err) = visitor_side::apply_event(state, &conversation, event).await {
                    tracing::warn!(code = err.code(), "a visitor handoff event was not stored");
                }
            }
            Notice::JobFinished(record) => {
                if let Err(err) = super::jobs::store(state, site, &record).await {
                    tracing::warn!(code = err.code(), "a finished job was not recorded");
                }
            }
        }
    }
    if roster_changed {
        push_roster(state, site).await;
    }
    if queues_changed {
        self::queues_changed(state, site);
    }
}

/// Whether a notice changes what the queue overview shows: a visitor's place in a queue
/// (waiting, told a new position, taken, gone), an offer made or answered, a chat accepted,
/// ended (after-chat work begins) or finished. Typing and reconnecting notices do not.
fn changes_queues(notice: &Notice) -> bool {
    match notice {
        Notice::Agent { event, .. } => matches!(
            event.event,
            EventName::JobScheduled
                | EventName::JobStarted
                | EventName::ConnectionCleared
                | EventName::JobChanged
                | EventName::JobFinished
        ),
        Notice::Visitor { event, .. } => !matches!(
            event,
            VisitorEvent::AgentTyping { .. }
                | VisitorEvent::AgentReconnecting { .. }
                | VisitorEvent::AgentReconnected { .. }
        ),
        Notice::JobFinished(_) => true,
    }
}

/// Tells the consoles of the site's supervisors and admins, on every node, that the queues
/// changed: `{"event": "QUEUES", "at": ms}`. The frame carries no overview (that stays the
/// one answer of `GET /api/v1/agent/queues`, with the visitors' pages): the console reads
/// it again.
pub fn queues_changed(state: &AppState, site: &str) {
    let at = crate::visitor::conversation::now(state).as_millisecond();
    state
        .agents
        .connections
        .send_queue_watchers(site, &json!({"event": "QUEUES", "at": at}));
}

/// Whether a notice changes an agent's roster entry: their state (login, ready, pause,
/// forced pause, logout) or their load (a conversation taken, ended, or its after-chat
/// work done). Offers alone do not.
fn changes_roster(notice: &Notice) -> bool {
    let Notice::Agent { event, .. } = notice else {
        return false;
    };
    match event.event {
        EventName::LoggedIn
        | EventName::LoggedOut
        | EventName::Pause
        | EventName::PauseSubstate
        | EventName::Forced
        | EventName::JobStarted
        | EventName::ConnectionCleared
        | EventName::JobFinished => true,
        EventName::JobChanged => event.job_state.is_some(),
        _ => false,
    }
}

/// One agent as the roster shows them: id, name, state (with the pause reason), how many
/// conversations they have online and in after-chat work, and whether a console of theirs is
/// connected (`false` during the disconnect grace period).
pub fn roster_entry(agent: &Agent) -> Value {
    let wrap_up = agent
        .jobs()
        .values()
        .filter(|job| matches!(job.phase, JobPhase::Offline { .. }))
        .count();
    json!({
        "id": agent.profile().id().as_str(),
        "display_name": agent.profile().display_name().as_str(),
        "state": agent.state(),
        "online": agent.online_count(),
        "wrap_up": wrap_up,
        "connected": agent.disconnected_at().is_none(),
    })
}

/// Tells the site's consoles who is at the desk and how they are (the team list and the
/// transfer menu): an `AGENTS` frame with every agent at the desk.
pub async fn push_roster(state: &AppState, site: &str) {
    let Ok(desk) = site_desk::read(state, site).await else {
        return;
    };
    let agents: Vec<Value> = desk.agents().map(roster_entry).collect();
    state
        .agents
        .connections
        .send_site(site, &json!({"event": "AGENTS", "agents": agents}));
}

/// Delivers a chat message to the agent once the conversation's write that stored it (at
/// `seq`) is durable: to the agent's consoles on this node, and to the site's external desk
/// by waking its delivery loop. That write carried the message's outbox item as a side
/// append ([`crate::desk::external::ExternalDesks::item_to_store`]), so the item is stored
/// exactly when the message is; nothing is written here.
pub async fn message_stored(
    state: &AppState,
    site: &str,
    agent: &AgentId,
    item: &Outbound,
    seq: u64,
) {
    to_consoles(state, site, agent, item, Some(seq)).await;
    state.agents.external.wake(site);
}

/// Sends one item to an agent's consoles on this node.
async fn to_consoles(
    state: &AppState,
    site: &str,
    agent: &AgentId,
    item: &Outbound,
    seq: Option<u64>,
) {
    let frame = match item {
        Outbound::Event(event) => event_frame(state, site, agent, event).await,
        Outbound::Message(message) => {
            let (from, agent_name) = match &message.from {
                Author::Visitor => ("visitor", None),
                Author::Bot => ("bot", None),
                Author::Agent(id) => ("agent", Some(display_name(state, site, id).await)),
            };
            let mut frame = json!({
                "event": "MESSAGE",
                "chat_id": message.conversation.as_str(),
                "from": from,
                "text": message.text,
                "at": message.at.as_millisecond(),
            });
            if let Some(seq) = seq {
                frame["seq"] = json!(seq);
            }
            if let Some(name) = agent_name {
                frame["agent_name"] = json!(name);
            }
            if from != "visitor" {
                frame["html"] =
                    json!(staffetta_engine::markdown::render(&message.text).unwrap_or_default());
            }
            frame
        }
        Outbound::VisitorTyping { conversation } => json!({
            "event": "TYPING", "chat_id": conversation.as_str(), "typing": true,
        }),
    };
    state.agents.connections.send(site, agent.as_str(), &frame);
}

/// An AgentDesktop event as the console gets it. Edge fields: POPUP carries the offer's
/// `deadline` (ms) and the bot transcript `summary`; JOBCHANGED into after-chat work carries
/// the wrap-up `deadline`.
async fn event_frame(state: &AppState, site: &str, agent: &AgentId, event: &AgentEvent) -> Value {
    let mut frame = serde_json::to_value(event).unwrap_or_default();
    if !matches!(event.event, EventName::Popup | EventName::JobChanged) {
        return frame;
    }
    let Ok(desk) = site_desk::read(state, site).await else {
        return frame;
    };
    let job = event
        .id
        .and_then(|id| desk.agent(agent).and_then(|a| a.jobs().get(&id)));
    match job.map(|j| (j.phase, &j.conversation)) {
        Some((JobPhase::Setup { deadline }, conversation)) if event.event == EventName::Popup => {
            frame["deadline"] = json!(deadline.as_millisecond());
            if let Some(c) = desk.conversation(conversation) {
                frame["summary"] = json!(c.summary());
            }
        }
        Some((JobPhase::Offline { deadline }, _)) => {
            frame["deadline"] = json!(deadline.as_millisecond());
        }
        _ => {}
    }
    frame
}

async fn display_name(state: &AppState, site: &str, agent: &AgentId) -> String {
    site_desk::read(state, site)
        .await
        .ok()
        .and_then(|desk| {
            desk.agent(agent)
                .map(|a| a.profile().display_name().as_str().to_owned())
        })
        .unwrap_or_default()
}
