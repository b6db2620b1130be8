//! Desk deadlines (offer timeouts, wrap-up limits, reconnection graces, maximum waits):
//! each site's next deadline is in the store's `desk` schedule; the node's timer task calls
//! [`apply_due`] on every pass, which ticks each due desk and delivers what it says.

use super::deliver;
use super::site_desk::{self, DESK_SCHEDULE};
use crate::app::AppState;
use crate::store::StoreError;

/// Most desks ticked per pass.
const BATCH: usize = 100;

/// Ticks every desk whose deadline passed; returns the earliest remaining deadline (ms).
pub async fn apply_due(state: &AppState) -> Result<Option<i64>, StoreError> {
    let now_ms = state.clock.now_ms();
    for (site, at) in state.store.due(DESK_SCHEDULE, now_ms, BATCH).await? {
        let outcome = site_desk::update(state, &site, |desk, now| Ok(((), desk.tick(now)))).await;
        match outcome {
            Ok(Ok(((), notices))) => deliver::deliver(state, &site, notices).await,
            Ok(Err(err)) => tracing::warn!(site, code = err.code(), "desk tick refused"),
            Err(err) => {
                tracing::warn!(site, code = err.code(), "desk tick failed");
                if err.code() == "unknown_site" {
                    state.store.unschedule(DESK_SCHEDULE, &site).await?;
                }
            }
        }
        // A deadline that did not move would fire again at once: drop it (the next desk
        // write schedules it again).
        let still = state.store.due(DESK_SCHEDULE, at, BATCH).await?;
        if still.iter().any(|(s, same)| s == &site && *same == at) {
            state.store.unschedule(DESK_SCHEDULE, &site).await?;
        }
    }
    Ok(state.store.next_due(DESK_SCHEDULE).await?.map(|(_, at)| at))
}
