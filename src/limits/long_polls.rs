//! Waiting long-polls per session on this node (W-06). A waiting poll holds a task, a
//! conversation subscription and a store read per notice; without a cap, one session could
//! park thousands of them and turn every event into thousands of reads. Tabs of one visitor
//! share the session, so the cap is a few polls, not one: a newest-wins rule would make two
//! polling tabs cancel each other in a loop.
//!
//! Like [`super::WsConnections`] the count is per node: a poll lives on one node, and a
//! crashed node must not leave slots taken in a shared counter.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::error::ApiError;

/// Long-polls one session may have waiting at once on one node.
pub const MAX_WAITING_POLLS_PER_SESSION: u32 = 4;

/// Seconds a refused poll is told to wait before polling again.
const RETRY_AFTER_S: u64 = 5;

/// The waiting long-polls of every session on this node. Cheap to clone.
#[derive(Clone, Default)]
pub struct LongPolls {
    waiting: Arc<Mutex<HashMap<String, u32>>>,
}

/// A session already has [`MAX_WAITING_POLLS_PER_SESSION`] long-polls waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this session already has {MAX_WAITING_POLLS_PER_SESSION} long-polls waiting")]
pub struct TooManyPolls;

impl From<TooManyPolls> for ApiError {
    fn from(error: TooManyPolls) -> Self {
        ApiError::too_many(
            "too_many_polls",
            format!("{error}; retry when one of them has answered."),
            RETRY_AFTER_S,
        )
    }
}

/// One waiting long-poll. Dropping it (the request ends, however it ends) frees the slot.
#[must_use = "the slot is freed as soon as the guard is dropped"]
pub struct WaitingPoll {
    waiting: Arc<Mutex<HashMap<String, u32>>>,
    session_id: String,
}

impl LongPolls {
    /// Takes a slot for a long-poll of `session_id` that is about to wait, or refuses when
    /// the session has the maximum waiting already.
    pub fn try_wait(&self, session_id: &str) -> Result<WaitingPoll, TooManyPolls> {
        let mut waiting = lock(&self.waiting);
        let count = waiting.entry(session_id.to_owned()).or_insert(0);
        if *count >= MAX_WAITING_POLLS_PER_SESSION {
            return Err(TooManyPolls);
        }
        *count += 1;
        Ok(WaitingPoll {
            waiting: Arc::clone(&self.waiting),
            session_id: session_id.to_owned(),
        })
    }

    /// Long-polls waiting on this node, over all sessions.
    pub fn total(&self) -> u64 {
        lock(&self.waiting).values().map(|n| u64::from(*n)).sum()
    }
}

/// The map; every update is a single step, so a poisoned lock is used as is.
fn lock(waiting: &Mutex<HashMap<String, u32>>) -> MutexGuard<'_, HashMap<String, u32>> {
    waiting.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Drop for WaitingPoll {
    fn drop(&mut self) {
        let mut waiting = lock(&self.waiting);
        if let Some(count) = waiting.get_mut(&self.session_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                waiting.remove(&self.session_id);
            }
        }
    }
}

impl fmt::Debug for LongPolls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LongPolls")
            .field("total", &self.total())
            .finish()
    }
}

impl fmt::Debug for WaitingPoll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitingPoll").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_may_have_a_few_polls_waiting_and_a_freed_slot_is_reusable() {
        let polls = LongPolls::default();
        let held: Vec<WaitingPoll> = (0..MAX_WAITING_POLLS_PER_SESSION)
            .map(|_| polls.try_wait("a").expect("under the cap"))
            .collect();
        assert_eq!(polls.try_wait("a").unwrap_err(), TooManyPolls);
        let other = polls
            .try_wait("b")
            .expect("another session has its own slots");
        drop(held);
        assert_eq!(polls.total(), 1);
        drop(other);
        assert_eq!(polls.total(), 0);
        assert!(polls.try_wait("a").is_ok());
    }

    #[test]
    fn too_many_polls_is_a_429_with_its_own_code() {
        let error = ApiError::from(TooManyPolls);
        assert_eq!(error.status(), axum::http::StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(error.code(), "too_many_polls");
    }
}
