//! Erasure and session start of one visitor exclude each other, on every node (sled and
//! Redis alike), through one record per visitor in the store: `erasing:{site}:{key}`.
//!
//! - An erasure first writes it (`erasing`, with a TTL of [`MARK_TTL`], renewed while it
//!   works; a second erasure of the same visitor meanwhile gets 409 `erasure_in_progress`),
//!   only then reads the visitor's index, and when done replaces it by `erased` with a TTL of
//!   [`TOMBSTONE_TTL`] (a crashed erasure's mark runs out by itself).
//! - A session start (a `restore` too) reads it once, before anything else: an `erasing`
//!   mark refuses the start with 409 `erasure_in_progress` and `Retry-After`. The start then
//!   counts the visitor and lists the conversation (its link to the session, its place in
//!   the visitor's index; [`crate::visitor::opening`]), and writes the welcome and the
//!   session record last, in one append guarded by the record's version as read
//!   ([`StartCheck::guard`], a read-only [`crate::store::AppendBatch::guard`]). A record
//!   changed in between (an erasure began, or began and ended) means the erasure may have
//!   read the index before the new conversation was in it: the store refuses the append
//!   (nothing of the welcome is written), the start undoes its listing ([`undo_start`]: the
//!   conversation is purged, the key replaced in the month's MAU set) and is refused the
//!   same way.
//!
//! The store orders the erasure's mark and the start's guarded append. Either the mark comes
//! after the append, so the erasure's read of the index comes after the start's listing and
//! count (the erasure finds the conversation, its link and its session, deletes them, and
//! replaces the key), or it comes before, and the guard refuses the append (the start undoes
//! itself): no conversation started during an erasure survives it. (A start slower than
//! [`TOMBSTONE_TTL`] between its read and its append, that saw no record, could miss an
//! erasure that began and ended meanwhile.)

use std::time::Duration;

use axum::http::StatusCode;
use bytes::Bytes;

use crate::app::AppState;
use crate::error::ApiError;
use crate::store::{CasOutcome, RecordWrite, VersionGuard, Versioned};
use crate::visitor::conversation;
use crate::visitor::mau;

/// How long an erasure's mark lasts without renewal; the erasure renews it once a third has
/// passed. A crashed erasure blocks its visitor's starts this long at most.
pub const MARK_TTL: Duration = Duration::from_secs(60);

/// How long the `erased` record stays after an erasure: longer than any session start takes
/// between its read of it and its guarded welcome.
pub const TOMBSTONE_TTL: Duration = Duration::from_secs(600);

/// `Retry-After` (seconds) of an `erasure_in_progress` refusal.
pub const RETRY_AFTER_S: u64 = 5;

const ERASING: &[u8] = b"erasing";
const ERASED: &[u8] = b"erased";

/// The record that marks an erasure of the visitor `key` of `site`.
pub fn mark_key(site: &str, key: &str) -> String {
    format!("erasing:{site}:{key}")
}

/// 409 `erasure_in_progress`, with `Retry-After`.
pub fn in_progress() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "erasure_in_progress",
        "This visitor's data is being erased; start again in a few seconds.",
    )
    .with_retry_after(RETRY_AFTER_S)
}

/// The visitor's erasure stopped part-way because its mark ran out (it was slower than
/// [`MARK_TTL`] between two steps): a session may have started meanwhile, so the admin is
/// told to erase again. What it deleted stays deleted.
pub fn interrupted() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "erasure_interrupted",
        "The erasure was interrupted (the store was too slow); what it deleted stays deleted. \
         Erase this visitor again.",
    )
}

/// An erasure's mark, held while the erasure runs.
#[derive(Debug)]
pub struct Erasing {
    key: String,
    version: u64,
    /// When the mark was last written (ms of the node's clock, which also expires records
    /// on sled).
    written_ms: i64,
}

/// Marks the visitor as being erased; 409 `erasure_in_progress` when another erasure of
/// them runs.
pub async fn begin(state: &AppState, site: &str, key: &str) -> Result<Erasing, ApiError> {
    let key = mark_key(site, key);
    let expected = match state.store.get(&key).await? {
        Some(found) if found.value.as_ref() == ERASING => return Err(in_progress()),
        Some(found) => Some(found.version),
        None => None,
    };
    match write(state, &key, expected, ERASING, MARK_TTL).await? {
        CasOutcome::Written { version } => Ok(Erasing {
            key,
            version,
            written_ms: state.clock.now_ms(),
        }),
        CasOutcome::Conflict { .. } => Err(in_progress()),
    }
}

