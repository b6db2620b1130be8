//! Retention by age (docs/retention.md): a task of the node that, for each site with
//! `retention_days`, looks at the conversations whose deadline in `retention:{site}` has
//! passed ([`super::schedule`]) and deletes the site's offline requests and finished jobs
//! older than the retention ([`crate::desk::offline::forget_older_than`],
//! [`crate::desk::jobs::forget_older_than`]).
//!
//! A look at a conversation:
//! - live (the bot answers, or a visitor waits for or talks to an agent): kept, looked at
//!   again a retention from now (the end comes later, so the last activity too);
//! - its last activity (the newest `at` of its log's messages; its start when none is
//!   left) plus the retention is still ahead: looked at again then;
//! - otherwise: deleted with everything that belongs to it ([`super::purge`], which takes
//!   it out of the schedule last); the items of every conversation a pass deletes are
//!   erased from the site's webhook outbox in one scan, at the end of the pass.
//!
//! Deadlines, requests and jobs live in the store, so they survive restarts. The task compares
//! them with `state.clock` (tests move it by hand): it looks at the clock every [`POLL`] (or
//! at once when [`Ticker::wake`]d) and runs a site's pass when the earliest deadline it knows
//! of has come, or [`LOOK_EVERY_MS`] after the site's last pass (deadlines written by a start
//! on another node), [`BATCH`] conversations, [`BATCH`] requests and [`BATCH`] jobs per site
//! and pass; a site with more due than a batch gets its next pass at once, until it has
//! caught up. A site whose pass fails (the store is away) is tried again after a wait that
//! doubles from a second up to five minutes, with a warning when it starts failing and few
//! after, and a line when it works again ([`super::backoff`]). On a shared store (Redis) a
//! site's pass runs on the node that holds the lease `retention-lease:{site}`, as a webhook
//! outbox is delivered by one node (`crate::connector`); on sled the node always may. Two
//! nodes purging the same conversation (a lease that ran out mid-pass) is harmless: every
//! step of a purge is idempotent.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};

use super::backoff::Backoff;
use super::purge;
use super::schedule::{parse_member, schedule_name, started_at_ms};
use crate::app::AppState;
use crate::connector::Lease;
use crate::error::ApiError;
use crate::visitor::record::conversation_log;

/// How often (real time) the task looks at the node's clock.
pub const POLL: Duration = Duration::from_secs(1);

/// Longest time (of the node's clock) between two passes.
pub const LOOK_EVERY_MS: i64 = 60_000;

/// How long a look that failed waits before it is tried again (node's clock).
const RETRY_LOOK_MS: i64 = 3_600_000;

/// Most conversations looked at, and most offline requests and finished jobs deleted, per
/// site and pass.
pub const BATCH: usize = 100;

/// How long a site's retention lease lasts without renewal (it is renewed before every
/// purge once a third of it has passed).
const LEASE_TTL: Duration = Duration::from_secs(60);

/// Log entries read at a time while looking for a conversation's last message.
const TAIL: usize = 50;

/// One site with a retention, as the task sees it.
struct SiteRetention {
    site: String,
    retention_ms: i64,
    days: u32,
    lease: Lease,
    /// Whether the one-off sweep of this start ran ([`super::sweep`]).
    swept: bool,
    /// When the site's next pass is due (node's clock).
    next_pass_ms: i64,
    /// The failed passes in a row.
    backoff: Backoff,
}

/// The retention task's link to the rest of the node, for tests that move the node's clock:
/// [`Ticker::wake`] makes the task look at the clock at once rather than within [`POLL`],
/// and [`Ticker::looked_at`] tells which clock reading it last finished looking at (with
/// every pass that reading made due, backlogs included), so a test can tell "no pass was
/// due" from "not looked yet".
#[derive(Debug)]
pub struct Ticker {
    wake: Notify,
    looked_at: watch::Sender<i64>,
}

impl Default for Ticker {
    fn default() -> Self {
        Self {
            wake: Notify::new(),
            looked_at: watch::Sender::new(i64::MIN),
        }
    }
}

impl Ticker {
    /// Makes the task look at the clock now (the clock was moved).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The clock reading of the task's last finished look (`i64::MIN`: none yet, or no site
    /// has a retention).
    pub fn looked_at(&self) -> watch::Receiver<i64> {
        self.looked_at.subscribe()
    }
}

/// What one look decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Looked {
    /// Deleted.
    Purged,
    /// Kept: live, or not old enough. Looked at again at this time (ms).
    Kept(i64),
    /// The member was not a conversation's: dropped from the schedule.
    Dropped,
}

