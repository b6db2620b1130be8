//! Audit lines of cross-site refusals (docs/security.md, A-02): an operator of one site who
//! names another site's conversation (a console command, the transcript) or operator (a
//! transfer) is refused as if it did not exist, and one WARN line with target `audit` says
//! who tried what: the operator's id and site, the site asked for and the action. Never a
//! token, a message text or a visitor's details.
//!
//! Finding the other site costs store reads, so it is done only after a refusal.

use staffetta_handoff::connector::AgentCommand;
use staffetta_handoff::desk::TransferTarget;
use staffetta_handoff::operator::Operator;
use staffetta_handoff::{AgentId, ConversationId};

use super::commands::ConsoleCommand;
use super::{site_desk, visitor_side};
use crate::app::AppState;
use crate::visitor::conversation;

/// Writes the audit line of a refused action of `operator` on `asked_site`'s data.
pub fn cross_site_refused(operator: &Operator, asked_site: &str, action: &str) {
    tracing::warn!(
        target: "audit",
        audit = "cross_site_refused",
        operator = operator.id.as_str(),
        site = operator.site.as_str(),
        asked_site,
        action,
        "an operator was refused an action on another site's data"
    );
}

/// The site a conversation belongs to (through its session), if it is known.
pub async fn site_of_conversation(state: &AppState, conversation: &str) -> Option<String> {
    let link = visitor_side::link(state, conversation).await.ok()??;
    let (record, _) = conversation::load(state, &link.session_id).await.ok()?;
    Some(record.site)
}

/// After `operator` was refused `action` on `conversation`: the audit line when the
/// conversation belongs to another site (nothing for their own site's or an unknown one).
pub async fn refused_on_conversation(
    state: &AppState,
    operator: &Operator,
    conversation: &str,
    action: &str,
) {
    if let Some(site) = site_of_conversation(state, conversation).await
        && site != operator.site.as_str()
    {
        cross_site_refused(operator, &site, action);
    }
}

/// The site (other than `operator`'s) whose desk has `agent` logged in, if any.
async fn site_of_agent(state: &AppState, operator: &Operator, agent: &AgentId) -> Option<String> {
    for site in &state.settings.sites {
        if site.id == operator.site.as_str() {
            continue;
        }
        let Ok(desk) = site_desk::read(state, &site.id).await else {
            continue;
        };
        if desk.agent(agent).is_some() {
            return Some(site.id.clone());
        }
    }
    None
}

/// What a console command names that may belong to another site.
#[derive(Debug)]
pub struct Named {
    /// The command's name, as the audit line's `action`.
    action: &'static str,
    /// The conversation it acts on.
    conversation: Option<ConversationId>,
    /// The agent it transfers to.
    agent: Option<AgentId>,
}

impl Named {
    /// What `command` names (nothing for commands on the operator's own state or offers).
    pub fn of(command: &ConsoleCommand) -> Self {
        let (action, conversation, agent) = match command {
            ConsoleCommand::BanIp { conversation, .. } => ("ban_ip", Some(conversation), None),
            ConsoleCommand::Desk(AgentCommand::Send { conversation, .. }) => {
                ("send", Some(conversation), None)
            }
            ConsoleCommand::Desk(AgentCommand::Typing { conversation, .. }) => {
                ("typing", Some(conversation), None)
            }
            ConsoleCommand::Desk(AgentCommand::End { conversation }) => {
                ("end", Some(conversation), None)
            }
            ConsoleCommand::Desk(AgentCommand::Transfer { conversation, to }) => {
                let agent = match to {
                    TransferTarget::Agent(agent) => Some(agent.clone()),
                    TransferTarget::Resource(_) => None,
                };
                ("transfer", Some(conversation), agent)
            }
            ConsoleCommand::Desk(_) => ("other", None, None),
        };
        Self {
            action,
            conversation: conversation.cloned(),
            agent,
        }
    }

    /// After the command was refused: the audit line when what it names is another site's.
    pub async fn refused(self, state: &AppState, operator: &Operator) {
        if let Some(conversation) = &self.conversation {
            refused_on_conversation(state, operator, conversation.as_str(), self.action).await;
        }
        if let Some(agent) = &self.agent
            && let Some(site) = site_of_agent(state, operator, agent).await
        {
            cross_site_refused(operator, &site, "transfer_to_agent");
        }
    }
}
