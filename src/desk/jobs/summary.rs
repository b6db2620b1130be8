//! The summary of a site's finished jobs over a range of finish times (admin API,
//! docs/api.md): per agent and in total, the number of jobs by outcome and the mean and 90th
//! percentile of the wait, handle and after-chat spans ([`Spans`]), optionally of one agent
//! or queue only ([`JobFilter`]).
//!
//! A summary reads the whole range, so it is bounded: a range whose part of the log holds
//! more than [`MAX_SUMMARY_ENTRIES`] entries is refused before anything is read
//! ([`summarize`]); the spans of at most that many jobs are held while it runs (three
//! numbers each, never the wrap-ups).

use std::collections::BTreeMap;

use serde::Serialize;
use staffetta_handoff::desk::{JobOutcome, JobRecord};

use super::report::{self, FinishRange, JobFilter, Spans, Window, seconds};
use crate::app::AppState;
use crate::error::ApiError;

/// Most log entries of a range a summary reads.
pub const MAX_SUMMARY_ENTRIES: u64 = 100_000;

/// Jobs counted by how they ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Outcomes {
    /// The agent submitted the wrap-up.
    pub wrapped_up: u64,
    /// The wrap-up limit passed without one.
    pub wrap_up_limit: u64,
    /// The agent's connection was lost beyond the grace period.
    pub agent_lost: u64,
    /// The agent logged out during after-chat work.
    pub logged_out: u64,
}

/// Mean and 90th percentile (nearest rank) of a span, in seconds; `None` without jobs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Spread {
    /// Arithmetic mean.
    pub mean: Option<f64>,
    /// The smallest value that at least 90 % of the values do not exceed.
    pub p90: Option<f64>,
}

impl Spread {
    /// The spread of `values_ms` (sorted here).
    fn of(values_ms: &mut [i64]) -> Self {
        if values_ms.is_empty() {
            return Self::default();
        }
        values_ms.sort_unstable();
        let count = values_ms.len();
        let total: i128 = values_ms.iter().map(|&ms| i128::from(ms)).sum();
        let mean_ms = i64::try_from(total / count as i128).unwrap_or(i64::MAX);
        // Nearest rank: the ceil(0.9 n)-th value, 1-based.
        let rank = (count * 9).div_ceil(10).max(1);
        Self {
            mean: Some(seconds(mean_ms)),
            p90: Some(seconds(values_ms[rank - 1])),
        }
    }
}

/// The figures of a set of jobs.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Figures {
    /// How many.
    pub jobs: u64,
    /// By outcome.
    pub outcomes: Outcomes,
    /// From the offer to the agent's accept.
    pub wait_s: Spread,
    /// From the accept to the end of the conversation.
    pub handle_s: Spread,
    /// From the end to the wrap-up (after-chat work).
    pub after_chat_s: Spread,
}

/// Jobs being counted.
#[derive(Debug, Default)]
struct Tally {
    outcomes: Outcomes,
    wait_ms: Vec<i64>,
    handle_ms: Vec<i64>,
    after_chat_ms: Vec<i64>,
}

impl Tally {
    fn add(&mut self, job: &JobRecord) {
        let count = match job.outcome {
            JobOutcome::WrappedUp => &mut self.outcomes.wrapped_up,
            JobOutcome::WrapUpLimit => &mut self.outcomes.wrap_up_limit,
            JobOutcome::AgentLost => &mut self.outcomes.agent_lost,
            JobOutcome::LoggedOut => &mut self.outcomes.logged_out,
        };
        *count += 1;
        let spans = Spans::of(job);
        self.wait_ms.push(spans.wait_ms);
        self.handle_ms.push(spans.handle_ms);
        self.after_chat_ms.push(spans.after_chat_ms);
    }

    fn figures(mut self) -> Figures {
        Figures {
            jobs: self.wait_ms.len() as u64,
            outcomes: self.outcomes,
            wait_s: Spread::of(&mut self.wait_ms),
            handle_s: Spread::of(&mut self.handle_ms),
            after_chat_s: Spread::of(&mut self.after_chat_ms),
        }
    }
}

