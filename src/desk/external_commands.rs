//! Commands from an external contact centre (docs/connectors.md): checked when they arrive,
//! then applied in order like console commands, and a refusal always reported back.
//!
//! - On arrival ([`DeskCheck`], the commands endpoint's [`CommandCheck`]): the agent must be
//!   an operator of the site who takes conversations, a message must have 1 to
//!   [`MAX_AGENT_MESSAGE_CHARS`] characters, and the command is tried on a copy of the desk as
//!   it stands (the agent logged in first for a `set_state`, as when it is applied): an offer,
//!   job or chat the desk does not have for that agent, a pause reason the site does not have,
//!   or a command the state does not allow is answered at once with a 4xx and nothing is
//!   queued ([`refusal_status`]). The desk is tried only when no command received before on
//!   this node is still waiting to be applied: one that is (an `accept`) may make this one
//!   (a `send` right behind it) valid, so a contact centre may post commands back to back.
//! - When applied ([`apply_queued`]): what still fails (the desk changed since the check: the
//!   offer was taken meanwhile, the visitor left, a store error) is stored in the site's
//!   outbox as a `command_refused` item for the agent, with the command's `id`, its name and
//!   the desk's code and message, so the contact centre learns of every refused command.

use axum::http::StatusCode;
use staffetta_handoff::connector::{AgentCommand, BoxFuture, Inbound, apply_command};
use staffetta_handoff::operator::{Action, Operator};
use staffetta_handoff::{AgentId, DeskError, SiteId};

use super::commands::{MAX_AGENT_MESSAGE_CHARS, Refusal, apply_inbound};
use super::{deliver, site_desk, visitor_side};
use crate::app::AppState;
use crate::connector::Queued;
use crate::connector::{CommandCheck, CommandRefusal, CommandRefused, EdgeItem, ForAgent, Item};
use crate::visitor::record::Status;

/// The desk's checks of a command on arrival, for the commands endpoint.
#[derive(Clone)]
pub struct DeskCheck {
    state: AppState,
}

impl std::fmt::Debug for DeskCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeskCheck").finish_non_exhaustive()
    }
}

impl DeskCheck {
    /// Checks against `state`'s operators and desks.
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

impl CommandCheck for DeskCheck {
    fn check<'a>(
        &'a self,
        site: &'a str,
        inbound: &'a Inbound,
        settled: bool,
    ) -> BoxFuture<'a, Result<(), CommandRefusal>> {
        Box::pin(check_on_arrival(&self.state, site, inbound, settled))
    }
}

/// The HTTP status of a refusal on arrival with `code`: 422 when the command names
/// something the site or the desk does not have (agent, chat, offer, job, pause reason,
/// resource), 400 for a malformed command, 503 when the check could not be made, 409 for a
/// command the state of the agent or the chat does not allow.
pub fn refusal_status(code: &str) -> StatusCode {
    match code {
        "unknown_agent"
        | "unknown_conversation"
        | "unknown_offer"
        | "unknown_job"
        | "unknown_pause_reason"
        | "unknown_resource" => StatusCode::UNPROCESSABLE_ENTITY,
        "bad_command" => StatusCode::BAD_REQUEST,
        "unavailable" | "busy" | "store_unavailable" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::CONFLICT,
    }
}

fn refused(code: &'static str, message: impl Into<String>) -> CommandRefusal {
    CommandRefusal {
        status: refusal_status(code),
        code,
        message: message.into(),
    }
}

fn unavailable(err: &dyn std::fmt::Display) -> CommandRefusal {
    tracing::warn!(error = %err, "an external desk command could not be checked");
    refused(
        "unavailable",
        "The command cannot be checked right now; retry after Retry-After seconds.",
    )
}

/// What can be known of `inbound` when it arrives (see the module doc); the desk only when
/// the commands before it were applied (`settled`).
async fn check_on_arrival(
    state: &AppState,
    site: &str,
    inbound: &Inbound,
    settled: bool,
) -> Result<(), CommandRefusal> {
    let operator = match external_operator(state, site, inbound.agent.as_str()).await {
        Ok(operator) => operator,
        Err(refusal) if refusal.code == "unknown_agent" => {
            return Err(refused("unknown_agent", refusal.message));
        }
        Err(refusal) => return Err(unavailable(&refusal.message)),
    };
    if let AgentCommand::Send { text, .. } = &inbound.command {
        let chars = text.trim().chars().count();
        if chars == 0 || chars > MAX_AGENT_MESSAGE_CHARS {
            return Err(refused(
                "bad_command",
                format!("A message has 1 to {MAX_AGENT_MESSAGE_CHARS} characters."),
            ));
        }
    }
    if !settled {
        return Ok(());
    }
    let mut desk = site_desk::read(state, site)
        .await
        .map_err(|err| unavailable(&err.message()))?;
    let now = crate::visitor::conversation::now(state);
    let inbound = Inbound {
        agent: operator.id.clone(),
        command: inbound.command.clone(),
    };
    let tried = (|| {
        if let AgentCommand::SetState(_) = inbound.command
            && desk.agent(&operator.id).is_none()
        {
            let profile = operator
                .agent_profile()
                .map_err(|_| DeskError::NotLoggedIn(operator.id.clone()))?;
            desk.login(now, profile)?;
        }
        apply_command(&mut desk, now, &inbound).map(drop)
    })();
    match tried {
        Ok(()) => Ok(()),
        Err(DeskError::UnknownConversation(conversation)) => {
            // A chat that ended is no longer at the desk: say so rather than "unknown".
            if conversation_ended(state, site, conversation.as_str()).await {
                Err(refused(
                    "conversation_ended",
                    "The visitor has left this conversation.",
                ))
            } else {
                Err(refused("unknown_conversation", "No such conversation."))
            }
        }
        Err(err) => Err(refused(err.code(), err.to_string())),
    }
}

