//! The one-off sweep that gives retention deadlines to conversations that have none: those
//! started before the site had `retention_days` (or before this version), and all of them
//! when the retention was shortened (their deadlines were reckoned with the longer one).
//!
//! The store cannot list keys, so the sweep finds visitors through the monthly-active-user
//! sets of the last [`MAU_MONTHS_LOOKED_AT`] months (every visitor who started a
//! conversation is counted in the month they did), and their conversations through their
//! indexes. Each conversation is scheduled at its start (read from its UUIDv7 id) plus the
//! retention: never later than a deadline it already had, so the sweep only brings looks
//! forward, and a look moves a conversation that is not old enough to its right time.
//!
//! The sweep goes month by month, newest first, and holds the keys of two months at a time
//! (the month it sweeps and the one before it in the sweep, whose keys it skips: a regular
//! visitor is not scheduled again for every month) plus one visitor's conversation ids: its
//! memory is bounded by the busiest months, not by every visitor of ten years. A visitor
//! counted in months that do not follow each other is visited once per run of months;
//! scheduling again is harmless (the same deadline).
//!
//! Once done, the record `retention-sweep:{site}` holds the retention (days) it was done
//! for; a start with the same or a longer retention skips the sweep (one read). A node that
//! starts without a retention for the site deletes the record ([`forget_sweep`]): the
//! conversations it starts get no deadline, so the next retention sweeps again. A sweep cut
//! short (a restart) runs again in full at the next start: scheduling is idempotent.
//! Visitors counted only before the MAU sets existed, or erased (their key was replaced),
//! are not found.

use bytes::Bytes;

use super::erase::MAU_MONTHS_LOOKED_AT;
use super::schedule::{member, retention_ms, schedule_name, started_at_ms};
use crate::app::AppState;
use crate::connector::Lease;
use crate::error::ApiError;
use crate::store::RecordWrite;
use crate::visitor::mau;
use crate::visitor::start::visitor_conversations;

fn marker(site: &str) -> String {
    format!("retention-sweep:{site}")
}

/// Sweeps `site` unless a sweep for `days` or fewer was done; whether the site is swept
/// (false: the lease was lost midway, the marker is not written and the holder sweeps).
pub(crate) async fn sweep_once(
    state: &AppState,
    site: &str,
    days: u32,
    lease: &mut Lease,
) -> Result<bool, ApiError> {
    let found = state.store.get(&marker(site)).await?;
    let swept_for = found
        .as_ref()
        .and_then(|found| std::str::from_utf8(&found.value).ok()?.parse::<u32>().ok());
    if swept_for.is_some_and(|swept| swept <= days) {
        return Ok(true);
    }
    let Some(retention) = retention_ms(state, site) else {
        return Ok(true);
    };
    let schedule = schedule_name(site);
    let now_ms = state.clock.now_ms();
    // The keys of the month swept just before (the next month in time), sorted.
    let mut newer: Vec<String> = Vec::new();
    let mut scheduled = 0;
    for month in months_back(now_ms, MAU_MONTHS_LOOKED_AT) {
        let keys = state
            .store
            .set_members(&mau::set_name(site, &month))
            .await?;
        for key in keys_to_visit(&keys, &newer) {
            if !lease.hold().await? {
                return Ok(false);
            }
            let index = visitor_conversations(site, key);
            for conversation in state.store.set_members(&index).await? {
                let started = started_at_ms(&conversation).unwrap_or(now_ms);
                let due = started.saturating_add(retention);
                state
                    .store
                    .schedule(&schedule, &member(&conversation, key), due)
                    .await?;
                scheduled += 1;
            }
        }
        newer = keys;
    }
    let write = RecordWrite {
        key: marker(site),
        expected_version: found.map(|found| found.version),
        value: Bytes::from(days.to_string()),
        ttl: None,
    };
    // A conflict: another node swept at the same time and wrote it.
    state.store.put(write).await?;
    tracing::info!(site, scheduled, "retention sweep done");
    Ok(true)
}

/// Forgets that `site` was swept, on a node where it has no retention: the conversations
/// this node starts get no deadline, so when the site gets a retention again (of any length)
/// the sweep must run again to find them. A store error is logged: the marker stays, and
/// conversations started meanwhile are kept until erased or deleted by hand.
pub(crate) async fn forget_sweep(state: &AppState, site: &str) {
    if let Err(err) = state.store.delete(&marker(site), None).await {
        tracing::warn!(
            site,
            code = ApiError::from(err).code(),
            "the retention sweep marker of a site without retention could not be deleted"
        );
    }
}

/// The visitor keys of a month's MAU set to visit: not the stand-ins of erased visitors,
/// not those of the month visited just before (`newer`, sorted as the store lists members).
fn keys_to_visit<'a>(keys: &'a [String], newer: &'a [String]) -> impl Iterator<Item = &'a String> {
    keys.iter()
        .filter(|key| !key.starts_with("erased:") && newer.binary_search(key).is_err())
}

/// `YYYY-MM` of the month of `now_ms` and of the `count - 1` months before it (UTC).
fn months_back(now_ms: i64, count: u32) -> Vec<String> {
    let Ok(now) = jiff::Timestamp::from_millisecond(now_ms) else {
        return Vec::new();
    };
    let mut month = now
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .first_of_month();
    let mut months = Vec::new();
    for _ in 0..count {
        months.push(month.strftime("%Y-%m").to_string());
        let Ok(previous) = month.checked_sub(jiff::Span::new().months(1)) else {
            break;
        };
        month = previous;
    }
    months
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_visits_its_visitors_but_not_erased_ones_nor_those_of_the_month_after() {
        let owned = |keys: &[&str]| keys.iter().map(|&k| k.to_owned()).collect::<Vec<_>>();
        let newer = owned(&["a:regular", "u:ada"]);
        let keys = owned(&["a:regular", "erased:0f3a", "u:ada", "u:bob"]);
        let visited: Vec<&String> = keys_to_visit(&keys, &newer).collect();
        assert_eq!(visited, ["u:bob"]);
        assert_eq!(keys_to_visit(&keys, &[]).count(), 3);
    }

    #[test]
    fn months_back_count_down_across_a_new_year() {
        let at = jiff::Timestamp::from_second(1_769_904_000).unwrap(); // 2026-02-01T00:00Z
        assert_eq!(
            months_back(at.as_millisecond(), 3),
            ["2026-02", "2026-01", "2025-12"]
        );
    }
}