/// The summary of a range.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// All jobs of the range.
    pub total: Figures,
    /// Per agent id, in id order.
    pub agents: BTreeMap<String, Figures>,
}

/// Jobs being counted per agent and in total.
#[derive(Debug, Default)]
struct Counting {
    total: Tally,
    agents: BTreeMap<String, Tally>,
}

impl Counting {
    fn add(&mut self, job: &JobRecord) {
        self.total.add(job);
        self.agents
            .entry(job.agent.as_str().to_owned())
            .or_default()
            .add(job);
    }

    fn summary(self) -> Summary {
        Summary {
            total: self.total.figures(),
            agents: self
                .agents
                .into_iter()
                .map(|(agent, tally)| (agent, tally.figures()))
                .collect(),
        }
    }
}

/// Why a summary was not made.
#[derive(Debug)]
pub enum SummaryRefused {
    /// The range's part of the log holds more than [`MAX_SUMMARY_ENTRIES`] entries.
    TooLarge {
        /// How many it holds.
        entries: u64,
    },
}

/// The summary of the jobs of `site` that finished in `range` and pass `filter`; refused
/// for a range of more than [`MAX_SUMMARY_ENTRIES`] log entries (whatever the filter keeps:
/// the whole range is read).
pub async fn summarize(
    state: &AppState,
    site: &str,
    range: &FinishRange,
    filter: &JobFilter,
) -> Result<Result<Summary, SummaryRefused>, ApiError> {
    let window: Window = report::window(state, site, range).await?;
    if window.entries() > MAX_SUMMARY_ENTRIES {
        return Ok(Err(SummaryRefused::TooLarge {
            entries: window.entries(),
        }));
    }
    let mut counting = Counting::default();
    report::scan(state, site, window, range, |job| {
        if filter.matches(job) {
            counting.add(job);
        }
    })
    .await?;
    Ok(Ok(counting.summary()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job(agent: &str, outcome: &str, wait_s: i64, handle_s: i64, after_s: i64) -> JobRecord {
        let at = |s: i64| jiff::Timestamp::from_second(1_700_000_000 + s).unwrap();
        serde_json::from_value(json!({
            "job": "1", "agent": agent, "conversation": "c1", "queue": "default",
            "offered_at": at(0), "started_at": at(wait_s),
            "ended_at": at(wait_s + handle_s), "finished_at": at(wait_s + handle_s + after_s),
            "wrap_up": null, "outcome": outcome,
        }))
        .unwrap()
    }

    #[test]
    fn the_p90_is_the_nearest_rank_and_the_mean_the_average() {
        let mut values: Vec<i64> = (1..=10).rev().map(|s| s * 1000).collect();
        assert_eq!(
            Spread::of(&mut values),
            Spread {
                mean: Some(5.5),
                p90: Some(9.0)
            }
        );
        assert_eq!(
            Spread::of(&mut [1500]),
            Spread {
                mean: Some(1.5),
                p90: Some(1.5)
            }
        );
        let mut eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(Spread::of(&mut eleven).p90, Some(0.01));
        assert_eq!(Spread::of(&mut []), Spread::default());
    }

    #[test]
    fn jobs_are_counted_per_agent_and_in_total_by_outcome() {
        let mut counting = Counting::default();
        counting.add(&job("ada", "wrapped_up", 2, 60, 10));
        counting.add(&job("ada", "wrap_up_limit", 4, 30, 120));
        counting.add(&job("bob", "agent_lost", 6, 10, 0));
        let summary = counting.summary();
        assert_eq!(summary.total.jobs, 3);
        assert_eq!(
            summary.total.outcomes,
            Outcomes {
                wrapped_up: 1,
                wrap_up_limit: 1,
                agent_lost: 1,
                logged_out: 0
            }
        );
        assert_eq!(summary.total.wait_s.mean, Some(4.0));
        assert_eq!(summary.total.after_chat_s.p90, Some(120.0));
        let ada = &summary.agents["ada"];
        assert_eq!((ada.jobs, ada.handle_s.mean), (2, Some(45.0)));
        assert_eq!(summary.agents["bob"].outcomes.agent_lost, 1);
        assert_eq!(summary.agents.len(), 2);
    }
}