/// Whether `conversation` is one of `site`'s that was handed to the desk and is not in
/// handoff any more.
async fn conversation_ended(state: &AppState, site: &str, conversation: &str) -> bool {
    let Ok(Some(link)) = visitor_side::link(state, conversation).await else {
        return false;
    };
    match crate::visitor::conversation::load(state, &link.session_id).await {
        Ok((record, _)) => record.site == site && record.status != Status::Handoff,
        Err(_) => false,
    }
}

/// Applies a command from an external desk (without an `id`): [`apply_queued`].
pub async fn apply_external(state: &AppState, site: &str, inbound: Inbound) {
    apply_queued(state, site, Queued { id: None, inbound }).await;
}

/// Applies a queued command from an external desk; a refusal is logged and stored in the
/// site's outbox as a `command_refused` item for the agent (see the module doc).
///
/// External agents are operators of the site, named by operator id or by login. They have
/// no console socket, so `set_state` from an agent who is not at the desk logs them in
/// first (the desk's LOGGEDIN goes back through the connector).
pub async fn apply_queued(state: &AppState, site: &str, queued: Queued) {
    let Queued { id, mut inbound } = queued;
    let Ok(site_id) = SiteId::parse(site) else {
        return;
    };
    let named = inbound.agent.clone();
    let command = command_name(&inbound.command);
    let mut login = None;
    let result = async {
        let operator = external_operator(state, site, inbound.agent.as_str()).await?;
        login = Some(operator.login.as_str().to_owned());
        if let Some(connector) = state.agents.external.connector(site) {
            connector.remember_login(&operator.id, operator.login.as_str());
        }
        inbound.agent = operator.id.clone();
        if let AgentCommand::SetState(_) = inbound.command {
            let profile = operator
                .agent_profile()
                .map_err(|e| Refusal::new("forbidden", e.to_string()))?;
            let outcome = site_desk::update(state, site, |desk, now| {
                if desk.agent(profile.id()).is_some() {
                    return Ok(((), Vec::new()));
                }
                Ok(((), desk.login(now, profile.clone())?))
            })
            .await?;
            let ((), notices) = outcome.map_err(|e| Refusal::from(&e))?;
            deliver::deliver(state, site, notices).await;
        }
        apply_inbound(state, &site_id, inbound.clone()).await
    }
    .await;
    if let Err(refusal) = result {
        tracing::info!(site, code = %refusal.code, "an external desk command was refused");
        // The agent as resolved (by id, with the login), or as the contact centre named them.
        let agent = if login.is_some() {
            inbound.agent.clone()
        } else {
            named
        };
        report(state, site, agent, id, command, refusal).await;
    }
}

/// Stores a refusal for the contact centre.
async fn report(
    state: &AppState,
    site: &str,
    agent: AgentId,
    id: Option<String>,
    command: String,
    refusal: Refusal,
) {
    let Some(connector) = state.agents.external.connector(site) else {
        return;
    };
    let item = ForAgent {
        agent,
        item: Item::Edge(EdgeItem::CommandRefused(CommandRefused {
            id,
            command,
            code: refusal.code,
            message: refusal.message,
        })),
        summary: None,
        transcript: false,
    };
    if let Err(err) = connector.record_item(&item).await {
        tracing::warn!(site, error = %err, "a refused external desk command could not be reported");
    }
}

/// The `command` name of a command (`accept`, `send`, ...).
fn command_name(command: &AgentCommand) -> String {
    serde_json::to_value(command)
        .ok()
        .and_then(|value| value.get("command")?.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The operator of `site` that `agent` names (by id or login) and that takes
/// conversations: `unknown_agent` otherwise.
async fn external_operator(state: &AppState, site: &str, agent: &str) -> Result<Operator, Refusal> {
    let unknown = || {
        Refusal::new(
            "unknown_agent",
            "No operator of this site who takes conversations has this id or login.",
        )
    };
    let operators = crate::agent::operators::list(state.store.as_ref(), site)
        .await
        .map_err(|e| Refusal::new("unavailable", e.to_string()))?;
    let operator = operators
        .into_iter()
        .find(|o| o.id.as_str() == agent || o.login.as_str() == agent)
        .ok_or_else(unknown)?;
    operator
        .permits(&operator.site, Action::TakeConversations)
        .map_err(|_| unknown())?;
    Ok(operator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_that_name_the_unknown_are_422_malformed_400_and_state_409() {
        assert_eq!(
            refusal_status("unknown_agent"),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            refusal_status("unknown_offer"),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(refusal_status("bad_command"), StatusCode::BAD_REQUEST);
        assert_eq!(refusal_status("already_taken"), StatusCode::CONFLICT);
        assert_eq!(
            refusal_status("not_your_conversation"),
            StatusCode::CONFLICT
        );
        assert_eq!(
            refusal_status("unavailable"),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[test]
    fn a_command_is_named_as_the_contract_names_it() {
        assert_eq!(command_name(&AgentCommand::Logout), "logout");
        let wrap_up: AgentCommand =
            serde_json::from_str(r#"{"command":"wrapup_done","job":"7","disposition":"solved"}"#)
                .unwrap();
        assert_eq!(command_name(&wrap_up), "wrapup_done");
    }
}
