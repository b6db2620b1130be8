//! Agent commands, from a console socket or an external desk: parsed, permission-checked,
//! applied to the site's desk under compare-and-set, and their results delivered (an
//! external desk's commands are checked and reported by [`super::external_commands`]). An
//! agent's chat message goes into the conversation log (with its item for the site's external
//! desk, in the same write) before anyone is told about it.

use std::sync::atomic::{AtomicBool, Ordering};

use serde::Deserialize;
use serde_json::{Value, json};
use staffetta_handoff::connector::{
    AgentCommand, Author, ChatMessage, Inbound, Outbound, apply_command,
};
use staffetta_handoff::operator::{Action, Operator};
use staffetta_handoff::{ConversationId, DeskError, SiteId};

pub use super::external_commands::apply_external;
use staffetta_widget::protocol::{EventKind, GenericItem, OutputBody, Sender};

use super::conversation_log::undo_if_deleted;
use super::{audit, bans, deliver, guarded_append, site_desk, visitor_side};
use crate::app::AppState;
use crate::error::ApiError;
use crate::store::{AppendBatch, AppendOutcome};
use crate::visitor::bus::Notice as BusNotice;
use crate::visitor::record::{Status, conversation_log};
use crate::visitor::turn::encode_entries;

/// Longest agent message, in characters.
pub const MAX_AGENT_MESSAGE_CHARS: usize = 4000;

/// A command frame: a desk command, or one handled by the edge alone.
#[derive(Debug)]
pub enum ConsoleCommand {
    /// A desk command (state, accept, reject, send, typing, end, wrap-up, transfer, logout).
    Desk(AgentCommand),
    /// Ban the IP of a conversation's visitor, optionally for a while.
    BanIp {
        /// The conversation.
        conversation: ConversationId,
        /// Seconds until the ban lapses; `None` bans for good.
        expires_s: Option<u64>,
    },
}

