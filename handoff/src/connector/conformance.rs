//! The one story every connector must pass: request -> queued -> the agent accepts ->
//! messages both ways -> the agent ends -> wrap-up -> finished.
//!
//! The story drives a real [`Desk`] with injected time. It talks to the connector under
//! test as the edge does, and to a [`RemoteDesk`] that plays the agent on the far side
//! (the memory remote, a console websocket client, or a fake external contact centre
//! receiving webhooks). It returns an error instead of panicking, so any harness can run
//! it: `handoff_story(&connector, &mut remote).await.unwrap()`.

use jiff::Timestamp;

use super::{
    AgentCommand, Author, BoxFuture, ChatMessage, Connector, ConnectorError, Inbound, Outbound,
    apply_command,
};
use crate::agent::AgentProfile;
use crate::desk::{Desk, DeskConfig, DeskError, HandoffRequest, JobRecord, Notice, RequestOutcome};
use crate::event::EventName;
use crate::ids::{AgentId, ConversationId, OfferId, ResourceId, SiteId};
use crate::operator::DisplayName;
use crate::resource::Resource;
use crate::visitor_event::{EndedBy, VisitorEvent};
use crate::wrap_up::{Disposition, WrapUp};

/// The agents' side of a connector, as the story needs it.
pub trait RemoteDesk: Send {
    /// Sends a command as the agent would from their desk.
    fn send<'a>(&'a mut self, inbound: &'a Inbound) -> BoxFuture<'a, Result<(), ConnectorError>>;

    /// What reached the agents' side since the last call, oldest first.
    fn received(&mut self) -> BoxFuture<'_, Result<Vec<(AgentId, Outbound)>, ConnectorError>>;
}

/// Why the story failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoryError {
    /// The desk refused a step.
    #[error("the desk refused a step: {0}")]
    Desk(#[from] DeskError),
    /// The connector failed.
    #[error("the connector failed: {0}")]
    Connector(#[from] ConnectorError),
    /// Something arrived that the story did not expect, or did not arrive.
    #[error("step {step}: {detail}")]
    Unexpected {
        /// The step of the story.
        step: &'static str,
        /// What went wrong.
        detail: String,
    },
}

/// What the story observed, for extra assertions by the harness.
#[derive(Debug, Clone)]
pub struct StoryReport {
    /// Everything the agents' side received, oldest first.
    pub received: Vec<(AgentId, Outbound)>,
    /// Everything the visitor was told, oldest first.
    pub visitor_events: Vec<VisitorEvent>,
    /// The finished job.
    pub record: JobRecord,
}

/// The AgentDesktop events the agent must receive, in order.
pub const EXPECTED_EVENTS: [EventName; 9] = [
    EventName::LoggedIn,
    EventName::JobScheduled,
    EventName::JobChanged,
    EventName::Popup,
    EventName::Established,
    EventName::JobStarted,
    EventName::ConnectionCleared,
    EventName::JobChanged,
    EventName::JobFinished,
];

/// The visitor's first message in the story.
pub const VISITOR_TEXT: &str = "Hello, my order has not arrived.";
/// The agent's reply in the story.
pub const AGENT_TEXT: &str = "Sorry about that, let me check.";

fn unexpected(step: &'static str, detail: impl Into<String>) -> StoryError {
    StoryError::Unexpected {
        step,
        detail: detail.into(),
    }
}

fn at(seconds: i64) -> Result<Timestamp, StoryError> {
    Timestamp::from_second(1_767_261_600 + seconds).map_err(|e| unexpected("clock", e.to_string()))
}

struct Story<'c, C: ?Sized, R: ?Sized> {
    connector: &'c C,
    remote: &'c mut R,
    desk: Desk,
    agent: AgentId,
    received: Vec<(AgentId, Outbound)>,
    visitor_events: Vec<VisitorEvent>,
    records: Vec<JobRecord>,
}

