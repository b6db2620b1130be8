//! Deleting one conversation with everything that belongs to it, for retention and for
//! erasure. A live conversation is ended first, the way a visitor leaving ends it: the desk
//! lets go (the agent's console gets CONNECTIONCLEARED, an offer is withdrawn, a wait is
//! cancelled) and the log gets `conversation_ended` by `system`, so the visitor's open tabs
//! can close the chat before it disappears.
//!
//! Then, in this order: the session record and its deadlines, the link from the
//! conversation to its session, the log (with its client ids; then the conversation's open
//! websockets and long-polls, on every node, are told through the bus that it is gone:
//! [`Notice::Erased`]), the offline requests left
//! from the conversation and its finished jobs (after the log: a request left or a job
//! finishing during the purge deletes itself once it sees the log gone,
//! [`crate::desk::offline::store`], [`crate::desk::jobs::store`]), the conversation's items
//! in the site's webhook outbox (after the desk let go, so nothing the conversation stored
//! there before it ended is sent: [`crate::connector::erase_outbox_items`]; the events of
//! the ends of its chats and offers are kept, whatever ended them, without any text an agent
//! typed: they hold no visitor data and close the chat at an external contact centre), the
//! conversation in the visitor's index, and last its retention deadline
//! ([`super::schedule`]). A retention pass and an erasure do the first steps of each of their
//! conversations (`begin`), then erase the outbox items of all of them in one scan of the
//! outbox and do the last steps of each (`complete`). Every step is idempotent and the
//! index and the deadline
//! go last, so a purge cut short (a crash, a store error) is completed by the next one: an
//! erasure can simply be repeated, and retention looks at the conversation again.

use staffetta_handoff::{ConversationId, DeskError};
use staffetta_widget::protocol::{EventKind, Sender};

use super::schedule;
use crate::app::AppState;
use crate::desk::{deliver, jobs, offline, site_desk, visitor_presence, visitor_side};
use crate::error::ApiError;
use crate::visitor::bus::Notice;
use crate::visitor::conversation;
use crate::visitor::identity_expiry::IDENTITY_SCHEDULE;
use crate::visitor::record::{IDLE_SCHEDULE, SessionRecord, Status, conversation_log, session_key};
use crate::visitor::start::visitor_conversations;

/// What one purge found and deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// The conversation was live (with the bot, waiting for or talking to an agent) and was
    /// ended first.
    pub ended_live: bool,
    /// Its log existed (false: it had been deleted before, the purge only tidied up).
    pub log_deleted: bool,
    /// Offline requests left from the conversation that were deleted.
    pub offline_requests: u64,
    /// Finished-job records of the conversation (with the agents' wrap-ups) that were
    /// deleted.
    pub finished_jobs: u64,
    /// Items of the conversation in the site's webhook outbox that were erased.
    pub outbox_items: u64,
}

/// Deletes `conversation` of the visitor `identity_key` on `site`, ending it first if it is
/// live. Errors leave the rest for the next try (every step is idempotent).
pub async fn purge(
    state: &AppState,
    site: &str,
    identity_key: &str,
    conversation: &str,
) -> Result<Purged, ApiError> {
    let pending = begin(state, site, identity_key, conversation).await?;
    let mut done = complete(state, site, vec![pending]).await?;
    done.pop()
        .ok_or_else(|| ApiError::internal(&"a purge completed nothing"))
}

/// A purge whose first steps are done (the conversation ended, its session, log, offline
/// requests and finished jobs deleted), waiting for the erasure of its outbox items and its
/// last steps ([`complete`]).
#[derive(Debug)]
pub(super) struct Pending {
    identity_key: String,
    conversation: String,
    purged: Purged,
}

/// The steps of a purge before the outbox erasure (see the module doc).
pub(super) async fn begin(
    state: &AppState,
    site: &str,
    identity_key: &str,
    conversation: &str,
) -> Result<Pending, ApiError> {
    let session_id = visitor_side::link(state, conversation)
        .await?
        .map(|link| link.session_id);
    let mut ended_live = false;
    if let Some(session_id) = &session_id
        && let Some(record) = session(state, session_id).await?
    {
        ended_live = end_if_live(state, session_id, &record).await?;
    }
    if let Some(session_id) = &session_id {
        forget_session(state, session_id).await?;
    }
    crate::desk::conversation_log::delete_link(state, conversation).await?;
    let log_deleted = state
        .store
        .delete_log(&conversation_log(conversation))
        .await?;
    // The tabs still open on it (on every node) hear that it is gone.
    state.bus.publish(conversation, Notice::Erased);
    let offline_requests = offline::forget_conversation(state, site, conversation).await?;
    let finished_jobs = jobs::forget_conversation(state, site, conversation).await?;
    Ok(Pending {
        identity_key: identity_key.to_owned(),
        conversation: conversation.to_owned(),
        purged: Purged {
            ended_live,
            log_deleted,
            offline_requests,
            finished_jobs,
            outbox_items: 0,
        },
    })
}

