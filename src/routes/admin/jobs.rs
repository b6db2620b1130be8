//! The report of finished jobs (what agents did, with their wrap-ups), docs/api.md:
//!
//! - `GET /api/v1/admin/sites/{site}/jobs?from=&to=&agent=&queue=&limit=&cursor=`: jobs
//!   newest first, as JSON `{"jobs": [...], "next_cursor"}` or, with `Accept: text/csv`, as
//!   CSV (the next cursor in the `x-staffetta-next-cursor` header). Pages go by position in
//!   the site's log of jobs ([`crate::desk::jobs::report`]); a cursor is that position, so
//!   pages never repeat or skip a job, and each page reads a bounded number of entries.
//! - `GET /api/v1/admin/sites/{site}/jobs/summary?from=&to=&agent=&queue=`: per agent and in
//!   total, jobs by outcome and the mean and 90th percentile of the wait, handle and
//!   after-chat spans, as JSON or CSV ([`summary`]); refused for a range of more than
//!   [`MAX_SUMMARY_ENTRIES`](crate::desk::jobs::summary::MAX_SUMMARY_ENTRIES) jobs.
//!
//! `from` and `to` are RFC 3339 instants or UTC days `YYYY-MM-DD`, compared with
//! `finished_at`; `to` is exclusive. `agent` (a login or an agent id) and `queue` narrow
//! both; an agent or queue nobody has gives no jobs. Answers carry `Cache-Control: no-store`.

mod summary;

pub(super) use summary::jobs_summary;

use std::collections::HashMap;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use staffetta_handoff::desk::{JobOutcome, JobRecord};
use staffetta_handoff::operator::Login;
use staffetta_handoff::wrap_up::WrapUp;
use staffetta_handoff::{AgentId, ResourceId};

use super::csv::push_line;
use super::{AdminAuth, wants_csv};
use crate::agent::operators::{self, OperatorStoreError};
use crate::app::AppState;
use crate::desk::jobs::MAX_LIST;
use crate::desk::jobs::report::{self, FinishRange, JobFilter, Spans, seconds};
use crate::error::{ApiError, ApiJson};

/// Jobs a page holds when the query names no `limit`.
const DEFAULT_LIMIT: usize = 100;

/// Header of a CSV page that names the cursor of the next one.
const NEXT_CURSOR: &str = "x-staffetta-next-cursor";

/// The columns of the CSV report.
const CSV_HEADER: [&str; 15] = [
    "job",
    "agent",
    "agent_login",
    "conversation_id",
    "queue",
    "offered_at",
    "started_at",
    "ended_at",
    "finished_at",
    "wait_s",
    "handle_s",
    "after_chat_s",
    "outcome",
    "disposition",
    "notes",
];

/// Query of the job list; an empty value counts as absent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    from: Option<String>,
    to: Option<String>,
    agent: Option<String>,
    queue: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// One job as the report shows it.
#[derive(Debug, Serialize)]
struct JobRow<'a> {
    job: String,
    agent: &'a str,
    /// The login of the operator with this agent id; `None` once they were removed.
    agent_login: Option<&'a str>,
    conversation_id: &'a str,
    queue: &'a str,
    offered_at: jiff::Timestamp,
    started_at: jiff::Timestamp,
    ended_at: jiff::Timestamp,
    finished_at: jiff::Timestamp,
    wait_s: f64,
    handle_s: f64,
    after_chat_s: f64,
    outcome: JobOutcome,
    wrap_up: Option<&'a WrapUp>,
}

impl<'a> JobRow<'a> {
    fn new(job: &'a JobRecord, logins: &'a HashMap<String, String>) -> Self {
        let spans = Spans::of(job);
        Self {
            job: String::from(job.job),
            agent: job.agent.as_str(),
            agent_login: logins.get(job.agent.as_str()).map(String::as_str),
            conversation_id: job.conversation.as_str(),
            queue: job.queue.as_str(),
            offered_at: job.offered_at,
            started_at: job.started_at,
            ended_at: job.ended_at,
            finished_at: job.finished_at,
            wait_s: seconds(spans.wait_ms),
            handle_s: seconds(spans.handle_ms),
            after_chat_s: seconds(spans.after_chat_ms),
            outcome: job.outcome,
            wrap_up: job.wrap_up.as_ref(),
        }
    }

