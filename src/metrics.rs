//! The node's metrics, served by `GET /metrics` (`src/routes/metrics.rs`) in the text
//! format Prometheus scrapes; docs/configuration.md ("Metrics") lists them.
//!
//! Two kinds of values:
//!
//! - counted on the hot path into [`Metrics`]: plain atomics (no lock, no allocation once a
//!   route has been seen), with labels from fixed sets only (route template and status
//!   class, refusal kind, handoff step): never a session, visitor or conversation;
//! - read at scrape time ([`scrape`]): open sockets and long-polls, the desks' queues and
//!   agents (per configured site and queue), webhook outbox backlogs, cluster fan-out
//!   counters, the store's group commits.
//!
//! Every node exports its own values; the desks' gauges are read from the shared store, so
//! every node of a cluster shows the same ones.
//!
//! # Layout
//!
//! - `histogram.rs`: a histogram over atomics.
//! - `http.rs`: the HTTP layer counting requests by route template and status class.
//! - `scrape.rs`: what is read at scrape time, and the encoding.

mod histogram;
pub mod http;
pub mod scrape;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use staffetta_handoff::Notice;
use staffetta_handoff::event::{DeskEndReason, EventName};

pub use histogram::Histogram;

/// Upper bounds (seconds) of the duration histograms: 1 ms to 10 s.
const DURATION_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Why a request or a frame was refused, from the error code it was answered with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefusalKind {
    /// 429 `rate_limited`: messages per session, new sessions per address.
    RateLimit,
    /// 429 `too_many_connections`: websockets per address.
    Connections,
    /// 429 `too_many_polls`: waiting long-polls per session.
    LongPolls,
    /// 403 `mau_limit_reached`: a new visitor past the site's monthly limit (`refuse`).
    MauLimit,
    /// 403 `origin_not_allowed`: a page not in the site's origins.
    Origin,
    /// 429 `ip_blocked`: an address blocked after failed logins or admin tokens.
    IpBlocked,
}

impl RefusalKind {
    /// Every kind, in label order.
    pub const ALL: [Self; 6] = [
        Self::RateLimit,
        Self::Connections,
        Self::LongPolls,
        Self::MauLimit,
        Self::Origin,
        Self::IpBlocked,
    ];

    /// The kind of an error code, if the code is a refusal.
    pub fn of_code(code: &str) -> Option<Self> {
        Some(match code {
            "rate_limited" => Self::RateLimit,
            "too_many_connections" => Self::Connections,
            "too_many_polls" => Self::LongPolls,
            "mau_limit_reached" => Self::MauLimit,
            "origin_not_allowed" => Self::Origin,
            "ip_blocked" => Self::IpBlocked,
            _ => return None,
        })
    }

    /// The `kind` label.
    pub const fn label(self) -> &'static str {
        match self {
            Self::RateLimit => "rate_limit",
            Self::Connections => "connections",
            Self::LongPolls => "long_polls",
            Self::MauLimit => "mau_limit",
            Self::Origin => "origin",
            Self::IpBlocked => "ip_blocked",
        }
    }
}

/// A step of the handoff, counted once per node that handled it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandoffStep {
    /// A visitor's request joined a queue (offered at once or waiting).
    Queued,
    /// A request found the queue closed (office hours, nobody logged in, ...).
    Closed,
    /// A conversation was offered to an agent.
    Offered,
    /// An agent accepted an offer.
    Accepted,
    /// An agent rejected an offer.
    Rejected,
    /// An offer was not answered in time.
    OfferTimeout,
}

impl HandoffStep {
    /// Every step, in label order.
    pub const ALL: [Self; 6] = [
        Self::Queued,
        Self::Closed,
        Self::Offered,
        Self::Accepted,
        Self::Rejected,
        Self::OfferTimeout,
    ];

