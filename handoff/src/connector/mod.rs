//! The contract between the desk and an agent desk (the built-in console, a webhook to an
//! external contact centre, or the in-memory reference).
//!
//! A [`Connector`] carries [`Outbound`] items to the agents' side and yields the
//! [`Inbound`] commands agents send back. The edge drives it:
//!
//! ```text
//! notices = desk.<transition>(now, ..)       // pure
//! for Notice::Agent { agent, event } in notices: connector.deliver(agent, Outbound::Event(event))
//! loop { inbound = connector.next_command().await; applied = apply_command(desk, now, inbound) }
//! ```
//!
//! Futures are boxed and `Send` so connectors work behind `Arc<dyn Connector>` on any
//! runtime; the crate itself needs none. [`conformance::handoff_story`] is the one story
//! every connector must pass.

mod command;
pub mod conformance;
mod memory;
mod signature;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use command::{AgentCommand, Applied, Inbound, apply_command};
pub use memory::{MemoryConnector, MemoryRemote};
pub use signature::{SignatureError, verify_webhook_signature, webhook_signature};

use crate::event::AgentEvent;
use crate::ids::{AgentId, ConversationId};

/// A boxed, `Send` future, so traits with async methods stay object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a connector could not deliver or receive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectorError {
    /// The agents' side could not be reached (network, closed socket).
    #[error("the agent desk is unreachable: {0}")]
    Unreachable(String),
    /// The agents' side answered with a refusal.
    #[error("the agent desk refused the delivery: {0}")]
    Refused(String),
    /// Something arrived that does not follow the protocol (bad JSON, bad signature).
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The connector was closed.
    #[error("the connector is closed")]
    Closed,
}

/// Who wrote a chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Author {
    /// The visitor.
    Visitor,
    /// The bot, before the handoff.
    Bot,
    /// An agent.
    Agent(AgentId),
}

/// A chat message carried between the visitor and the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// The conversation.
    pub conversation: ConversationId,
    /// Who wrote it.
    pub from: Author,
    /// Plain text (the edge renders and sanitizes).
    pub text: String,
    /// When the edge accepted it.
    pub at: Timestamp,
}

/// What goes to an agent's desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outbound {
    /// An AgentDesktop event.
    Event(AgentEvent),
    /// A message from the visitor (or the bot transcript).
    Message(ChatMessage),
    /// The visitor is typing.
    VisitorTyping {
        /// The conversation.
        conversation: ConversationId,
    },
}

/// A channel to the agents' desks.
pub trait Connector: Send + Sync + fmt::Debug {
    /// A short name for logs, such as `console`, `webhook` or `memory`.
    fn name(&self) -> &str;

    /// Delivers one item to an agent; resolves once the agents' side has it (or refused).
    fn deliver<'a>(
        &'a self,
        agent: &'a AgentId,
        item: &'a Outbound,
    ) -> BoxFuture<'a, Result<(), ConnectorError>>;

    /// Waits for the next command from any agent; `Ok(None)` once the connector is closed.
    fn next_command(&self) -> BoxFuture<'_, Result<Option<Inbound>, ConnectorError>>;
}
