//! Desk deadlines (offer timeouts, wrap-up limits, reconnection graces, maximum waits):
//! each site's next deadline is in the store's `desk` schedule; the node's timer task calls
//! [`apply_due`] on every pass, which ticks each due desk and delivers what it says, then
//! looks at waiting visitors who may have gone away ([`super::visitor_presence`]).

use super::deliver;
use super::site_desk::{self, DESK_SCHEDULE};
use crate::app::AppState;
use crate::store::StoreError;

/// Most desks ticked per pass.
const BATCH: usize = 100;

/// How long after a failed tick a desk's deadline is tried again (ms).
pub const RETRY_MS: i64 = 1_000;

/// Ticks every desk whose deadline passed and looks at waiting visitors who may be gone;
/// returns the earliest remaining deadline of either (ms).
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
        // A deadline that did not move (the tick failed: a store error, a busy or
        // unreadable desk) would fire again at once: it is tried again [`RETRY_MS`] later,
        // never dropped, as the desk still needs its tick (dropped, an offer or a grace
        // would wait for some other desk write). Only while it is still the one found due:
        // a desk write that moved it meanwhile keeps its own deadline.
        let retry_at = now_ms.saturating_add(RETRY_MS);
        state
            .store
            .reschedule_if(DESK_SCHEDULE, &site, at, Some(retry_at))
            .await?;
    }
    let next_look = super::visitor_presence::apply_due(state).await?;
    let next_desk = state.store.next_due(DESK_SCHEDULE).await?.map(|(_, at)| at);
    Ok(next_desk.into_iter().chain(next_look).min())
}

/// On a single node (the embedded store) no console socket survives a restart: every agent
/// the stored desks still show as connected starts the disconnect grace period now, so a
/// console that reconnects in time keeps its conversations and the others are requeued.
/// With a shared store other nodes may still hold those sockets, so nothing is done.
pub async fn recover_after_restart(state: &AppState) {
    if state.settings.store.url.is_some() {
        return;
    }
    for site in state.agents.desks.sites() {
        let site = site.site.as_str().to_owned();
        let outcome = site_desk::update(state, &site, |desk, now| {
            let connected: Vec<_> = desk
                .agents()
                .filter(|a| a.disconnected_at().is_none())
                .map(|a| a.profile().id().clone())
                .collect();
            let mut notices = Vec::new();
            for agent in connected {
                notices.extend(desk.agent_disconnected(now, &agent)?);
            }
            Ok(((), notices))
        })
        .await;
        match outcome {
            Ok(Ok(((), notices))) => deliver::deliver(state, &site, notices).await,
            Ok(Err(err)) => tracing::warn!(site, code = err.code(), "desk recovery refused"),
            Err(err) => tracing::warn!(site, code = err.code(), "desk recovery failed"),
        }
    }
}