    fn push_csv(&self, out: &mut String) {
        let times = [
            self.offered_at,
            self.started_at,
            self.ended_at,
            self.finished_at,
        ]
        .map(|at| at.to_string());
        let spans = [self.wait_s, self.handle_s, self.after_chat_s].map(|s| s.to_string());
        let (disposition, notes) = self.wrap_up.map_or(("", ""), |wrap_up| {
            (wrap_up.disposition().as_str(), wrap_up.notes())
        });
        let cells = [
            self.job.as_str(),
            self.agent,
            self.agent_login.unwrap_or(""),
            self.conversation_id,
            self.queue,
        ]
        .into_iter()
        .chain(times.iter().map(String::as_str))
        .chain(spans.iter().map(String::as_str))
        .chain([outcome_name(self.outcome), disposition, notes]);
        push_line(out, cells);
    }
}

/// The outcome as JSON names it.
fn outcome_name(outcome: JobOutcome) -> &'static str {
    match outcome {
        JobOutcome::WrappedUp => "wrapped_up",
        JobOutcome::WrapUpLimit => "wrap_up_limit",
        JobOutcome::AgentLost => "agent_lost",
        JobOutcome::LoggedOut => "logged_out",
    }
}

/// JSON body of a page.
#[derive(Debug, Serialize)]
struct PageBody<'a> {
    jobs: Vec<JobRow<'a>>,
    next_cursor: Option<String>,
}

pub(super) async fn list_jobs(
    _admin: AdminAuth,
    State(state): State<AppState>,
    site: Result<Path<String>, PathRejection>,
    query: Result<Query<ListQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let site = known_site(&state, site)?;
    let Query(query) = query.map_err(|rejection| invalid_query(rejection.body_text()))?;
    let range = parse_range(query.from, query.to)?;
    let limit = parse_limit(given(query.limit))?;
    let before = given(query.cursor)
        .map(|cursor| decode_cursor(&site, &cursor))
        .transpose()?;
    let logins = logins(&state, &site).await?;
    let filter = parse_filter(query.agent, query.queue, &logins)?;

    let window = report::window(&state, &site, &range).await?;
    let page = report::page(&state, &site, window, &range, &filter, before, limit).await?;
    let next_cursor = page.next_before.map(|before| encode_cursor(&site, before));
    let rows: Vec<JobRow<'_>> = page
        .jobs
        .iter()
        .map(|listed| JobRow::new(&listed.job, &logins))
        .collect();

    let mut response = if wants_csv(&headers) {
        csv_response(&site, &rows, next_cursor.as_deref())
    } else {
        ApiJson(PageBody {
            jobs: rows,
            next_cursor,
        })
        .into_response()
    };
    no_store(&mut response);
    Ok(response)
}