/// Runs until shutdown begins; returns at once when no site has a retention (after
/// forgetting the sweeps of the sites without one, [`super::sweep::forget_sweep`]).
pub async fn run(state: AppState) {
    let holder = uuid::Uuid::new_v4().simple().to_string();
    let shared = state.store.is_shared();
    let mut sites: Vec<SiteRetention> = state
        .settings
        .sites
        .iter()
        .filter_map(|site| {
            let days = site.retention_days?;
            let retention_ms = super::schedule::retention_ms(&state, &site.id)?;
            let lease = Lease::named(
                Arc::clone(&state.store),
                format!("retention-lease:{}", site.id),
                &holder,
                shared,
                LEASE_TTL,
            );
            Some(SiteRetention {
                site: site.id.clone(),
                retention_ms,
                days,
                lease,
                swept: false,
                next_pass_ms: i64::MIN,
                backoff: Backoff::default(),
            })
        })
        .collect();
    for site in &state.settings.sites {
        if site.retention_days.is_none() {
            super::sweep::forget_sweep(&state, &site.id).await;
        }
    }
    if sites.is_empty() {
        return;
    }
    loop {
        let now_ms = state.clock.now_ms();
        for site in &mut sites {
            if now_ms >= site.next_pass_ms {
                site.next_pass_ms = pass(&state, site).await;
            }
        }
        // A site with more than a batch due (a backlog) goes on at once, paced by the store's
        // answers; the task has caught up with `now_ms` only when none is behind.
        let behind = sites.iter().any(|site| site.next_pass_ms <= now_ms);
        if !behind {
            state.retention.looked_at.send_replace(now_ms);
        }
        tokio::select! {
            biased;
            () = state.lifecycle.stopping() => break,
            () = tokio::task::yield_now(), if behind => {}
            () = tokio::time::sleep(POLL) => {}
            () = state.retention.wake.notified() => {}
        }
    }
    for site in &mut sites {
        site.lease.release().await;
    }
}

/// One pass of a site; when its next is due (node's clock): the earliest deadline it knows
/// of, at the latest [`LOOK_EVERY_MS`] from now, or after a failure the site's backoff.
async fn pass(state: &AppState, site: &mut SiteRetention) -> i64 {
    let now_ms = state.clock.now_ms();
    match site_pass(state, site).await {
        Ok(next) => {
            let failed = site.backoff.succeeded();
            if failed > 0 {
                tracing::info!(site = %site.site, failed_attempts = failed, "retention pass succeeded again");
            }
            let latest = now_ms.saturating_add(LOOK_EVERY_MS);
            next.map_or(latest, |at| at.min(latest))
        }
        Err(err) => {
            let failed_at = state.clock.now_ms();
            let retry = site.backoff.failed(failed_at);
            if retry.warn {
                tracing::warn!(
                    site = %site.site,
                    code = err.code(),
                    failures = retry.failures,
                    retry_in_ms = retry.delay_ms,
                    "retention pass failed; retrying later"
                );
            }
            failed_at.saturating_add(retry.delay_ms)
        }
    }
}

