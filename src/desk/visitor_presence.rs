//! Visitors who go away during a handoff. A visitor who asked for a human and closed every
//! tab should not stay queued (agents would be offered chats from people who are gone), but
//! a reload or a tab on another node must keep the place in the queue.
//!
//! Only sessions in handoff (waiting, or live with an agent) cost store writes here:
//!
//! - each visitor websocket of such a session keeps a lease in the store's ordered set
//!   `visitor-sockets:{session}` (member = socket id, score = lease end), renewed by its
//!   heartbeat ([`Lease`]); a long-poll or a message holds the member `poll` for the
//!   poll's wait plus [`POLL_MARGIN_MS`] ([`keep`]);
//! - the store schedule [`GONE_SCHEDULE`] (member = session id) says when to look whether
//!   the visitor is still there. Taking a lease schedules a look at its end plus the site's
//!   `handoff.visitor_gone_s` (the request itself schedules one too, [`expect`]); closing
//!   the last socket (no live lease left on any node) moves the look to now plus that grace.
//! - the node timer ([`apply_due`], through [`super::timer`]) looks: with a live lease the
//!   look moves to the latest lease end plus the grace; without one the desk is told
//!   ([`abandon`], [`staffetta_handoff::Desk::visitor_gone`]): a waiting conversation is
//!   cancelled, a live chat goes on but is cancelled instead of waiting again if it is
//!   transferred or its agent is lost. A visitor who connects again clears that mark
//!   ([`returned`]).
//!
//! The look lives in the store, so it survives a restart and any node may apply it; a node
//! that dies leaves leases that simply run out.

use staffetta_handoff::desk::VisitorGoneOutcome;
use staffetta_handoff::{ConversationId, DeskError};

use super::conversation_log::{CancelReason, append, cancelled_entry};
use crate::app::AppState;
use crate::error::ApiError;
use crate::store::StoreError;
use crate::visitor::record::{SessionRecord, Status};

/// The store schedule of looks at waiting visitors (member = session id).
pub const GONE_SCHEDULE: &str = "visitor-gone";
/// How long a websocket lease lasts without renewal: three heartbeats and a margin.
pub const LEASE_MS: i64 = 75_000;
// A lease outlives two missed heartbeats (the visitor socket pings every 20 s).
const _: () = assert!(LEASE_MS > 2 * 20_000);
/// How long a long-poll or a message counts as a connection beyond the poll's own wait (the
/// widget polls again at once; a reply may take a few seconds).
pub const POLL_MARGIN_MS: i64 = 35_000;
/// The grace when the site is not configured any more.
const DEFAULT_GRACE_S: u32 = 60;
/// The lease member of long-polls and messages (one per session: they are not sockets).
const POLL_MEMBER: &str = "poll";
/// Most looks per pass, and most leases read per session.
const BATCH: usize = 100;
/// When a look failed (store or desk unavailable), the next try.
const RETRY_MS: i64 = 5_000;

fn leases(session_id: &str) -> String {
    format!("visitor-sockets:{session_id}")
}

fn grace_ms(state: &AppState, site: &str) -> i64 {
    let seconds = state
        .settings
        .site(site)
        .map_or(DEFAULT_GRACE_S, |s| s.handoff.visitor_gone_s);
    i64::from(seconds) * 1000
}

/// One visitor websocket's lease on its session's handoff (its place in the queue, then its
/// live chat), held only while the session is in handoff.
#[derive(Debug)]
pub struct Lease {
    site: String,
    session_id: String,
    conversation: String,
    member: String,
    held: bool,
}

impl Lease {
    /// A lease not yet held, for a new socket of `session_id` (conversation `conversation`).
    pub fn new(site: &str, session_id: &str, conversation: &str) -> Self {
        Self {
            site: site.to_owned(),
            session_id: session_id.to_owned(),
            conversation: conversation.to_owned(),
            member: uuid::Uuid::new_v4().simple().to_string(),
            held: false,
        }
    }

    /// Whether the socket holds its lease (its session is in handoff).
    pub fn is_held(&self) -> bool {
        self.held
    }

    /// Takes the lease (the session is in handoff) or renews it (heartbeat). Taking it
    /// also schedules a look at its end plus the grace, so a node that dies with the socket
    /// still gets the visitor out of the queue, and tells the desk the visitor is back if
    /// they had been found gone ([`returned`]). A store failure is logged: the worst outcome
    /// is a look that finds no lease and cancels the wait of a visitor still there.
    pub async fn hold(&mut self, state: &AppState) {
        let taking = !self.held;
        let until = state.clock.now_ms().saturating_add(LEASE_MS);
        let store = state.store.as_ref();
        let result = async {
            store
                .schedule(&leases(&self.session_id), &self.member, until)
                .await?;
            if !self.held {
                let look = until.saturating_add(grace_ms(state, &self.site));
                store
                    .schedule(GONE_SCHEDULE, &self.session_id, look)
                    .await?;
            }
            Ok::<_, StoreError>(())
        }
        .await;
        match result {
            Ok(()) => self.held = true,
            Err(err) => tracing::warn!(error = %err, "visitor lease not renewed"),
        }
        if taking {
            returned(state, &self.site, &self.conversation).await;
        }
    }

