//! The report of a site's finished jobs (admin API, docs/api.md): jobs newest first, in a
//! range of finish times and filtered by agent and queue, read page by page from the site's
//! log by position with a bounded number of reads per page ([`page`]), or all of a range
//! for a summary ([`scan`]).
//!
//! A range is found in the log by bisection ([`window`]): the log is in the order jobs were
//! stored, which is the order they finished as the storing nodes' clocks saw it. Each job is
//! then checked against the range by its own `finished_at`, so no job outside the range is
//! listed. Deleted jobs (their conversation was erased or purged, or retention took them;
//! old whole entries of a deleted conversation) are left out.

use staffetta_handoff::desk::JobRecord;

use super::{JOBS, MAX_LIST};
use crate::app::AppState;
use crate::error::ApiError;

/// Most log entries one page reads: a page with a narrow filter may come back short of its
/// limit, with a cursor to go on from.
pub const MAX_SCANNED: u64 = 5_000;

/// Log entries read at a time (their records are read concurrently).
const CHUNK: usize = 250;

/// A range of finish times in ms since the Unix epoch: `from` inclusive, `to` exclusive,
/// either end open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FinishRange {
    /// Earliest finish time, inclusive.
    pub from_ms: Option<i64>,
    /// Finish times before this one.
    pub to_ms: Option<i64>,
}

impl FinishRange {
    /// Whether a job finished at `at_ms` is in the range.
    pub fn contains(&self, at_ms: i64) -> bool {
        self.from_ms.is_none_or(|from| at_ms >= from) && self.to_ms.is_none_or(|to| at_ms < to)
    }
}

/// Which jobs of a range a page lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobFilter {
    /// Jobs of any of these agent ids; every agent's when `None`.
    pub agents: Option<Vec<String>>,
    /// Jobs that came through this queue (resource); every queue's when `None`.
    pub queue: Option<String>,
}

impl JobFilter {
    /// Whether `job` passes the filter.
    pub fn matches(&self, job: &JobRecord) -> bool {
        let agent = job.agent.as_str();
        self.agents
            .as_ref()
            .is_none_or(|agents| agents.iter().any(|id| id == agent))
            && self
                .queue
                .as_ref()
                .is_none_or(|queue| queue == job.queue.as_str())
    }
}

/// The positions of a range in the site's log: `first..end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Position of the first entry of the range.
    pub first: u64,
    /// One past the position of its last entry.
    pub end: u64,
}

impl Window {
    /// How many log entries the range holds (deleted jobs included).
    pub fn entries(&self) -> u64 {
        self.end.saturating_sub(self.first)
    }
}

/// The positions of `range` in the site's log of jobs.
pub async fn window(state: &AppState, site: &str, range: &FinishRange) -> Result<Window, ApiError> {
    let first = match range.from_ms {
        Some(from) => JOBS.position_of::<JobRecord>(state, site, from).await?,
        None => JOBS.first_position(state, site).await?,
    };
    let end = match range.to_ms {
        Some(to) => JOBS.position_of::<JobRecord>(state, site, to).await?,
        None => JOBS.end_position(state, site).await?,
    };
    Ok(Window {
        first,
        end: end.max(first),
    })
}

/// A listed job with its position in the site's log.
#[derive(Clone, Debug)]
pub struct Listed {
    /// Position of the job's log entry; a page that ends with this job goes on before it.
    pub seq: u64,
    /// The job.
    pub job: JobRecord,
}

/// One page of jobs.
#[derive(Clone, Debug)]
pub struct Page {
    /// Newest first.
    pub jobs: Vec<Listed>,
    /// Where the next page starts (it lists jobs before this position); `None` when the
    /// range is read to its start.
    pub next_before: Option<u64>,
}