impl<C: Connector + ?Sized, R: RemoteDesk + ?Sized> Story<'_, C, R> {
    async fn deliver(&mut self, notices: Vec<Notice>) -> Result<(), StoryError> {
        for notice in notices {
            match notice {
                Notice::Agent { agent, event } => {
                    self.connector
                        .deliver(&agent, &Outbound::Event(event))
                        .await?;
                }
                Notice::Visitor { event, .. } => self.visitor_events.push(event),
                Notice::JobFinished(record) => self.records.push(record),
            }
        }
        Ok(())
    }

    async fn command(
        &mut self,
        step: &'static str,
        command: AgentCommand,
    ) -> Result<super::Applied, StoryError> {
        let sent = Inbound {
            agent: self.agent.clone(),
            command,
        };
        self.remote.send(&sent).await?;
        let Some(arrived) = self.connector.next_command().await? else {
            return Err(unexpected(
                step,
                "the connector closed instead of yielding the command",
            ));
        };
        if arrived != sent {
            return Err(unexpected(
                step,
                format!("sent {sent:?}, the connector yielded {arrived:?}"),
            ));
        }
        Ok(apply_command(
            &mut self.desk,
            at(step_second(step))?,
            &arrived,
        )?)
    }

    async fn collect(&mut self) -> Result<(), StoryError> {
        let fresh = self.remote.received().await?;
        self.received.extend(fresh);
        Ok(())
    }

    fn last_event(&self, name: EventName) -> Option<OfferId> {
        self.received.iter().rev().find_map(|(_, item)| match item {
            Outbound::Event(event) if event.event == name => event.id,
            _ => None,
        })
    }
}

fn step_second(step: &'static str) -> i64 {
    match step {
        "accept" => 5,
        "reply" => 20,
        "end" => 60,
        _ => 90,
    }
}