    /// The `step` label.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Closed => "queue_closed",
            Self::Offered => "offered",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::OfferTimeout => "offer_timeout",
        }
    }

    /// The step a desk notice stands for, if any: an offer (`JOBSCHEDULED`), an accept
    /// (`JOBSTARTED`), an offer that ended rejected or timed out (`JOBFINISHED` with the
    /// desk's reason).
    fn of_notice(notice: &Notice) -> Option<Self> {
        let Notice::Agent { event, .. } = notice else {
            return None;
        };
        match event.event {
            EventName::JobScheduled => Some(Self::Offered),
            EventName::JobStarted => Some(Self::Accepted),
            EventName::JobFinished => match event.reason.as_deref() {
                Some(reason) if reason == DeskEndReason::Rejected.as_str() => Some(Self::Rejected),
                Some(reason) if reason == DeskEndReason::Timeout.as_str() => {
                    Some(Self::OfferTimeout)
                }
                _ => None,
            },
            _ => None,
        }
    }
}

/// The node's hot-path counters. Shared as one `Arc` in the app state.
#[derive(Debug)]
pub struct Metrics {
    http: http::Requests,
    refusals: [AtomicU64; RefusalKind::ALL.len()],
    handoff: [AtomicU64; HandoffStep::ALL.len()],
    sessions_started: AtomicU64,
    bot_turns: Histogram,
    store_appends: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            http: http::Requests::default(),
            refusals: Default::default(),
            handoff: Default::default(),
            sessions_started: AtomicU64::new(0),
            bot_turns: Histogram::new(&DURATION_BUCKETS),
            store_appends: Histogram::new(&DURATION_BUCKETS),
        }
    }
}

impl Metrics {
    /// Counts a refusal if `code` (an error code) is one.
    pub fn refused(&self, code: &str) {
        if let Some(kind) = RefusalKind::of_code(code) {
            self.refusals[kind as usize].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a handoff step.
    pub fn handoff(&self, step: HandoffStep) {
        self.handoff[step as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts the handoff steps among a batch of desk notices.
    pub fn handoff_notices(&self, notices: &[Notice]) {
        for step in notices.iter().filter_map(HandoffStep::of_notice) {
            self.handoff(step);
        }
    }

    /// Counts a visitor session started (a repeat of a start is not counted).
    pub fn session_started(&self) {
        self.sessions_started.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a bot turn that was stored, with its server-side duration (from taking the
    /// message to the durable write's answer).
    pub fn bot_turn(&self, took: Duration) {
        self.bot_turns.observe(took);
    }

    /// Records the duration of a turn's durable append.
    pub fn store_append(&self, took: Duration) {
        self.store_appends.observe(took);
    }

    /// The HTTP request counters.
    pub fn http(&self) -> &http::Requests {
        &self.http
    }

    /// Refusals of `kind` so far.
    pub fn refusals(&self, kind: RefusalKind) -> u64 {
        self.refusals[kind as usize].load(Ordering::Relaxed)
    }

    /// Handoff steps of this kind so far.
    pub fn handoff_steps(&self, step: HandoffStep) -> u64 {
        self.handoff[step as usize].load(Ordering::Relaxed)
    }

    /// Sessions started so far.
    pub fn sessions_started(&self) -> u64 {
        self.sessions_started.load(Ordering::Relaxed)
    }

    /// Bot turn durations.
    pub fn bot_turns(&self) -> &Histogram {
        &self.bot_turns
    }

    /// Durations of turns' durable appends.
    pub fn store_appends(&self) -> &Histogram {
        &self.store_appends
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_refusal_codes_are_counted_as_refusals() {
        let metrics = Metrics::default();
        metrics.refused("rate_limited");
        metrics.refused("rate_limited");
        metrics.refused("origin_not_allowed");
        metrics.refused("session_not_found");
        assert_eq!(metrics.refusals(RefusalKind::RateLimit), 2);
        assert_eq!(metrics.refusals(RefusalKind::Origin), 1);
        let total: u64 = RefusalKind::ALL.iter().map(|k| metrics.refusals(*k)).sum();
        assert_eq!(total, 3);
    }

    #[test]
    fn refusal_kinds_and_handoff_steps_index_their_own_slot() {
        for (index, kind) in RefusalKind::ALL.iter().enumerate() {
            assert_eq!(*kind as usize, index);
        }
        for (index, step) in HandoffStep::ALL.iter().enumerate() {
            assert_eq!(*step as usize, index);
        }
    }
}
