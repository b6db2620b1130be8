//! Erasing a visitor of a site (the admin's `DELETE /api/v1/admin/sites/{site}/users/{key}`,
//! docs/retention.md): every conversation in the visitor's index is purged as retention
//! purges one ([`purge`]), then the index itself goes, and the visitor's key is taken out of
//! the monthly-active-user sets: in each month that counted it, the key is replaced by a
//! random member (`erased:{uuid}`), so the month's count, which billing reads, stays the
//! same and nothing in it leads back to the visitor. Erasing again finds nothing and
//! deletes nothing. The visitor cannot start a session while they are erased
//! ([`super::erasing`]).

use serde::Serialize;

use super::erasing;
use super::purge;
use crate::app::AppState;
use crate::error::ApiError;
use crate::visitor::identity::{is_valid_anonymous_id, is_valid_user_id};
use crate::visitor::mau;
use crate::visitor::start::visitor_conversations;

/// How many months back from the current one an erasure looks for the visitor in the MAU
/// sets: ten years.
pub const MAU_MONTHS_LOOKED_AT: u32 = 120;

/// Most reads of the visitor's index by one erasure (each purges what it lists; starts
/// racing the erasure's mark add a few at most, and undo themselves anyway).
const INDEX_READS: usize = 8;

/// Longest `sub` of a verified visitor's key, as identity tokens allow it.
const MAX_SUB_BYTES: usize = 256;

/// What one erasure deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Erased {
    /// Conversations deleted (with their logs, sessions, links and transcripts).
    pub conversations: u64,
    /// Of those, the ones that were still live and were ended first.
    pub live_conversations_ended: u64,
    /// Offline requests left from those conversations.
    pub offline_requests: u64,
    /// Finished-job records of those conversations (with the agents' wrap-ups).
    pub finished_jobs: u64,
    /// Months whose MAU set held the visitor's key and now holds an anonymous member.
    pub mau_months_anonymized: u64,
}

/// Whether `key` is a visitor key as the server forms them: `u:{user_id}`, `a:{anonymous_id}`
/// or `s:{sub}` (the `sub` of a verified identity token).
pub fn is_valid_visitor_key(key: &str) -> bool {
    match key.split_once(':') {
        Some(("u", user_id)) => is_valid_user_id(user_id),
        Some(("a", anonymous_id)) => is_valid_anonymous_id(anonymous_id),
        Some(("s", sub)) => {
            !sub.is_empty() && sub.len() <= MAX_SUB_BYTES && !sub.chars().any(char::is_control)
        }
        _ => false,
    }
}

/// Erases the visitor `key` of `site` (both already validated). A store error stops it;
/// what was deleted stays deleted and a new call finishes the rest.
///
/// The visitor's session starts are refused with 409 `erasure_in_progress` while it runs
/// ([`super::erasing`]); so is a second erasure of them (409 `erasure_in_progress`).
pub async fn erase_visitor(state: &AppState, site: &str, key: &str) -> Result<Erased, ApiError> {
    let mut mark = erasing::begin(state, site, key).await?;
    let erased = erase_marked(state, site, key, &mut mark).await;
    // Sessions may start again (a store error leaves the mark to run out by itself).
    let finished = mark.finish(state).await;
    let erased = erased?;
    match finished {
        Ok(true) => {}
        Ok(false) => return Err(erasing::interrupted()),
        Err(err) => tracing::warn!(
            site,
            code = err.code(),
            "the erasure's mark could not be lifted; it runs out by itself"
        ),
    }
    tracing::info!(
        site,
        conversations = erased.conversations,
        "a visitor was erased"
    );
    Ok(erased)
}

/// The erasure proper, under its mark: the index is read until it is empty (a start that
/// checked before the mark landed may add a conversation to it while the erasure runs).
async fn erase_marked(
    state: &AppState,
    site: &str,
    key: &str,
    mark: &mut erasing::Erasing,
) -> Result<Erased, ApiError> {
    let mut erased = Erased::default();
    let index = visitor_conversations(site, key);
    for _ in 0..INDEX_READS {
        let conversations = state.store.set_members(&index).await?;
        if conversations.is_empty() {
            break;
        }
        let mut purging = Vec::with_capacity(conversations.len());
        let mut lost_mark = None;
        for conversation in conversations {
            if let Err(err) = mark.keep(state).await {
                lost_mark = Some(err);
                break;
            }
            purging.push(purge::begin(state, site, key, &conversation).await?);
        }
        // One scan of the webhook outbox for all of the visitor's conversations; the purges
        // begun under the mark are completed also when it was lost since.
        for purged in purge::complete(state, site, purging).await? {
            erased.conversations += 1;
            erased.live_conversations_ended += u64::from(purged.ended_live);
            erased.offline_requests += purged.offline_requests;
            erased.finished_jobs += purged.finished_jobs;
        }
        if let Some(err) = lost_mark {
            return Err(err);
        }
    }
    mark.keep(state).await?;
    erased.mau_months_anonymized = anonymize_mau(state, site, key).await?;
    Ok(erased)
}

/// Replaces `key` in the site's MAU sets of the last [`MAU_MONTHS_LOOKED_AT`] months by a
/// random member; how many months held it. Each replacement is one atomic store write
/// ([`crate::store::Store::set_replace`]): no report ever counts the month one short, and a
/// store error leaves the key in place for the next erasure to replace.
async fn anonymize_mau(state: &AppState, site: &str, key: &str) -> Result<u64, ApiError> {
    let now = jiff::Timestamp::from_millisecond(state.clock.now_ms())
        .map_err(|err| ApiError::internal(&err))?
        .to_zoned(jiff::tz::TimeZone::UTC);
    let mut month = now.date().first_of_month();
    let mut anonymized = 0;
    for _ in 0..MAU_MONTHS_LOOKED_AT {
        let set = mau::set_name(site, &month.strftime("%Y-%m").to_string());
        let stand_in = format!("erased:{}", uuid::Uuid::new_v4().simple());
        if state.store.set_replace(&set, key, &stand_in).await? {
            anonymized += 1;
        }
        let Ok(previous) = month.checked_sub(jiff::Span::new().months(1)) else {
            break;
        };
        month = previous;
    }
    Ok(anonymized)
}