/// What a console frame asks for: a command, or new credentials for the socket itself.
#[derive(Debug)]
pub enum Request {
    /// A command for the desk or the edge.
    Command(ConsoleCommand),
    /// `{"command": "reauth", "token": "..."}`: a fresh access token for the open socket
    /// (see [`super::socket_token`]).
    Reauth {
        /// The access token.
        token: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReauthFrame {
    #[allow(dead_code)]
    command: String,
    token: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BanIpFrame {
    #[allow(dead_code)]
    command: String,
    conversation: ConversationId,
    #[serde(default)]
    expires_s: Option<u64>,
}

/// A refused command: the console's `ERROR` frame.
#[derive(Debug)]
pub struct Refusal {
    /// Machine-readable code.
    pub code: String,
    /// Human message.
    pub message: String,
    /// What the command named that the operator may not see, when the refusal is for that
    /// (the audit line's subject, [`audit`]); never sent to the console.
    pub unseen: Option<audit::Unseen>,
}

impl Refusal {
    /// A refusal with this code and message, naming nothing unseen.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            unseen: None,
        }
    }

    /// This refusal, for naming `unseen` (if any).
    pub fn naming(mut self, unseen: Option<audit::Unseen>) -> Self {
        self.unseen = unseen;
        self
    }

    /// The `ERROR` frame for the console.
    pub fn frame(&self, command: &str) -> Value {
        json!({"event": "ERROR", "code": self.code, "message": self.message, "command": command})
    }
}

impl From<ApiError> for Refusal {
    fn from(err: ApiError) -> Self {
        Self::new(err.code(), err.message())
    }
}

impl From<&DeskError> for Refusal {
    fn from(err: &DeskError) -> Self {
        Self::new(err.code(), err.to_string())
    }
}

/// Parses a command frame; the name of the command (for the error frame) comes with it.
pub fn parse(text: &str) -> Result<(String, Request), (String, Refusal)> {
    let value: Value = serde_json::from_str(text).map_err(|_| {
        (
            String::new(),
            Refusal::new("bad_command", "The frame is not JSON."),
        )
    })?;
    let name = value
        .get("command")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let bad = |e: serde_json::Error| {
        (
            name.clone(),
            Refusal::new("bad_command", format!("Invalid `{name}` command: {e}")),
        )
    };
    if name == "reauth" {
        let frame: ReauthFrame = serde_json::from_value(value).map_err(bad)?;
        return Ok((name.clone(), Request::Reauth { token: frame.token }));
    }
    if name == "ban_ip" {
        let frame: BanIpFrame = serde_json::from_value(value).map_err(bad)?;
        return Ok((
            name.clone(),
            Request::Command(ConsoleCommand::BanIp {
                conversation: frame.conversation,
                expires_s: frame.expires_s,
            }),
        ));
    }
    let command: AgentCommand = serde_json::from_value(value).map_err(bad)?;
    Ok((name, Request::Command(ConsoleCommand::Desk(command))))
}

/// Applies a console command of `operator`. Results reach the agent's sockets through the
/// delivery of the desk notices; a direct answer (the ban confirmation) is returned. A
/// refusal for naming another site's conversation or agent, or another agent's offer or job,
/// writes an audit line ([`audit`]); other refusals (busy, store errors, malformed commands)
/// write none.
pub async fn apply(
    state: &AppState,
    operator: &Operator,
    command: ConsoleCommand,
) -> Result<Option<Value>, Refusal> {
    let action = audit::action_of(&command);
    let result = apply_own_site(state, operator, command).await;
    if let Err(Refusal {
        unseen: Some(unseen),
        ..
    }) = &result
    {
        audit::refused(state, operator, action, unseen).await;
    }
    result
}

/// [`apply`] without the audit of refusals.
async fn apply_own_site(
    state: &AppState,
    operator: &Operator,
    command: ConsoleCommand,
) -> Result<Option<Value>, Refusal> {
    let site = operator.site.as_str();
    match command {
        ConsoleCommand::BanIp {
            conversation,
            expires_s,
        } => {
            operator
                .permits(&operator.site, Action::BanIp)
                .map_err(|_| Refusal::new("forbidden", "You may not ban visitors' addresses."))?;
            let until = bans::ban_conversation(state, site, &conversation, expires_s).await?;
            Ok(Some(json!({
                "event": "IP_BANNED", "chat_id": conversation.as_str(), "until": until,
            })))
        }
        ConsoleCommand::Desk(command) => {
            if let AgentCommand::Transfer { .. } = &command {
                operator
                    .permits(&operator.site, Action::TransferOwnConversation)
                    .map_err(|_| Refusal::new("forbidden", "You may not transfer."))?;
            }
            let inbound = Inbound {
                agent: operator.id.clone(),
                command,
            };
            apply_inbound(state, &operator.site, inbound).await?;
            Ok(None)
        }
    }
}

/// Applies a desk command of `inbound.agent` (an operator id) to `site`'s desk; a `send`
/// stores the agent's message ([`post_agent_message`]).
pub(super) async fn apply_inbound(
    state: &AppState,
    site: &SiteId,
    inbound: Inbound,
) -> Result<(), Refusal> {
    if let AgentCommand::Send { conversation, text } = &inbound.command {
        let chars = text.trim().chars().count();
        if chars == 0 || chars > MAX_AGENT_MESSAGE_CHARS {
            return Err(Refusal::new(
                "bad_command",
                format!("A message has 1 to {MAX_AGENT_MESSAGE_CHARS} characters."),
            ));
        }
        return post_agent_message(state, site, &inbound, conversation).await;
    }
    // What a refusal named that the agent may not see, as the refusing desk tells it (set
    // by the last run of the transition, the one whose answer is returned).
    let mut unseen = None;
    let outcome = site_desk::update(state, site.as_str(), |desk, now| {
        // Only `send` has a message, and it does not change the desk (above).
        let applied = apply_command(desk, now, &inbound).inspect_err(|e| {
            unseen = audit::unseen_in(desk, &inbound.agent, e);
        })?;
        Ok(((), applied.notices))
    })
    .await?;
    let ((), notices) = outcome.map_err(|e| Refusal::from(&e).naming(unseen))?;
    deliver::deliver(state, site.as_str(), notices).await;
    Ok(())
}

/// Stores an agent's message (a `send`) in the conversation and shows it to the agent's
/// consoles, only while the agent has the conversation: the desk is read, the command
/// checked against it ([`apply_command`] changes nothing for a `send`) and the message's
/// append carries the desk's version as its guard ([`guarded_append`]). A transfer (or any
/// desk change) landing in between stores nothing and the command is checked again on the
/// desk read afresh, so a send that lost the race to a transfer is refused with
/// `not_your_conversation`, as one sent after it, and one that lost it to the end of the
/// conversation with `conversation_ended` ([`ended_or`]). The desk itself is not written.
async fn post_agent_message(
    state: &AppState,
    site: &SiteId,
    inbound: &Inbound,
    conversation: &ConversationId,
) -> Result<(), Refusal> {
    let id = conversation.as_str();
    let link = visitor_side::link(state, id)
        .await?
        .ok_or_else(|| Refusal::new("unknown_conversation", "No such conversation."))?;
    let (record, _) = crate::visitor::conversation::load(state, &link.session_id).await?;
    if record.site != site.as_str() {
        // Refused as if it did not exist, whatever its state.
        return Err(
            Refusal::new("unknown_conversation", "No such conversation.")
                .naming(Some(audit::Unseen::OtherSitesConversation(record.site))),
        );
    }
    if record.status != Status::Handoff {
        return Err(Refusal::new(
            "conversation_ended",
            "The visitor has left this conversation.",
        ));
    }
    let agent = &inbound.agent;
    let log = conversation_log(id);
    // A try found the conversation online with this agent (its write may still lose).
    let had_it = &AtomicBool::new(false);
    let tried = guarded_append::append(state, &log, move || async move {
        let (mut desk, guard) = site_desk::read_guarded(state, site.as_str()).await?;
        let now = crate::visitor::conversation::now(state);
        let message = apply_command(&mut desk, now, inbound)
            .map_err(|e| Refusal::from(&e))?
            .message
            .ok_or_else(|| Refusal::from(ApiError::internal(&"a send without a message")))?;
        had_it.store(true, Ordering::Relaxed);
        let agent_name = desk
            .agent(agent)
            .map(|a| a.profile().display_name().as_str().to_owned())
            .unwrap_or_default();
        let text = message.text.trim().to_owned();
        let html = staffetta_engine::markdown::render(&text)
            .map_err(|e| Refusal::new("bad_command", e.to_string()))?;
        let entry = EventKind::Message {
            from: Sender::Agent,
            at: message.at.as_millisecond(),
            client_message_id: None,
            input: None,
            output: Some(OutputBody {
                generic: vec![GenericItem::Text {
                    text: text.clone(),
                    html,
                }],
            }),
            agent_name: Some(agent_name),
        };
        let shown = Outbound::Message(ChatMessage {
            text,
            from: Author::Agent(agent.clone()),
            ..message
        });
        // On a site with an external desk, the message's outbox item is stored by the same
        // write as the message.
        let also = state
            .agents
            .external
            .item_to_store(site.as_str(), agent, &shown)
            .map_err(ApiError::from)?;
        let batch = AppendBatch {
            schedule: None,
            client_message_id: None,
            fingerprint: None,
            entries: encode_entries(&[entry]),
            record: None,
            guard: Some(guard),
            also: Vec::from_iter(also),
        };
        Ok::<_, Refusal>((batch, shown))
    })
    .await;
    let (outcome, shown) = match tried {
        Ok(stored) => stored,
        Err(refusal) => {
            let had_it = had_it.load(Ordering::Relaxed);
            return Err(ended_or(state, &link.session_id, had_it, refusal).await);
        }
    };
    let AppendOutcome::Appended {
        first_seq,
        last_seq,
        ..
    } = outcome
    else {
        return Err(ApiError::internal(&"an agent message was not appended").into());
    };
    undo_if_deleted(state, id, first_seq).await?;
    state
        .bus
        .publish(id, BusNotice::Appended { head: last_seq });
    deliver::message_stored(state, site.as_str(), agent, &shown, first_seq).await;
    Ok(())
}

/// A `send` the desk refused after the session was found with an agent: a conversation
/// that ended meanwhile (the visitor left, or it was ended from elsewhere) answers
/// `conversation_ended`, as a send after the end does, instead of what the desk says of a
/// conversation it no longer holds. Ended: the desk dropped the conversation after a try
/// found it online with this agent (its write lost to that change; the session may not say
/// so yet), or the session is no longer with an agent. Any other refusal (a transfer to
/// someone else: `not_your_conversation`) is kept.
async fn ended_or(state: &AppState, session_id: &str, had_it: bool, refusal: Refusal) -> Refusal {
    let ended = || {
        Refusal::new(
            "conversation_ended",
            "The visitor has left this conversation.",
        )
    };
    match refusal.code.as_str() {
        "unknown_conversation" if had_it => ended(),
        "unknown_conversation" | "not_your_conversation" => {
            match crate::visitor::conversation::load(state, session_id).await {
                Ok((record, _)) if record.status != Status::Handoff => ended(),
                _ => refusal,
            }
        }
        _ => refusal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ban_ip_reauth_and_desk_commands_parse_and_bad_frames_are_named() {
        let (name, command) =
            parse(r#"{"command":"ban_ip","conversation":"c1","expires_s":60}"#).unwrap();
        assert_eq!(name, "ban_ip");
        assert!(matches!(
            command,
            Request::Command(ConsoleCommand::BanIp {
                expires_s: Some(60),
                ..
            })
        ));
        let (name, command) = parse(r#"{"command":"accept","offer":"7"}"#).unwrap();
        assert_eq!(name, "accept");
        assert!(matches!(
            command,
            Request::Command(ConsoleCommand::Desk(AgentCommand::Accept { .. }))
        ));
        let (name, refusal) = parse(r#"{"command":"accept","offer":"zero"}"#).unwrap_err();
        assert_eq!(
            (name.as_str(), refusal.code.as_str()),
            ("accept", "bad_command")
        );
        let (name, command) = parse(r#"{"command":"reauth","token":"t.o.k"}"#).unwrap();
        assert_eq!(name, "reauth");
        assert!(matches!(command, Request::Reauth { token } if token == "t.o.k"));
        let (name, refusal) = parse(r#"{"command":"reauth"}"#).unwrap_err();
        assert_eq!(
            (name.as_str(), refusal.code.as_str()),
            ("reauth", "bad_command"),
            "a reauth without a token is a malformed command"
        );
        let (_, refusal) = parse("not json").unwrap_err();
        assert_eq!(refusal.code, "bad_command");
        assert_eq!(
            refusal.frame("x")["event"],
            "ERROR",
            "refusals become ERROR frames"
        );
    }
}