impl Erasing {
    /// Renews the mark once a third of its TTL has passed (call it before each step of the
    /// erasure). 503 [`interrupted`] when the mark was lost (it ran out: the erasure was
    /// too slow).
    pub async fn keep(&mut self, state: &AppState) -> Result<(), ApiError> {
        let now_ms = state.clock.now_ms();
        if now_ms.saturating_sub(self.written_ms) < ttl_ms(MARK_TTL) / 3 {
            return Ok(());
        }
        match write(state, &self.key, Some(self.version), ERASING, MARK_TTL).await? {
            CasOutcome::Written { version } => {
                self.version = version;
                self.written_ms = now_ms;
                Ok(())
            }
            CasOutcome::Conflict { .. } => Err(interrupted()),
        }
    }

    /// Replaces the mark by the `erased` record (sessions may start again; one whose start
    /// overlapped the erasure sees the change and undoes itself). False when the mark ran
    /// out since the last [`Erasing::keep`]: a start may have slipped in (answer
    /// [`interrupted`]).
    pub async fn finish(self, state: &AppState) -> Result<bool, ApiError> {
        let outcome = write(state, &self.key, Some(self.version), ERASED, TOMBSTONE_TTL).await?;
        Ok(matches!(outcome, CasOutcome::Written { .. }))
    }
}

/// A TTL in ms of the node's clock.
fn ttl_ms(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX)
}

async fn write(
    state: &AppState,
    key: &str,
    expected_version: Option<u64>,
    value: &'static [u8],
    ttl: Duration,
) -> Result<CasOutcome, ApiError> {
    let write = RecordWrite {
        key: key.to_owned(),
        expected_version,
        value: Bytes::from_static(value),
        ttl: Some(ttl),
    };
    Ok(state.store.put(write).await?)
}

/// What a session start saw of the visitor's erasure record before it began.
#[derive(Debug)]
pub struct StartCheck {
    key: String,
    seen: Option<u64>,
}

/// Before a session start of the visitor `key`: 409 `erasure_in_progress` while an erasure
/// of them runs.
pub async fn check_start(state: &AppState, site: &str, key: &str) -> Result<StartCheck, ApiError> {
    let key = mark_key(site, key);
    let found = state.store.get(&key).await?;
    if let Some(Versioned { value, .. }) = &found
        && value.as_ref() == ERASING
    {
        return Err(in_progress());
    }
    Ok(StartCheck {
        key,
        seen: found.map(|found| found.version),
    })
}

impl StartCheck {
    /// The guard of the start's welcome: the record as [`check_start`] saw it. The store
    /// refuses the welcome when an erasure began since (or began and ended).
    pub fn guard(&self) -> VersionGuard {
        VersionGuard {
            key: self.key.clone(),
            version: self.seen,
        }
    }
}

/// Undoes a start an erasure overlapped (the store refused its welcome): what it listed of
/// its conversation is purged (as the erasure would have), and the visitor's key in the
/// month's MAU set is replaced by a stand-in (as the erasure does; the month keeps its
/// count).
pub async fn undo_start(
    state: &AppState,
    site: &str,
    key: &str,
    conversation: &str,
) -> Result<(), ApiError> {
    super::purge::purge(state, site, key, conversation).await?;
    let month = mau::month_of(conversation::now(state));
    let stand_in = format!("erased:{}", uuid::Uuid::new_v4().simple());
    state
        .store
        .set_replace(&mau::set_name(site, &month), key, &stand_in)
        .await?;
    tracing::info!(
        site,
        "a session start overlapped an erasure of its visitor and was undone"
    );
    Ok(())
}

/// Deletes what a start that failed on a store error wrote of its conversation (its
/// listing, and its welcome when that was written after all). Only the conversation goes:
/// the visitor's key stays in the month's MAU set (they are a real visitor; replacing it
/// would count their retry a second time). A purge that fails too is logged and left (the
/// store is failing); an erasure of the visitor still finds what it left in their index.
pub async fn undo_failed_start(state: &AppState, site: &str, key: &str, conversation: &str) {
    if let Err(error) = super::purge::purge(state, site, key, conversation).await {
        tracing::warn!(
            site,
            conversation,
            code = error.code(),
            "a failed session start could not delete its conversation"
        );
    }
}
