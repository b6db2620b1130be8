//! A write into a conversation log that only lands while the site's desk is still as it was
//! read: each try reads the desk (the caller's `attempt`, with [`super::site_desk::read_guarded`]),
//! builds its append from what the desk says (who has the conversation) and carries the
//! desk's version as the append's guard. A desk change landing between the read and the
//! write (a transfer, an end, any transition) makes the append a guard conflict that stores
//! nothing, and the next try reads the desk afresh. The guard only reads the desk, so such
//! writes never conflict with each other, only with desk changes.
//!
//! Used by a visitor message in handoff (passed to the agent who has the conversation when
//! it is stored) and by an agent's message (stored only while that agent has the
//! conversation).

use std::future::Future;

use crate::app::AppState;
use crate::error::ApiError;
use crate::store::{AppendBatch, AppendOutcome};

/// How many times a guarded append is tried while the desk keeps changing between the read
/// and the write (each try reads it afresh).
pub const ATTEMPTS: usize = 16;

/// Appends to `log` the batch of one try of `attempt` (which reads the desk and sets the
/// batch's guard), again with a fresh try on each guard conflict, [`ATTEMPTS`] times at
/// most; then 503 `busy`. Returns the outcome of the try that was not a guard conflict and
/// what that try kept besides its batch. An error of a try (the desk refused, or could not be
/// read) ends the loop with that error.
pub async fn append<T, E, Attempt, Tried>(
    state: &AppState,
    log: &str,
    mut attempt: Attempt,
) -> Result<(AppendOutcome, T), E>
where
    Attempt: FnMut() -> Tried,
    Tried: Future<Output = Result<(AppendBatch, T), E>>,
    E: From<ApiError>,
{
    for _ in 0..ATTEMPTS {
        let (batch, kept) = attempt().await?;
        match state
            .store
            .append(log, batch)
            .await
            .map_err(ApiError::from)?
        {
            AppendOutcome::GuardConflict { .. } => {}
            outcome => return Ok((outcome, kept)),
        }
    }
    Err(desk_busy().into())
}

/// Desk changes kept winning over a guarded append for [`ATTEMPTS`] tries.
fn desk_busy() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "The desk is busy; please retry.",
    )
}
