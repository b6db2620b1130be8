//! Why the desk refused a transition. A refused transition changes nothing.

use crate::agent::AgentError;
use crate::ids::{AgentId, ConversationId, OfferId, ResourceId};
use crate::resource::ResourceError;

/// A refused desk transition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeskError {
    /// No resource has this id.
    #[error("unknown resource {0}")]
    UnknownResource(ResourceId),
    /// The request named no resource and the desk has no default one.
    #[error("no resource was named and the site has no default resource")]
    NoDefaultResource,
    /// The resource definition is invalid.
    #[error(transparent)]
    InvalidResource(#[from] ResourceError),
    /// Conversations still wait for or come through the resource.
    #[error("resource {0} still has conversations")]
    ResourceInUse(ResourceId),
    /// The conversation is already at the desk.
    #[error("conversation {0} is already at the desk")]
    ConversationExists(ConversationId),
    /// The desk does not handle this conversation.
    #[error("unknown conversation {0}")]
    UnknownConversation(ConversationId),
    /// The agent is not logged in at this desk.
    #[error("agent {0} is not logged in")]
    NotLoggedIn(AgentId),
    /// The offer is pending for another agent.
    #[error("offer {0} was made to another agent")]
    OfferNotYours(OfferId),
    /// The offer is no longer pending: accepted, rejected, withdrawn or past its deadline.
    #[error("offer {0} is no longer pending")]
    AlreadyTaken(OfferId),
    /// The desk never made this offer.
    #[error("unknown offer {0}")]
    UnknownOffer(OfferId),
    /// The conversation is not online with this agent.
    #[error("conversation {0} is not online with this agent")]
    NotYourConversation(ConversationId),
    /// The agent has no open job with this id.
    #[error("the agent has no job {0}")]
    UnknownJob(OfferId),
    /// The job is not in after-chat work.
    #[error("job {0} is not in after-chat work")]
    NotInWrapUp(OfferId),
    /// An agent tried to transfer a conversation to themselves.
    #[error("a conversation cannot be transferred to the agent who has it")]
    TransferToSelf,
    /// The agent named as transfer target is not logged in.
    #[error("agent {0} is not logged in and cannot receive a transfer")]
    TransferTargetUnavailable(AgentId),
    /// Nobody else logged in serves the target resource.
    #[error("nobody else is logged in for resource {0}")]
    NobodyToTransferTo(ResourceId),
    /// The agent state machine refused the input.
    #[error(transparent)]
    Agent(#[from] AgentError),
}

impl DeskError {
    /// A stable snake_case code for API error bodies and message keys.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownResource(_) => "unknown_resource",
            Self::NoDefaultResource => "no_default_resource",
            Self::InvalidResource(_) => "invalid_resource",
            Self::ResourceInUse(_) => "resource_in_use",
            Self::ConversationExists(_) => "conversation_exists",
            Self::UnknownConversation(_) => "unknown_conversation",
            Self::NotLoggedIn(_) => "not_logged_in",
            Self::OfferNotYours(_) => "offer_not_yours",
            Self::AlreadyTaken(_) => "already_taken",
            Self::UnknownOffer(_) => "unknown_offer",
            Self::NotYourConversation(_) => "not_your_conversation",
            Self::UnknownJob(_) => "unknown_job",
            Self::NotInWrapUp(_) => "not_in_wrap_up",
            Self::TransferToSelf => "transfer_to_self",
            Self::TransferTargetUnavailable(_) => "transfer_target_unavailable",
            Self::NobodyToTransferTo(_) => "nobody_to_transfer_to",
            Self::Agent(AgentError::NotLoggedIn) => "not_logged_in",
            Self::Agent(AgentError::ConversationsActive { .. }) => "conversations_active",
            Self::Agent(AgentError::JobsOpen { .. }) => "jobs_open",
            Self::Agent(AgentError::UnknownPauseReason(_)) => "unknown_pause_reason",
            Self::Agent(AgentError::NotReady) => "not_ready",
        }
    }
}
