//! Commands agents send from their desk, and how they map onto desk transitions.
//!
//! JSON uses a `command` tag with the names of ARCHITECTURE.md, for example
//! `{"command":"accept","offer":"7"}`, `{"command":"set_state","state":"pause","reason":1701}`,
//! `{"command":"wrapup_done","job":"7","disposition":"solved","notes":"..."}`,
//! `{"command":"transfer","conversation":"c1","to":{"kind":"resource","id":"sales"}}`.
//! Login is not a command: the edge authenticates the operator and calls [`Desk::login`].
//! Banning an IP is an edge concern (the ban list lives in storage).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Author, ChatMessage};
use crate::desk::{AgentStateRequest, Desk, DeskError, Notice, TransferTarget};
use crate::ids::{AgentId, ConversationId, OfferId};
use crate::wrap_up::WrapUp;

/// A command from an agent's desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum AgentCommand {
    /// Ready or pause (state switcher).
    SetState(AgentStateRequest),
    /// Accept a pending offer.
    Accept {
        /// The offer (the `id` of the POPUP event).
        offer: OfferId,
    },
    /// Reject a pending offer.
    Reject {
        /// The offer.
        offer: OfferId,
    },
    /// Send a message to the visitor.
    Send {
        /// The conversation.
        conversation: ConversationId,
        /// The text.
        text: String,
    },
    /// The agent started typing (`typing` true, the default) or stopped.
    Typing {
        /// The conversation.
        conversation: ConversationId,
        /// Started (`true`, also when absent) or stopped.
        #[serde(default = "typing_started")]
        typing: bool,
    },
    /// End the conversation.
    End {
        /// The conversation.
        conversation: ConversationId,
    },
    /// Submit after-chat work.
    #[serde(rename = "wrapup_done")]
    WrapUpDone {
        /// The job (the `id` of the job events).
        job: OfferId,
        /// Disposition and notes.
        #[serde(flatten)]
        wrap_up: WrapUp,
    },
    /// Transfer to another resource or agent.
    Transfer {
        /// The conversation.
        conversation: ConversationId,
        /// Where to.
        to: TransferTarget,
    },
    /// Log out.
    Logout,
}

/// A `typing` command without the field means the agent started typing (the first
/// version of the contract had no stop).
fn typing_started() -> bool {
    true
}

/// A command together with the agent who sent it (authenticated by the connector).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbound {
    /// The sender.
    pub agent: AgentId,
    /// The command.
    pub command: AgentCommand,
}

/// The result of a command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Notices to deliver, as from any desk transition.
    pub notices: Vec<Notice>,
    /// A message the edge appends to the conversation log and sends to the visitor.
    pub message: Option<ChatMessage>,
}

/// Applies one command to the desk.
pub fn apply_command(
    desk: &mut Desk,
    now: Timestamp,
    inbound: &Inbound,
) -> Result<Applied, DeskError> {
    let agent = &inbound.agent;
    let notices = match &inbound.command {
        AgentCommand::SetState(state) => desk.set_state(now, agent, *state)?,
        AgentCommand::Accept { offer } => desk.accept(now, agent, *offer)?,
        AgentCommand::Reject { offer } => desk.reject(now, agent, *offer)?,
        AgentCommand::Send { conversation, text } => {
            desk.check_may_write(agent, conversation)?;
            let message = ChatMessage {
                conversation: conversation.clone(),
                from: Author::Agent(agent.clone()),
                text: text.clone(),
                at: now,
            };
            return Ok(Applied {
                notices: Vec::new(),
                message: Some(message),
            });
        }
        AgentCommand::Typing {
            conversation,
            typing,
        } => desk.agent_typing(agent, conversation, *typing)?,
        AgentCommand::End { conversation } => desk.end_by_agent(now, agent, conversation)?,
        AgentCommand::WrapUpDone { job, wrap_up } => {
            desk.submit_wrap_up(now, agent, *job, wrap_up.clone())?
        }
        AgentCommand::Transfer { conversation, to } => {
            desk.transfer(now, agent, conversation, to.clone())?
        }
        AgentCommand::Logout => desk.logout(now, agent)?,
    };
    Ok(Applied {
        notices,
        message: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::PauseCode;
    use crate::ids::ResourceId;
    use crate::wrap_up::Disposition;
    use serde_json::json;

    fn round_trip(command: &AgentCommand, expected: serde_json::Value) {
        assert_eq!(&serde_json::to_value(command).unwrap(), &expected);
        let back: AgentCommand = serde_json::from_value(expected).unwrap();
        assert_eq!(&back, command);
    }

    #[test]
    fn commands_have_the_architecture_names() {
        let offer = OfferId::parse("7").unwrap();
        let conversation = ConversationId::parse("c1").unwrap();
        round_trip(
            &AgentCommand::Accept { offer },
            json!({ "command": "accept", "offer": "7" }),
        );
        round_trip(
            &AgentCommand::Reject { offer },
            json!({ "command": "reject", "offer": "7" }),
        );
        round_trip(
            &AgentCommand::SetState(AgentStateRequest::Pause {
                reason: Some(PauseCode(1701)),
            }),
            json!({ "command": "set_state", "state": "pause", "reason": 1701 }),
        );
        round_trip(
            &AgentCommand::SetState(AgentStateRequest::Ready),
            json!({ "command": "set_state", "state": "ready" }),
        );
        round_trip(
            &AgentCommand::WrapUpDone {
                job: offer,
                wrap_up: WrapUp::new(Disposition::parse("solved").unwrap(), "ok").unwrap(),
            },
            json!({ "command": "wrapup_done", "job": "7", "disposition": "solved", "notes": "ok" }),
        );
        round_trip(
            &AgentCommand::Transfer {
                conversation: conversation.clone(),
                to: TransferTarget::Resource(ResourceId::parse("sales").unwrap()),
            },
            json!({ "command": "transfer", "conversation": "c1", "to": { "kind": "resource", "id": "sales" } }),
        );
        round_trip(
            &AgentCommand::Send {
                conversation,
                text: "hi".into(),
            },
            json!({ "command": "send", "conversation": "c1", "text": "hi" }),
        );
        round_trip(&AgentCommand::Logout, json!({ "command": "logout" }));
    }

    #[test]
    fn typing_without_the_flag_is_a_start_and_false_is_a_stop() {
        let conversation = ConversationId::parse("c1").unwrap();
        let start: AgentCommand =
            serde_json::from_value(json!({ "command": "typing", "conversation": "c1" })).unwrap();
        assert_eq!(
            start,
            AgentCommand::Typing {
                conversation: conversation.clone(),
                typing: true
            }
        );
        round_trip(
            &AgentCommand::Typing {
                conversation,
                typing: false,
            },
            json!({ "command": "typing", "conversation": "c1", "typing": false }),
        );
    }

    #[test]
    fn malformed_commands_are_refused() {
        for bad in [
            json!({ "command": "accept", "offer": "0" }),
            json!({ "command": "wrapup_done", "job": "1", "disposition": "" }),
            json!({ "command": "fly" }),
        ] {
            assert!(serde_json::from_value::<AgentCommand>(bad).is_err());
        }
    }
}