/// A site's pass, when this node holds its lease: the one-off sweep, the due conversations,
/// then the old offline requests and finished jobs. When the site's next pass is due
/// (`None`: nothing known).
async fn site_pass(state: &AppState, site: &mut SiteRetention) -> Result<Option<i64>, ApiError> {
    if !site.lease.hold().await? {
        return Ok(None);
    }
    if !site.swept {
        site.swept =
            super::sweep::sweep_once(state, &site.site, site.days, &mut site.lease).await?;
        if !site.swept {
            return Ok(None);
        }
    }
    let now_ms = state.clock.now_ms();
    let schedule = schedule_name(&site.site);
    let due = state.store.due(&schedule, now_ms, BATCH).await?;
    let mut purging = Vec::new();
    let mut lost_lease = false;
    for (member, _) in &due {
        if !site.lease.hold().await? {
            lost_lease = true;
            break;
        }
        if let Err(err) = look(state, &site.site, site.retention_ms, member, &mut purging).await {
            tracing::warn!(site = %site.site, code = err.code(), "retention look failed; trying again later");
            let later = state.clock.now_ms().saturating_add(RETRY_LOOK_MS);
            state.store.schedule(&schedule, member, later).await?;
        }
    }
    // One scan of the webhook outbox for every conversation the pass deletes; an error
    // leaves them due, for the next pass (every step of a purge is idempotent). Their
    // deletion is not finished without it: out of the schedule, nothing would erase their
    // items, which the delivery loop sends while they are not erased (docs/retention.md).
    let purged = purge::complete(state, &site.site, purging).await?;
    for _ in &purged {
        tracing::info!(site = %site.site, "a conversation past its retention was deleted");
    }
    if lost_lease {
        return Ok(None);
    }
    let cutoff = now_ms.saturating_sub(site.retention_ms);
    let aged = crate::desk::offline::forget_older_than(state, &site.site, cutoff, BATCH).await?;
    if aged.trimmed > 0 {
        tracing::info!(site = %site.site, requests = aged.trimmed, "old offline requests deleted");
    }
    let jobs = crate::desk::jobs::forget_older_than(state, &site.site, cutoff, BATCH).await?;
    if jobs.trimmed > 0 {
        tracing::info!(site = %site.site, jobs = jobs.trimmed, "old finished jobs deleted");
    }
    let is_full = |trimmed: u64| usize::try_from(trimmed).is_ok_and(|n| n == BATCH);
    if due.len() == BATCH || is_full(aged.trimmed) || is_full(jobs.trimmed) {
        return Ok(Some(now_ms));
    }
    let next_look = state.store.next_due(&schedule).await?.map(|(_, at)| at);
    let next_aged = [aged.oldest_kept_at, jobs.oldest_kept_at]
        .into_iter()
        .flatten()
        .map(|at| at.saturating_add(site.retention_ms));
    Ok(next_look.into_iter().chain(next_aged).min())
}

/// Looks at one scheduled conversation of `site` (see the module doc). A conversation to
/// delete gets the first steps of its purge and joins `purging`, which the pass completes
/// at its end ([`purge::complete`]).
pub(super) async fn look(
    state: &AppState,
    site: &str,
    retention_ms: i64,
    member: &str,
    purging: &mut Vec<purge::Pending>,
) -> Result<Looked, ApiError> {
    let schedule = schedule_name(site);
    let Some((conversation, identity_key)) = parse_member(member) else {
        tracing::warn!(
            site,
            "a retention deadline that names no conversation was dropped"
        );
        state.store.unschedule(&schedule, member).await?;
        return Ok(Looked::Dropped);
    };
    let now_ms = state.clock.now_ms();
    if is_live(state, conversation).await? {
        let again = now_ms.saturating_add(retention_ms);
        state.store.schedule(&schedule, member, again).await?;
        return Ok(Looked::Kept(again));
    }
    // Every conversation id is a UUIDv7 and starts with a message: a conversation that has
    // neither is too odd to keep.
    let last = match last_activity_ms(state, conversation).await? {
        Some(at) => Some(at),
        None => started_at_ms(conversation),
    };
    if let Some(last) = last {
        let old_at = last.saturating_add(retention_ms);
        if old_at > now_ms {
            state.store.schedule(&schedule, member, old_at).await?;
            return Ok(Looked::Kept(old_at));
        }
    }
    purging.push(purge::begin(state, site, identity_key, conversation).await?);
    Ok(Looked::Purged)
}

/// Whether the conversation's session still exists and takes part in it.
async fn is_live(state: &AppState, conversation: &str) -> Result<bool, ApiError> {
    let Some(link) = crate::desk::visitor_side::link(state, conversation).await? else {
        return Ok(false);
    };
    Ok(purge::session(state, &link.session_id)
        .await?
        .is_some_and(|record| purge::is_live(&record)))
}

/// The newest `at` (ms) among the conversation's messages, read backwards from the end of
/// its log; `None` for a log without messages (or already deleted).
async fn last_activity_ms(state: &AppState, conversation: &str) -> Result<Option<i64>, ApiError> {
    let log = conversation_log(conversation);
    let mut end = state.store.log_head(&log).await?;
    while end > 0 {
        let after = end.saturating_sub(TAIL as u64);
        let entries = state.store.read_log(&log, after, TAIL).await?;
        let newest = entries
            .iter()
            .filter(|entry| entry.seq <= end)
            .filter_map(|entry| {
                let value: serde_json::Value = serde_json::from_slice(&entry.body).ok()?;
                value.get("at")?.as_i64()
            })
            .max();
        if newest.is_some() {
            return Ok(newest);
        }
        // A trimmed log starts later: nothing more before the first kept entry.
        match entries.first() {
            Some(first) if first.seq > after + 1 => return Ok(None),
            None => return Ok(None),
            Some(_) => end = after,
        }
    }
    Ok(None)
}