/// Erases the outbox items of every `pending` purge of `site` in one scan of the outbox,
/// then takes each conversation out of its visitor's index and the retention schedule; what
/// each purge did, in order. An error leaves the conversations in the schedule and the
/// index, for the next try.
pub(super) async fn complete(
    state: &AppState,
    site: &str,
    pending: Vec<Pending>,
) -> Result<Vec<Purged>, ApiError> {
    let targets: Vec<String> = pending.iter().map(|p| p.conversation.clone()).collect();
    let connector = state.agents.connectors.webhook(site);
    let erased =
        crate::connector::erase_outbox_items(&state.store, connector.as_deref(), site, &targets)
            .await?;
    let mut done = Vec::with_capacity(pending.len());
    for (mut pending, outbox_items) in pending.into_iter().zip(erased) {
        pending.purged.outbox_items = outbox_items;
        done.push(finish(state, site, pending).await?);
    }
    Ok(done)
}

/// The last steps of a purge: the conversation out of the visitor's index, then out of the
/// retention schedule.
async fn finish(state: &AppState, site: &str, pending: Pending) -> Result<Purged, ApiError> {
    let conversation = &pending.conversation;
    state
        .store
        .set_remove(
            &visitor_conversations(site, &pending.identity_key),
            conversation,
        )
        .await?;
    state
        .store
        .unschedule(
            &schedule::schedule_name(site),
            &schedule::member(conversation, &pending.identity_key),
        )
        .await?;
    let purged = pending.purged;
    tracing::info!(site, ended_live = purged.ended_live, "conversation deleted");
    Ok(purged)
}

/// The session record, if it still exists.
pub(super) async fn session(
    state: &AppState,
    session_id: &str,
) -> Result<Option<SessionRecord>, ApiError> {
    match conversation::load(state, session_id).await {
        Ok((record, _)) => Ok(Some(record)),
        Err(err) if err.code() == "session_not_found" => Ok(None),
        Err(err) => Err(err),
    }
}

/// Whether a stored session can still take part in its conversation.
pub(super) fn is_live(record: &SessionRecord) -> bool {
    match record.status {
        Status::Ended => false,
        Status::Bot => !record.bot.expired,
        Status::Handoff => true,
    }
}

/// Ends a live conversation (desk first, then the log and the session's status); true when
/// it was live.
async fn end_if_live(
    state: &AppState,
    session_id: &str,
    record: &SessionRecord,
) -> Result<bool, ApiError> {
    if !is_live(record) {
        return Ok(false);
    }
    if record.status == Status::Handoff {
        leave_desk(state, record).await?;
        visitor_presence::forget(state, session_id).await;
    }
    let ended = EventKind::ConversationEnded { by: Sender::System };
    visitor_side::append(
        state,
        &record.conversation_id,
        vec![ended],
        Some(Status::Ended),
    )
    .await?;
    Ok(true)
}

/// The desk lets go of the conversation, as when the visitor leaves; its notices go out
/// (the agent's console sees the chat end).
async fn leave_desk(state: &AppState, record: &SessionRecord) -> Result<(), ApiError> {
    let conversation =
        ConversationId::parse(&record.conversation_id).map_err(|e| ApiError::internal(&e))?;
    let outcome = site_desk::update(state, &record.site, |desk, now| {
        Ok(((), desk.end_by_visitor(now, &conversation)?))
    })
    .await?;
    match outcome {
        Ok(((), notices)) => deliver::deliver(state, &record.site, notices).await,
        // Not at the desk (any more): nothing to end there.
        Err(DeskError::UnknownConversation(_)) => {}
        Err(other) => return Err(visitor_side::desk_refusal(&other)),
    }
    Ok(())
}

/// Deletes the session record and takes the session out of every schedule.
async fn forget_session(state: &AppState, session_id: &str) -> Result<(), ApiError> {
    let store = &state.store;
    store.unschedule(IDLE_SCHEDULE, session_id).await?;
    store.unschedule(IDENTITY_SCHEDULE, session_id).await?;
    visitor_presence::forget(state, session_id).await;
    store.delete(&session_key(session_id), None).await?;
    Ok(())
}