/// The jobs of `window` before position `before` (the end of the window when `None`) that
/// finished in `range` and pass `filter`, newest first: at most `limit` (1 to
/// [`MAX_LIST`]), from at most [`MAX_SCANNED`] log entries.
pub async fn page(
    state: &AppState,
    site: &str,
    window: Window,
    range: &FinishRange,
    filter: &JobFilter,
    before: Option<u64>,
    limit: usize,
) -> Result<Page, ApiError> {
    let limit = limit.clamp(1, MAX_LIST);
    let mut before = before.map_or(window.end, |before| before.min(window.end));
    let is_listed =
        |job: &JobRecord| range.contains(job.finished_at.as_millisecond()) && filter.matches(job);
    let mut jobs = Vec::new();
    let mut scanned = 0;
    while before > window.first {
        if scanned >= MAX_SCANNED {
            return Ok(Page {
                jobs,
                next_before: Some(before),
            });
        }
        let chunk = usize::try_from(MAX_SCANNED - scanned).map_or(CHUNK, |left| left.min(CHUNK));
        let slice = JOBS
            .read_before::<JobRecord>(state, site, window.first, before, chunk)
            .await?;
        scanned += before - slice.from;
        let mut entries = slice.entries.into_iter();
        while let Some(entry) = entries.next() {
            let Some(job) = entry.item.map(|stored| stored.item) else {
                continue;
            };
            if !is_listed(&job) {
                continue;
            }
            jobs.push(Listed {
                seq: entry.seq,
                job,
            });
            if jobs.len() == limit {
                // No cursor when what is left of the range was read already and holds no
                // job of the page's kind (no empty last page).
                let is_rest_read = slice.from <= window.first;
                let is_more = !is_rest_read
                    || entries.any(|rest| rest.item.is_some_and(|stored| is_listed(&stored.item)));
                return Ok(Page {
                    jobs,
                    next_before: is_more.then_some(entry.seq),
                });
            }
        }
        before = slice.from;
    }
    Ok(Page {
        jobs,
        next_before: None,
    })
}

/// Calls `each` with every job of `window` that finished in `range`, newest first, reading
/// the log [`CHUNK`] entries at a time (only the jobs of one read are held at once).
pub async fn scan(
    state: &AppState,
    site: &str,
    window: Window,
    range: &FinishRange,
    mut each: impl FnMut(&JobRecord),
) -> Result<(), ApiError> {
    let mut before = window.end;
    while before > window.first {
        let slice = JOBS
            .read_before::<JobRecord>(state, site, window.first, before, CHUNK)
            .await?;
        for stored in slice.entries.iter().filter_map(|entry| entry.item.as_ref()) {
            if range.contains(stored.item.finished_at.as_millisecond()) {
                each(&stored.item);
            }
        }
        before = slice.from;
    }
    Ok(())
}

/// The spans of a job in ms, each at least 0 (nodes' clocks may disagree a little).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spans {
    /// From the offer to this agent to their accepting it.
    pub wait_ms: i64,
    /// From the accept to the end of the conversation for the agent.
    pub handle_ms: i64,
    /// After-chat work: from the end to the job's finish (the wrap-up).
    pub after_chat_ms: i64,
}

impl Spans {
    /// The spans of `job`.
    pub fn of(job: &JobRecord) -> Self {
        let between = |from: jiff::Timestamp, to: jiff::Timestamp| {
            (to.as_millisecond() - from.as_millisecond()).max(0)
        };
        Self {
            wait_ms: between(job.offered_at, job.started_at),
            handle_ms: between(job.started_at, job.ended_at),
            after_chat_ms: between(job.ended_at, job.finished_at),
        }
    }
}

/// Milliseconds as seconds (ms precision).
pub fn seconds(ms: i64) -> f64 {
    // Spans are far below 2^53 ms, so the conversion is exact.
    ms as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_holds_its_start_and_not_its_end() {
        let range = FinishRange {
            from_ms: Some(10),
            to_ms: Some(20),
        };
        assert!(!range.contains(9));
        assert!(range.contains(10));
        assert!(range.contains(19));
        assert!(!range.contains(20));
        assert!(FinishRange::default().contains(i64::MIN));
    }

    #[test]
    fn a_window_counts_its_entries_and_an_inverted_one_none() {
        assert_eq!(Window { first: 3, end: 8 }.entries(), 5);
        assert_eq!(Window { first: 8, end: 3 }.entries(), 0);
    }
}