    /// The session left the handoff (the wait or the chat ended): the lease goes.
    pub async fn release(&mut self, state: &AppState) {
        if !std::mem::take(&mut self.held) {
            return;
        }
        let key = leases(&self.session_id);
        if let Err(err) = state.store.unschedule(&key, &self.member).await {
            tracing::warn!(error = %err, "visitor lease not dropped; it runs out");
        }
    }

    /// The socket closed during the handoff: the lease goes and, when no other connection of the
    /// session (on any node) holds a live one, the look moves to now plus the grace.
    pub async fn closed(mut self, state: &AppState) {
        if !self.held {
            return;
        }
        self.release(state).await;
        let result = async {
            if live_until(state, &self.session_id).await?.is_some() {
                return Ok(());
            }
            let look = state
                .clock
                .now_ms()
                .saturating_add(grace_ms(state, &self.site));
            state
                .store
                .schedule(GONE_SCHEDULE, &self.session_id, look)
                .await
        }
        .await;
        match result {
            Ok(()) => state.timer.notify_one(),
            Err(err) => tracing::warn!(error = %err, "visitor departure not recorded"),
        }
    }
}

/// A long-poll or a message of a session in handoff: the visitor is there for `wait_ms` plus
/// [`POLL_MARGIN_MS`], and looked at again after the grace.
pub async fn keep(state: &AppState, site: &str, session_id: &str, wait_ms: i64) {
    let until = state
        .clock
        .now_ms()
        .saturating_add(wait_ms.max(0))
        .saturating_add(POLL_MARGIN_MS);
    let store = state.store.as_ref();
    let result = async {
        store
            .schedule(&leases(session_id), POLL_MEMBER, until)
            .await?;
        let look = until.saturating_add(grace_ms(state, site));
        store.schedule(GONE_SCHEDULE, session_id, look).await
    }
    .await;
    if let Err(err) = result {
        tracing::warn!(error = %err, "visitor presence not recorded");
    }
}

/// The session just started waiting: a look after [`POLL_MARGIN_MS`] plus the grace, so a
/// visitor who never connects (or closed the tab right after asking) leaves the queue too.
/// The visitor's socket takes its lease when it sees the first `queue_update`.
pub async fn expect(state: &AppState, site: &str, session_id: &str) {
    let look = state
        .clock
        .now_ms()
        .saturating_add(POLL_MARGIN_MS)
        .saturating_add(grace_ms(state, site));
    if let Err(err) = state.store.schedule(GONE_SCHEDULE, session_id, look).await {
        tracing::warn!(error = %err, "visitor look not scheduled");
    }
}

/// A long-poll of `record`'s session: [`keep`] when it is in handoff (sessions with the bot
/// cost nothing), and the desk is told the visitor is back if they had been found gone.
pub async fn polled(state: &AppState, session_id: &str, record: &SessionRecord, wait_ms: i64) {
    if record.status != Status::Handoff {
        return;
    }
    keep(state, &record.site, session_id, wait_ms).await;
    returned(state, &record.site, &record.conversation_id).await;
}

/// The visitor of a conversation in handoff is connected: if the desk had found them gone
/// during a live chat, it forgets it (a later transfer waits for an agent again). The desk
/// is only read (a node keeps its copy) unless it has the mark. Failures are logged: the
/// worst outcome is a transfer that cancels the chat of a visitor who came back.
pub async fn returned(state: &AppState, site: &str, conversation: &str) {
    let Ok(conversation) = ConversationId::parse(conversation) else {
        return;
    };
    let marked = super::site_desk::read(state, site).await.is_ok_and(|desk| {
        desk.conversation(&conversation)
            .is_some_and(staffetta_handoff::conversation::Conversation::is_visitor_gone)
    });
    if !marked {
        return;
    }
    let cleared = super::site_desk::update(state, site, |desk, _now| {
        desk.visitor_back(&conversation);
        Ok::<_, DeskError>(((), Vec::new()))
    })
    .await;
    if let Err(err) = cleared {
        tracing::warn!(code = err.code(), "a returning visitor was not recorded");
    }
}

