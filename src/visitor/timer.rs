//! Idle deadlines: what a session's next one is ([`idle_deadline`], written with the turn's
//! append or the record's compare-and-set), and the one timer task of a node: it sleeps
//! until the earliest idle deadline in the store's ordered set, feeds each due session to the
//! engine as a tick (warning or expiry), ticks the desks whose deadline passed (offers,
//! wrap-up, graces: [`crate::desk::timer`]), tells this node's console sockets whose access
//! token is about to expire, or has ([`crate::desk::socket_token`]), and wakes early for a
//! deadline closer than its longest sleep ([`wake_for`]). Deadlines live in the store, so they
//! survive restarts and are shared by every node on Redis (compare-and-set on the session
//! keeps two nodes from applying the same tick twice).

use std::time::Duration;

use jiff::Timestamp;

use super::conversation;
use super::identity_expiry::IDENTITY_SCHEDULE;
use super::record::{IDLE_SCHEDULE, SessionRecord, Status};
use crate::app::AppState;
use crate::store::ScheduleWrite;

/// Longest sleep between two looks at the schedule: bounds how late a deadline set by
/// another node (which cannot wake this one) is applied.
pub const MAX_SLEEP: Duration = Duration::from_secs(1);

/// Most sessions handled per pass.
const BATCH: usize = 100;

/// Wakes the timer for a deadline just scheduled at `due_ms`, but only when it could be
/// late otherwise: the timer never sleeps longer than [`MAX_SLEEP`], so a deadline at least
/// that far away is seen in time without a wake-up. A bot turn pushes its session's idle
/// deadline minutes ahead, so turns do not run a timer pass each.
pub fn wake_for(state: &AppState, due_ms: i64) {
    if needs_wake(state.clock.now_ms(), due_ms) {
        state.timer.notify_one();
    }
}

fn needs_wake(now_ms: i64, due_ms: i64) -> bool {
    let horizon = i64::try_from(MAX_SLEEP.as_millis()).unwrap_or(i64::MAX);
    due_ms < now_ms.saturating_add(horizon)
}

/// The session's next idle deadline (warning or expiry), or none while the bot is not in
/// charge: the schedule change an append of this record makes in the same atomic write, so
/// a turn is one durable write. Whoever appends it calls [`wake_for`] once it is written.
pub(crate) fn idle_deadline(
    state: &AppState,
    session_id: &str,
    record: &SessionRecord,
) -> ScheduleWrite {
    let idle = state.bots.idle(&record.site);
    let due_ms = (record.status == Status::Bot)
        .then(|| record.bot.next_deadline(&idle))
        .flatten()
        .map(Timestamp::as_millisecond);
    ScheduleWrite {
        schedule: IDLE_SCHEDULE.to_owned(),
        member: session_id.to_owned(),
        due_ms,
    }
}

/// Runs until shutdown begins.
pub async fn run(state: AppState) {
    loop {
        let pause = match pass(&state).await {
            Ok(pause) => pause,
            Err(err) => {
                tracing::warn!(error = %err, "idle timer pass failed; retrying");
                MAX_SLEEP
            }
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = state.timer.notified() => {}
            () = state.lifecycle.stopping() => return,
        }
    }
}

/// Applies every due deadline and returns how long to sleep before the next one.
async fn pass(state: &AppState) -> Result<Duration, crate::store::StoreError> {
    let now_ms = state.clock.now_ms();
    // First, as it needs no store: a failing store does not keep expired console sockets open.
    let next_token = state.agents.connections.signal_token_deadlines(now_ms);
    for (session_id, _) in state.store.due(IDENTITY_SCHEDULE, now_ms, BATCH).await? {
        if let Err(err) = super::identity_expiry::apply(state, &session_id).await {
            tracing::warn!(session.id = %session_id, code = err.code(), "identity expiry failed");
        }
    }
    let due = state.store.due(IDLE_SCHEDULE, now_ms, BATCH).await?;
    for (session_id, at) in &due {
        let store_failed = match conversation::tick(state, session_id).await {
            Ok(()) => false,
            Err(err) => {
                tracing::warn!(session.id = %session_id, code = err.code(), "idle tick failed");
                err.code() == "unavailable"
            }
        };
        // A deadline that did not move would be applied again at once. After a store error
        // it is tried again [`crate::desk::timer::RETRY_MS`] later (dropped, a visitor who left
        // would never be warned or expired: nothing else writes their session); otherwise it
        // is dropped instead of spinning (the session's next write schedules it again). Either
        // change is made only while the deadline is still the one found due: a turn or a
        // keep-alive that set a new one in between keeps it.
        let (retry_at, what) = if store_failed {
            let retry_at = now_ms.saturating_add(crate::desk::timer::RETRY_MS);
            (
                Some(retry_at),
                "idle deadline did not advance; retried later",
            )
        } else {
            (None, "idle deadline did not advance; dropped")
        };
        if state
            .store
            .reschedule_if(IDLE_SCHEDULE, session_id, *at, retry_at)
            .await?
        {
            tracing::warn!(session.id = %session_id, "{what}");
        }
    }
    let next_desk = crate::desk::timer::apply_due(state).await?;
    if due.len() == BATCH {
        return Ok(Duration::ZERO);
    }
    let next_idle = state.store.next_due(IDLE_SCHEDULE).await?;
    let next_identity = state.store.next_due(IDENTITY_SCHEDULE).await?;
    let next = next_idle
        .into_iter()
        .chain(next_identity)
        .map(|(_, at)| at)
        .chain(next_desk)
        .chain(next_token)
        .min();
    let now_ms = state.clock.now_ms();
    Ok(next.map_or(MAX_SLEEP, |at| {
        let wait = u64::try_from(at.saturating_sub(now_ms)).unwrap_or(0);
        Duration::from_millis(wait).min(MAX_SLEEP)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_within_the_longest_sleep_wakes_the_timer() {
        assert!(needs_wake(10_000, 10_000));
        assert!(needs_wake(10_000, 10_999));
        assert!(needs_wake(10_000, 5_000), "already due");
    }

    #[test]
    fn a_deadline_beyond_the_longest_sleep_does_not() {
        assert!(!needs_wake(10_000, 11_000));
        assert!(!needs_wake(10_000, 10_000 + 540_000));
    }
}