fn csv_response(site: &str, rows: &[JobRow<'_>], next_cursor: Option<&str>) -> Response {
    let mut body = String::new();
    push_line(&mut body, CSV_HEADER);
    for row in rows {
        row.push_csv(&mut body);
    }
    let mut response = csv_attachment(body, &format!("jobs-{site}.csv"));
    // Cursors are base64url: the value is plain ASCII.
    if let Some(value) = next_cursor.and_then(|cursor| HeaderValue::from_str(cursor).ok()) {
        response.headers_mut().insert(NEXT_CURSOR, value);
    }
    response
}

/// A CSV `body` as an attachment named `filename` (plain ASCII: site ids are `[a-z0-9_-]`).
fn csv_attachment(body: String, filename: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let disposition = format!("attachment; filename=\"{filename}\"");
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

fn no_store(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// The site of the path, if the configuration has it: 404 `unknown_site` otherwise.
fn known_site(
    state: &AppState,
    site: Result<Path<String>, PathRejection>,
) -> Result<String, ApiError> {
    let unknown = |id: &str| ApiError::not_found("unknown_site", format!("No site `{id}`."));
    let Path(site) = site.map_err(|_| unknown("?"))?;
    if state.settings.site(&site).is_none() {
        return Err(unknown(&site));
    }
    Ok(site)
}

fn invalid_query(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_query", message)
}

/// `value` unless it is empty.
fn given(value: Option<String>) -> Option<String> {
    value.filter(|value| !value.is_empty())
}

/// `from` and `to` as a range: 400 `invalid_query` for a value that is not a time, 422
/// `invalid_range` when `from` is not before `to`.
fn parse_range(from: Option<String>, to: Option<String>) -> Result<FinishRange, ApiError> {
    let from_ms = given(from)
        .map(|from| parse_instant("from", &from))
        .transpose()?;
    let to_ms = given(to).map(|to| parse_instant("to", &to)).transpose()?;
    if let (Some(from), Some(to)) = (from_ms, to_ms)
        && from >= to
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_range",
            "`from` must be before `to` (`to` is exclusive).",
        ));
    }
    Ok(FinishRange { from_ms, to_ms })
}

/// An RFC 3339 instant, or a `YYYY-MM-DD` day (its start, UTC), in ms.
fn parse_instant(name: &str, value: &str) -> Result<i64, ApiError> {
    if let Ok(at) = value.parse::<jiff::Timestamp>() {
        return Ok(at.as_millisecond());
    }
    if value.len() == 10
        && let Ok(day) = value.parse::<jiff::civil::Date>()
        && let Ok(start) = day.to_zoned(jiff::tz::TimeZone::UTC)
    {
        return Ok(start.timestamp().as_millisecond());
    }
    Err(invalid_query(format!(
        "`{name}` is an RFC 3339 instant such as `2025-03-01T09:30:00Z` or a UTC day \
         `YYYY-MM-DD`."
    )))
}

fn parse_limit(limit: Option<String>) -> Result<usize, ApiError> {
    let Some(limit) = limit else {
        return Ok(DEFAULT_LIMIT);
    };
    limit
        .parse::<usize>()
        .ok()
        .filter(|limit| (1..=MAX_LIST).contains(limit))
        .ok_or_else(|| invalid_query(format!("`limit` is a whole number from 1 to {MAX_LIST}.")))
}

/// The `agent` and `queue` filters of a query: 400 `invalid_query` for a value that is not
/// a login, agent id or queue id. One that names nobody is valid and matches no job.
fn parse_filter(
    agent: Option<String>,
    queue: Option<String>,
    logins: &HashMap<String, String>,
) -> Result<JobFilter, ApiError> {
    let queue = given(queue)
        .map(|queue| {
            ResourceId::parse(&queue)
                .map(|queue| queue.as_str().to_owned())
                .map_err(|_| invalid_query("`queue` is a queue (resource) id."))
        })
        .transpose()?;
    let agents = given(agent)
        .map(|agent| agent_ids(&agent, logins))
        .transpose()?;
    Ok(JobFilter { agents, queue })
}

/// The agent ids an `agent` filter names: the value itself (an agent id) and, when it is the
/// login of an operator of the site, that operator's id.
fn agent_ids(agent: &str, logins: &HashMap<String, String>) -> Result<Vec<String>, ApiError> {
    let as_id = AgentId::parse(agent).ok();
    let as_login = Login::parse(agent).ok();
    if as_id.is_none() && as_login.is_none() {
        return Err(invalid_query("`agent` is an operator's login or agent id."));
    }
    let mut ids: Vec<String> = as_id.map(|id| id.as_str().to_owned()).into_iter().collect();
    if let Some(login) = as_login {
        ids.extend(
            logins
                .iter()
                .filter(|(_, known)| known.as_str() == login.as_str())
                .map(|(id, _)| id.clone()),
        );
    }
    Ok(ids)
}