/// Runs the story against `connector`, with `remote` playing the agent.
pub async fn handoff_story<C, R>(connector: &C, remote: &mut R) -> Result<StoryReport, StoryError>
where
    C: Connector + ?Sized,
    R: RemoteDesk + ?Sized,
{
    let id = |text: &str| unexpected("setup", format!("invalid id {text}"));
    let support = ResourceId::parse("support").map_err(|_| id("support"))?;
    let agent = AgentId::parse("story-agent").map_err(|_| id("story-agent"))?;
    let conversation =
        ConversationId::parse("story-conversation").map_err(|_| id("conversation"))?;
    let config = DeskConfig {
        default_resource: Some(support.clone()),
        ..DeskConfig::default()
    };
    let site = SiteId::parse("conformance").map_err(|_| id("site"))?;
    let mut story = Story {
        connector,
        remote,
        desk: Desk::new(site, config),
        agent: agent.clone(),
        received: Vec::new(),
        visitor_events: Vec::new(),
        records: Vec::new(),
    };
    story
        .desk
        .upsert_resource(at(0)?, Resource::new(support, "Support"))?;
    let name = DisplayName::parse("Story Agent").map_err(|_| id("display name"))?;
    let profile = AgentProfile::new(agent.clone(), name, 1, Default::default())
        .map_err(|e| unexpected("setup", e.to_string()))?;
    let notices = story.desk.login(at(0)?, profile)?;
    story.deliver(notices).await?;

    // The visitor asks for a human; the only agent is offered the conversation.
    let request = HandoffRequest {
        conversation: conversation.clone(),
        dispatch_to: None,
        summary: "Bot: where is my order?".into(),
    };
    let (outcome, notices) = story.desk.request(at(1)?, request)?;
    if outcome != RequestOutcome::Offered {
        return Err(unexpected(
            "request",
            format!("expected an immediate offer, got {outcome:?}"),
        ));
    }
    story.deliver(notices).await?;
    story.collect().await?;
    let offer = story
        .last_event(EventName::Popup)
        .ok_or_else(|| unexpected("offer", "the agent received no POPUP with a job id"))?;

    // The agent accepts through the connector.
    let applied = story
        .command("accept", AgentCommand::Accept { offer })
        .await?;
    story.deliver(applied.notices).await?;
    if !story
        .visitor_events
        .iter()
        .any(|e| matches!(e, VisitorEvent::AgentJoined { .. }))
    {
        return Err(unexpected(
            "accept",
            "the visitor was not told agent_joined",
        ));
    }

    // Messages both ways.
    let from_visitor = ChatMessage {
        conversation: conversation.clone(),
        from: Author::Visitor,
        text: VISITOR_TEXT.into(),
        at: at(10)?,
    };
    connector
        .deliver(&agent, &Outbound::Message(from_visitor.clone()))
        .await?;
    let applied = story
        .command(
            "reply",
            AgentCommand::Send {
                conversation: conversation.clone(),
                text: AGENT_TEXT.into(),
            },
        )
        .await?;
    match applied.message {
        Some(ChatMessage {
            text,
            from: Author::Agent(author),
            ..
        }) if text == AGENT_TEXT && author == agent => {}
        other => {
            return Err(unexpected(
                "reply",
                format!("expected the agent's message, got {other:?}"),
            ));
        }
    }

    // The agent ends, then wraps up.
    let applied = story
        .command(
            "end",
            AgentCommand::End {
                conversation: conversation.clone(),
            },
        )
        .await?;
    story.deliver(applied.notices).await?;
    if !story
        .visitor_events
        .contains(&VisitorEvent::ConversationEnded { by: EndedBy::Agent })
    {
        return Err(unexpected(
            "end",
            "the visitor was not told conversation_ended by agent",
        ));
    }
    let disposition =
        Disposition::parse("solved").map_err(|e| unexpected("wrap-up", e.to_string()))?;
    let wrap_up = WrapUp::new(disposition, "Order re-sent.")
        .map_err(|e| unexpected("wrap-up", e.to_string()))?;
    let applied = story
        .command(
            "wrap-up",
            AgentCommand::WrapUpDone {
                job: offer,
                wrap_up,
            },
        )
        .await?;
    story.deliver(applied.notices).await?;
    story.collect().await?;

    check_received(&story.received, &from_visitor)?;
    let record = story
        .records
        .pop()
        .ok_or_else(|| unexpected("finish", "no job record was produced"))?;
    if story
        .desk
        .agent(&agent)
        .is_none_or(|a| !a.jobs().is_empty())
    {
        return Err(unexpected(
            "finish",
            "the agent should be logged in with a free slot",
        ));
    }
    story
        .desk
        .verify_invariants()
        .map_err(|e| unexpected("finish", e.to_string()))?;
    Ok(StoryReport {
        received: story.received,
        visitor_events: story.visitor_events,
        record,
    })
}

/// The agents' side received exactly the expected events, with the visitor's message
/// while the conversation was online.
fn check_received(
    received: &[(AgentId, Outbound)],
    message: &ChatMessage,
) -> Result<(), StoryError> {
    let names: Vec<EventName> = received
        .iter()
        .filter_map(|(_, item)| match item {
            Outbound::Event(event) => Some(event.event),
            _ => None,
        })
        .collect();
    if names != EXPECTED_EVENTS {
        return Err(unexpected(
            "events",
            format!("expected {EXPECTED_EVENTS:?}, received {names:?}"),
        ));
    }
    let position = |wanted: &Outbound| received.iter().position(|(_, item)| item == wanted);
    let message_at = position(&Outbound::Message(message.clone()))
        .ok_or_else(|| unexpected("messages", "the visitor's message did not reach the agent"))?;
    let started = received.iter().position(
        |(_, item)| matches!(item, Outbound::Event(e) if e.event == EventName::JobStarted),
    );
    let cleared = received.iter().position(
        |(_, item)| matches!(item, Outbound::Event(e) if e.event == EventName::ConnectionCleared),
    );
    match (started, cleared) {
        (Some(s), Some(c)) if s < message_at && message_at < c => Ok(()),
        _ => Err(unexpected(
            "messages",
            "the visitor's message arrived outside the online phase",
        )),
    }
}
