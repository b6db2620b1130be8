//! The visitor's presence, as the edge observes it (connections, leases, a grace): a
//! visitor who is gone does not wait for an agent.
//!
//! The edge calls [`Desk::visitor_gone`] once the visitor had no connection for the site's
//! grace. A conversation waiting (queued or offered) is cancelled like the visitor's own
//! "stop waiting". A live chat goes on (the agent decides), but is marked: if it would wait
//! again (a transfer, the agent's console lost for good) it is cancelled instead of being
//! queued, so nobody is ever offered a chat whose visitor left more than the grace ago
//! ([`VisitorEvent::VisitorGone`]). [`Desk::visitor_back`] clears the mark.

use jiff::Timestamp;

use super::notice::NoticesExt;
use super::{Desk, DeskError, Notice};
use crate::ids::ConversationId;
use crate::visitor_event::VisitorEvent;

/// What [`Desk::visitor_gone`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitorGoneOutcome {
    /// The conversation was waiting: it is no longer at the desk (an offer is withdrawn).
    Cancelled(Vec<Notice>),
    /// The conversation is live with an agent: marked, it goes on.
    Marked,
}

impl Desk {
    /// The visitor of `conversation` had no connection for the site's grace.
    pub fn visitor_gone(
        &mut self,
        now: Timestamp,
        conversation: &ConversationId,
    ) -> Result<VisitorGoneOutcome, DeskError> {
        self.conversation_or_err(conversation)?;
        if self.owner_of(conversation).is_none() {
            return self
                .end_by_visitor(now, conversation)
                .map(VisitorGoneOutcome::Cancelled);
        }
        if let Some(entry) = self.conversations.get_mut(conversation) {
            entry.visitor_gone = true;
        }
        Ok(VisitorGoneOutcome::Marked)
    }

    /// The visitor of `conversation` is connected again; returns whether it was marked gone.
    pub fn visitor_back(&mut self, conversation: &ConversationId) -> bool {
        self.conversations
            .get_mut(conversation)
            .is_some_and(|entry| std::mem::take(&mut entry.visitor_gone))
    }

    /// A live chat leaves its agent (transfer, lost agent) and would wait again: when its
    /// visitor was found gone it is removed instead, the visitor's log told why; returns
    /// whether it was.
    pub(super) fn cancel_if_visitor_gone(
        &mut self,
        conversation: &ConversationId,
        notices: &mut Vec<Notice>,
    ) -> bool {
        if !self
            .conversations
            .get(conversation)
            .is_some_and(|c| c.visitor_gone)
        {
            return false;
        }
        self.conversations.remove(conversation);
        notices.push_visitor(conversation, VisitorEvent::VisitorGone);
        true
    }
}
