//! `GET /api/v1/admin/sites/{site}/jobs/summary?from=&to=&agent=&queue=`: the figures of the
//! finished jobs per agent and in total ([`crate::desk::jobs::summary`]), as JSON or, with
//! `Accept: text/csv`, as CSV: one line per agent, then one for the total, cells neutralised
//! against formulas like the job list's (an agent's login may start with `-`, `+` or `@`).

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::super::csv::push_line;
use super::super::{AdminAuth, wants_csv};
use super::{
    csv_attachment, invalid_query, known_site, logins, no_store, parse_filter, parse_range,
};
use crate::desk::jobs::summary::{self, Figures, MAX_SUMMARY_ENTRIES, Spread, SummaryRefused};
use crate::error::{ApiError, ApiJson};

/// The columns of the CSV summary.
const CSV_HEADER: [&str; 14] = [
    "row",
    "agent",
    "agent_login",
    "jobs",
    "wrapped_up",
    "wrap_up_limit",
    "agent_lost",
    "logged_out",
    "wait_mean_s",
    "wait_p90_s",
    "handle_mean_s",
    "handle_p90_s",
    "after_chat_mean_s",
    "after_chat_p90_s",
];

/// Query of the summary; an empty value counts as absent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::routes::admin) struct SummaryQuery {
    from: Option<String>,
    to: Option<String>,
    agent: Option<String>,
    queue: Option<String>,
}

/// JSON body of a summary.
#[derive(Debug, Serialize)]
struct SummaryBody {
    site: String,
    from: Option<jiff::Timestamp>,
    to: Option<jiff::Timestamp>,
    total: Figures,
    agents: Vec<AgentFigures>,
}

/// One agent's figures.
#[derive(Debug, Serialize)]
struct AgentFigures {
    agent: String,
    agent_login: Option<String>,
    #[serde(flatten)]
    figures: Figures,
}

pub(in crate::routes::admin) async fn jobs_summary(
    _admin: AdminAuth,
    State(state): State<crate::app::AppState>,
    site: Result<Path<String>, PathRejection>,
    query: Result<Query<SummaryQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let site = known_site(&state, site)?;
    let Query(query) = query.map_err(|rejection| invalid_query(rejection.body_text()))?;
    let range = parse_range(query.from, query.to)?;
    let logins = logins(&state, &site).await?;
    let filter = parse_filter(query.agent, query.queue, &logins)?;
    let summary = match summary::summarize(&state, &site, &range, &filter).await? {
        Ok(summary) => summary,
        Err(SummaryRefused::TooLarge { entries }) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "range_too_large",
                format!(
                    "The range holds {entries} jobs; a summary reads at most \
                     {MAX_SUMMARY_ENTRIES}: narrow it with `from` and `to`."
                ),
            ));
        }
    };
    let at = |ms: Option<i64>| ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok());
    let agents: Vec<AgentFigures> = summary
        .agents
        .into_iter()
        .map(|(agent, figures)| AgentFigures {
            agent_login: logins.get(&agent).cloned(),
            agent,
            figures,
        })
        .collect();
    let body = SummaryBody {
        from: at(range.from_ms),
        to: at(range.to_ms),
        total: summary.total,
        agents,
        site,
    };
    let mut response = if wants_csv(&headers) {
        csv_attachment(csv_of(&body), &format!("jobs-summary-{}.csv", body.site))
    } else {
        ApiJson(body).into_response()
    };
    no_store(&mut response);
    Ok(response)
}

/// The CSV of a summary: a line per agent (`row` = `agent`), then the total (`row` =
/// `total`, no agent). A span without jobs is an empty cell.
fn csv_of(body: &SummaryBody) -> String {
    let mut out = String::new();
    push_line(&mut out, CSV_HEADER);
    for agent in &body.agents {
        push_figures(
            &mut out,
            [
                "agent",
                &agent.agent,
                agent.agent_login.as_deref().unwrap_or(""),
            ],
            &agent.figures,
        );
    }
    push_figures(&mut out, ["total", "", ""], &body.total);
    out
}

fn push_figures(out: &mut String, who: [&str; 3], figures: &Figures) {
    let outcomes = &figures.outcomes;
    let counts = [
        figures.jobs,
        outcomes.wrapped_up,
        outcomes.wrap_up_limit,
        outcomes.agent_lost,
        outcomes.logged_out,
    ]
    .map(|count| count.to_string());
    let seconds = |value: Option<f64>| value.map_or(String::new(), |s| s.to_string());
    let spread = |spread: &Spread| [seconds(spread.mean), seconds(spread.p90)];
    let spans = [
        spread(&figures.wait_s),
        spread(&figures.handle_s),
        spread(&figures.after_chat_s),
    ];
    let cells = who
        .into_iter()
        .chain(counts.iter().map(String::as_str))
        .chain(spans.iter().flatten().map(String::as_str));
    push_line(out, cells);
}