/// The logins of the site's operators by agent id.
async fn logins(state: &AppState, site: &str) -> Result<HashMap<String, String>, ApiError> {
    let operators =
        operators::list(state.store.as_ref(), site)
            .await
            .map_err(|error| match error {
                OperatorStoreError::Store(error) => ApiError::from(error),
                other => ApiError::internal(&other),
            })?;
    Ok(operators
        .into_iter()
        .map(|operator| {
            (
                operator.id.as_str().to_owned(),
                operator.login.as_str().to_owned(),
            )
        })
        .collect())
}

/// Prefix of what a cursor encodes (with the site and the position).
const CURSOR_TAG: &str = "jobs1";

/// The cursor of the page that starts before position `before` of `site`'s log.
fn encode_cursor(site: &str, before: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_TAG}:{site}:{before}"))
}

/// The position a cursor of `site` names: 400 `invalid_cursor` for anything else.
fn decode_cursor(site: &str, cursor: &str) -> Result<u64, ApiError> {
    let invalid = || {
        ApiError::bad_request(
            "invalid_cursor",
            "`cursor` is not one a page of this site's report gave: start again without it.",
        )
    };
    let decoded = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(decoded).map_err(|_| invalid())?;
    let position = text
        .strip_prefix(CURSOR_TAG)
        .and_then(|rest| rest.strip_prefix(':'))
        .and_then(|rest| rest.strip_prefix(site))
        .and_then(|rest| rest.strip_prefix(':'))
        .ok_or_else(invalid)?;
    if position.starts_with(['+', '0']) {
        return Err(invalid());
    }
    position.parse::<u64>().map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_names_its_position_on_its_site_only() {
        let cursor = encode_cursor("demo", 42);
        assert_eq!(decode_cursor("demo", &cursor).unwrap(), 42);
        assert_eq!(
            decode_cursor("other", &cursor).unwrap_err().code(),
            "invalid_cursor"
        );
        for bad in [
            "",
            "!!",
            "42",
            &URL_SAFE_NO_PAD.encode("jobs1:demo:"),
            &URL_SAFE_NO_PAD.encode("jobs1:demo:0"),
            &URL_SAFE_NO_PAD.encode("jobs1:demo:+4"),
            &URL_SAFE_NO_PAD.encode("jobs1:demo:-4"),
            &URL_SAFE_NO_PAD.encode("jobs1:demox:4"),
        ] {
            assert!(decode_cursor("demo", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn instants_are_rfc_3339_or_utc_days() {
        let at = |value: &str| parse_instant("from", value).ok();
        assert_eq!(at("2025-03-01"), Some(1_740_787_200_000));
        assert_eq!(at("2025-03-01T00:00:00Z"), Some(1_740_787_200_000));
        assert_eq!(at("2025-03-01T01:00:00+01:00"), Some(1_740_787_200_000));
        assert_eq!(at("2025-03-01T00:00:00.250Z"), Some(1_740_787_200_250));
        for bad in [
            "2025-03",
            "2025-02-30",
            "yesterday",
            "1740787200",
            "2025-03-01T00:00:00",
        ] {
            assert_eq!(at(bad), None, "{bad}");
        }
    }

    #[test]
    fn limits_are_whole_numbers_up_to_a_thousand() {
        assert_eq!(parse_limit(None).unwrap(), DEFAULT_LIMIT);
        assert_eq!(parse_limit(Some("1".into())).unwrap(), 1);
        assert_eq!(parse_limit(Some("1000".into())).unwrap(), 1000);
        for bad in ["0", "1001", "-1", "ten", "1.5"] {
            assert!(parse_limit(Some(bad.into())).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_agent_filter_names_the_id_and_the_operator_with_that_login() {
        let logins = HashMap::from([("op-1".to_owned(), "ada".to_owned())]);
        let mut ids = agent_ids("ADA", &logins).unwrap();
        ids.sort();
        assert_eq!(ids, ["ADA", "op-1"]);
        assert_eq!(agent_ids("op-1", &logins).unwrap(), ["op-1"]);
        assert!(agent_ids("a b", &logins).is_err());
    }
}