/// The wait ended another way (the visitor stopped waiting): no look is needed any more.
pub async fn forget(state: &AppState, session_id: &str) {
    if let Err(err) = state.store.unschedule(GONE_SCHEDULE, session_id).await {
        tracing::warn!(error = %err, "visitor look not dropped; it finds nothing to do");
    }
}

/// The latest end of a live lease of the session, after dropping those that ran out.
async fn live_until(state: &AppState, session_id: &str) -> Result<Option<i64>, StoreError> {
    let key = leases(session_id);
    let store = state.store.as_ref();
    let now = state.clock.now_ms();
    for (expired, _) in store.due(&key, now, BATCH).await? {
        store.unschedule(&key, &expired).await?;
    }
    let live = store.due(&key, i64::MAX, BATCH).await?;
    Ok(live.into_iter().map(|(_, until)| until).max())
}

/// Looks at every waiting visitor whose look is due; returns the earliest remaining look.
pub async fn apply_due(state: &AppState) -> Result<Option<i64>, StoreError> {
    let now = state.clock.now_ms();
    for (session_id, _) in state.store.due(GONE_SCHEDULE, now, BATCH).await? {
        match look(state, &session_id).await {
            Ok(Some(next)) => {
                state
                    .store
                    .schedule(GONE_SCHEDULE, &session_id, next)
                    .await?
            }
            Ok(None) => {
                state.store.unschedule(GONE_SCHEDULE, &session_id).await?;
            }
            Err(err) => {
                tracing::warn!(session.id = %session_id, code = err.code(), "visitor look failed");
                let retry = now.saturating_add(RETRY_MS);
                state
                    .store
                    .schedule(GONE_SCHEDULE, &session_id, retry)
                    .await?;
            }
        }
    }
    Ok(state.store.next_due(GONE_SCHEDULE).await?.map(|(_, at)| at))
}

/// One look: `Some(when)` to look again (someone is connected), `None` when done (the wait
/// was cancelled, or the session no longer waits).
async fn look(state: &AppState, session_id: &str) -> Result<Option<i64>, ApiError> {
    let record = match crate::visitor::conversation::load(state, session_id).await {
        Ok((record, _)) => record,
        Err(err) if err.status() == axum::http::StatusCode::NOT_FOUND => return Ok(None),
        Err(err) => return Err(err),
    };
    if record.status != Status::Handoff {
        return Ok(None);
    }
    if let Some(until) = live_until(state, session_id).await? {
        return Ok(Some(until.saturating_add(grace_ms(state, &record.site))));
    }
    abandon(state, session_id).await?;
    Ok(None)
}

/// The visitor went away during the handoff (no connection for the grace), as the desk is
/// told ([`staffetta_handoff::Desk::visitor_gone`]): a waiting conversation is cancelled as
/// the visitor's own "stop waiting" does (an offer is withdrawn, `handoff_cancelled` by
/// `system`, reason `visitor_gone`); a live chat goes on, marked so that it is cancelled
/// rather than waiting again. Returns whether the wait was cancelled.
pub async fn abandon(state: &AppState, session_id: &str) -> Result<bool, ApiError> {
    let (record, _) = crate::visitor::conversation::load(state, session_id).await?;
    if record.status != Status::Handoff {
        return Ok(false);
    }
    let conversation =
        ConversationId::parse(&record.conversation_id).map_err(|e| ApiError::internal(&e))?;
    let outcome = super::site_desk::update(state, &record.site, |desk, now| {
        match desk.visitor_gone(now, &conversation)? {
            VisitorGoneOutcome::Cancelled(notices) => Ok((true, notices)),
            VisitorGoneOutcome::Marked => Ok((false, Vec::new())),
        }
    })
    .await?;
    match outcome {
        Ok((true, notices)) => super::deliver::deliver(state, &record.site, notices).await,
        Ok((false, _)) => return Ok(false),
        // The desk no longer has it although the session still says handoff: the wait is
        // over either way, so the bot takes the conversation back.
        Err(DeskError::UnknownConversation(_)) => {}
        Err(other) => return Err(super::visitor_side::desk_refusal(&other)),
    }
    let reason = CancelReason::VisitorGone;
    let entry = cancelled_entry(state, &record.locale, reason);
    append(
        state,
        &record.conversation_id,
        vec![entry],
        Some(Status::Bot),
    )
    .await?;
    tracing::info!(
        session.id = %session_id,
        site = %record.site,
        reason = reason.code(),
        "visitor taken out of the queue"
    );
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_session_has_its_own_lease_set_and_every_socket_its_own_member() {
        assert_ne!(leases("a"), leases("b"));
        let one = Lease::new("demo", "a", "c");
        let two = Lease::new("demo", "a", "c");
        assert_ne!(one.member, two.member);
        assert_ne!(one.member, POLL_MEMBER);
        assert!(!one.is_held());
    }
}
