//! Audit lines of refusals for naming what is not the operator's (docs/security.md, A-02):
//! an operator of one site who names another site's conversation (a console command, the
//! transcript) or operator (a transfer) is refused as if it did not exist, and one WARN line
//! with target `audit` says who tried what: the operator's id and site, the site asked for
//! and the action (`cross_site_refused`). An `accept` or `reject` of an offer pending for
//! another agent, or a `wrapup_done` of another agent's job, writes one too
//! (`other_agents_refused`, with the offer or job id). Never a token, a message text, a
//! wrap-up note or a visitor's details.
//!
//! Only a refusal that names something the operator may not see is audited ([`Unseen`]:
//! the refusal says so, e.g. the desk's `unknown_conversation`); a busy desk, a store error
//! or a malformed command writes nothing. Finding the other site costs store reads, so it is
//! done only after such a refusal.

use staffetta_handoff::connector::AgentCommand;
use staffetta_handoff::operator::Operator;
use staffetta_handoff::{AgentId, ConversationId, Desk, DeskError, OfferId};

use super::commands::ConsoleCommand;
use super::visitor_side;
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

/// Writes the audit line of a refused action of `operator` on another agent's offer or job
/// (`kind`) of their own site.
pub fn other_agents_refused(operator: &Operator, action: &str, kind: &str, id: OfferId) {
    tracing::warn!(
        target: "audit",
        audit = "other_agents_refused",
        operator = operator.id.as_str(),
        site = operator.site.as_str(),
        action,
        kind,
        id = %id,
        "an operator was refused an action on another agent's offer or job"
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

/// The site of `agent` when it is not `operator`'s: one read of the id's site record
/// ([`crate::agent::operators::site_of_agent`]), whatever the number of sites. An id that
/// names an operator of the operator's own site (a colleague who is not logged in) or no
/// recorded operator gives nothing.
async fn other_site_of_agent(
    state: &AppState,
    operator: &Operator,
    agent: &AgentId,
) -> Option<String> {
    let site = crate::agent::operators::site_of_agent(state.store.as_ref(), agent)
        .await
        .ok()??;
    (site != operator.site.as_str()).then_some(site)
}

/// What a refused console command named that its operator may not see, as the refusal
/// found it. Only refusals that carry one are audited: a refusal for being busy, a store
/// error, a malformed command or a missing permission names nothing the operator was kept
/// from, and writes no line (and costs no lookup).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unseen {
    /// A conversation the desk of the operator's site does not give them (unknown to it, or
    /// not theirs): whose it is is looked up through its session, and only another site's
    /// is audited.
    Conversation(ConversationId),
    /// A conversation of this other site, found while refusing.
    OtherSitesConversation(String),
    /// An agent not logged in at the desk of the operator's site, named as a transfer
    /// target: audited when the agent is another site's operator (one read of the id's
    /// site record; no other site's desk is read).
    Agent(AgentId),
    /// An offer pending for another agent of the operator's site (`accept`, `reject`).
    OtherAgentsOffer(OfferId),
    /// A job another agent of the operator's site has (`wrapup_done`).
    OtherAgentsJob(OfferId),
}

/// What a refusal of the desk says `agent`'s command named and they may not see, told on
/// the desk that refused it. Offer and job ids are numbered per site, so the ones a command
/// names are its own site's: another agent's, or nobody's.
pub fn unseen_in(desk: &Desk, agent: &AgentId, err: &DeskError) -> Option<Unseen> {
    match err {
        DeskError::UnknownConversation(conversation)
        | DeskError::NotYourConversation(conversation) => {
            Some(Unseen::Conversation(conversation.clone()))
        }
        DeskError::TransferTargetUnavailable(agent) => Some(Unseen::Agent(agent.clone())),
        DeskError::OfferNotYours(offer) => Some(Unseen::OtherAgentsOffer(*offer)),
        // Not the agent's own job (finished already, say): another's, or no job at all.
        DeskError::UnknownJob(job) => desk
            .agents()
            .any(|other| other.profile().id() != agent && other.jobs().contains_key(job))
            .then_some(Unseen::OtherAgentsJob(*job)),
        _ => None,
    }
}

/// The name of a console command, as an audit line's `action`.
pub fn action_of(command: &ConsoleCommand) -> &'static str {
    match command {
        ConsoleCommand::BanIp { .. } => "ban_ip",
        ConsoleCommand::Desk(command) => match command {
            AgentCommand::Send { .. } => "send",
            AgentCommand::Typing { .. } => "typing",
            AgentCommand::End { .. } => "end",
            AgentCommand::Transfer { .. } => "transfer",
            AgentCommand::Accept { .. } => "accept",
            AgentCommand::Reject { .. } => "reject",
            AgentCommand::WrapUpDone { .. } => "wrapup_done",
            AgentCommand::SetState(_) => "set_state",
            AgentCommand::Logout => "logout",
        },
    }
}

/// After `operator` was refused `action` for naming `unseen`: the audit line when it is
/// another site's.
pub async fn refused(state: &AppState, operator: &Operator, action: &str, unseen: &Unseen) {
    match unseen {
        Unseen::Conversation(conversation) => {
            refused_on_conversation(state, operator, conversation.as_str(), action).await;
        }
        Unseen::OtherSitesConversation(site) => cross_site_refused(operator, site, action),
        Unseen::OtherAgentsOffer(offer) => other_agents_refused(operator, action, "offer", *offer),
        Unseen::OtherAgentsJob(job) => other_agents_refused(operator, action, "job", *job),
        Unseen::Agent(agent) => {
            if let Some(site) = other_site_of_agent(state, operator, agent).await {
                cross_site_refused(operator, &site, "transfer_to_agent");
            }
        }
    }
}
