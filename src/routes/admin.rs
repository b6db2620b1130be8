//! `/api/v1/admin`: the administration API, guarded by [`AdminAuth`] (a bearer token from
//! `[admin] token` until operators exist; refused tokens are counted per client address,
//! `admin/auth.rs`).
//!
//! - `GET /api/v1/admin/sites/{site}/mau?month=YYYY-MM`: the exact number of unique visitors
//!   of a site in a UTC calendar month (default: the current one), as JSON
//!   `{"site", "month", "unique_users"}` or, with `Accept: text/csv`, as CSV
//!   `site,month,unique_users`.
//! - `DELETE /api/v1/admin/sites/{site}/users/{user_key}`: erases a visitor (their
//!   conversations with everything that belongs to them, their index of conversations,
//!   their key in the MAU sets; docs/retention.md) and answers what was deleted.
//! - `GET /api/v1/admin/sites/{site}/jobs` and `.../jobs/summary`: the report of finished
//!   jobs, what agents did with their wrap-ups ([`jobs`]).
//! - `GET /api/v1/admin/sites/{site}/conversations/{conversation}/visitor`: the visitor key
//!   of a conversation, for the erasure route ([`visitor_lookup`]).

use axum::Router;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::error::{ApiError, ApiJson};
use crate::retention::erase::{self, Erased};
use crate::visitor::mau;

mod auth;
mod csv;
mod jobs;
mod visitor_lookup;

pub use auth::AdminAuth;
pub(crate) use auth::check_bearer;

/// The admin routes, to merge into the app router.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/sites/{site}/mau", get(site_mau))
        .route("/api/v1/admin/sites/{site}/jobs", get(jobs::list_jobs))
        .route(
            "/api/v1/admin/sites/{site}/jobs/summary",
            get(jobs::jobs_summary),
        )
        .route(
            "/api/v1/admin/sites/{site}/users/{user_key}",
            delete(erase_user),
        )
        .route(
            "/api/v1/admin/sites/{site}/conversations/{conversation}/visitor",
            get(visitor_lookup::visitor_of_conversation),
        )
}

/// Query of the MAU report.
#[derive(Debug, Deserialize)]
struct MauQuery {
    /// `YYYY-MM`; the current UTC month when absent.
    month: Option<String>,
}

/// JSON body of the MAU report.
#[derive(Debug, Serialize)]
struct MauBody {
    site: String,
    month: String,
    unique_users: u64,
}

async fn site_mau(
    _admin: AdminAuth,
    State(state): State<AppState>,
    site: Result<Path<String>, PathRejection>,
    query: Result<Query<MauQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let unknown = |id: &str| ApiError::not_found("unknown_site", format!("No site `{id}`."));
    let Path(site) = site.map_err(|_| unknown("?"))?;
    if state.settings.site(&site).is_none() {
        return Err(unknown(&site));
    }
    let Query(query) =
        query.map_err(|rejection| ApiError::bad_request("invalid_month", rejection.body_text()))?;
    let month = query
        .month
        .unwrap_or_else(|| mau::month_of(crate::visitor::conversation::now(&state)));
    let report = mau::report(state.store.as_ref(), &site, &month).await?;

    if wants_csv(&headers) {
        let body = format!(
            "site,month,unique_users\n{},{},{}\n",
            report.site, report.month, report.count
        );
        let disposition = format!(
            "attachment; filename=\"mau-{}-{}.csv\"",
            report.site, report.month
        );
        let mut response = body.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        // Site ids are [a-z0-9_-] and months are validated: the value is plain ASCII.
        if let Ok(value) = HeaderValue::from_str(&disposition) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        return Ok(response);
    }
    Ok(ApiJson(MauBody {
        site: report.site,
        month: report.month,
        unique_users: report.count,
    })
    .into_response())
}

/// JSON body of an erasure: the visitor and how much of each kind was deleted.
#[derive(Debug, Serialize)]
struct ErasedBody {
    site: String,
    user_key: String,
    #[serde(flatten)]
    erased: Erased,
}

async fn erase_user(
    _admin: AdminAuth,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path((site, user_key)) =
        path.map_err(|rejection| ApiError::bad_request("invalid_user_key", rejection.body_text()))?;
    if state.settings.site(&site).is_none() {
        return Err(ApiError::not_found(
            "unknown_site",
            format!("No site `{site}`."),
        ));
    }
    if !erase::is_valid_visitor_key(&user_key) {
        return Err(ApiError::bad_request(
            "invalid_user_key",
            "A user key is `u:<user_id>`, `s:<sub>` or `a:<anonymous_id>`, URL-encoded.",
        ));
    }
    let erased = erase::erase_visitor(&state, &site, &user_key).await?;
    Ok(ApiJson(ErasedBody {
        site,
        user_key,
        erased,
    })
    .into_response())
}

/// Whether the client prefers `text/csv` over `application/json` (JSON when equal or absent).
fn wants_csv(headers: &HeaderMap) -> bool {
    let accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let csv = preference(&accept, "text", "csv");
    let json = preference(&accept, "application", "json");
    csv > json
}

/// The quality (0-1000) `accept` gives `kind/subtype`, from its most specific matching range,
/// with an exact match ranking one above a wildcard of equal quality.
fn preference(accept: &str, kind: &str, subtype: &str) -> u32 {
    let mut best: Option<(u8, u32)> = None;
    for range in accept.split(',') {
        let mut params = range.split(';');
        let media = params.next().unwrap_or("").trim();
        let Some((range_kind, range_subtype)) = media.split_once('/') else {
            continue;
        };
        let specificity = match (range_kind, range_subtype) {
            (k, s) if k.eq_ignore_ascii_case(kind) && s.eq_ignore_ascii_case(subtype) => 2,
            (k, "*") if k.eq_ignore_ascii_case(kind) => 1,
            ("*", "*") => 0,
            _ => continue,
        };
        let quality = params
            .filter_map(|param| param.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .map_or(1000, |(_, value)| parse_quality(value.trim()));
        if best.is_none_or(|(seen, _)| specificity > seen) {
            best = Some((specificity, quality));
        }
    }
    // Scale so that an exact match beats a wildcard with the same quality.
    best.map_or(0, |(specificity, quality)| {
        if quality == 0 {
            0
        } else {
            quality * 4 + u32::from(specificity)
        }
    })
}

/// An HTTP quality value (`0`, `0.5`, `1.000`) in thousandths; malformed means 0.
fn parse_quality(value: &str) -> u32 {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    let thousandths: u32 = format!("{fraction:0<3}").parse().unwrap_or(0);
    match whole {
        "0" => thousandths,
        "1" if thousandths == 0 => 1000,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn csv_is_chosen_only_when_preferred_over_json() {
        assert!(wants_csv(&accept("text/csv")));
        assert!(wants_csv(&accept("text/csv, application/json;q=0.5")));
        assert!(wants_csv(&accept("text/*")));
        assert!(wants_csv(&accept("TEXT/CSV; charset=utf-8")));
        assert!(wants_csv(&accept("text/csv, */*;q=0.1")));
        assert!(!wants_csv(&HeaderMap::new()));
        assert!(!wants_csv(&accept("*/*")));
        assert!(!wants_csv(&accept("application/json")));
        assert!(!wants_csv(&accept("application/json, text/csv")));
        assert!(!wants_csv(&accept("text/csv;q=0, */*")));
        assert!(!wants_csv(&accept(
            "text/csv;q=0.4, application/json;q=0.5"
        )));
    }

    #[test]
    fn quality_values_parse_as_thousandths() {
        assert_eq!(parse_quality("1"), 1000);
        assert_eq!(parse_quality("1.000"), 1000);
        assert_eq!(parse_quality("0.5"), 500);
        assert_eq!(parse_quality("0.125"), 125);
        assert_eq!(parse_quality("0"), 0);
        assert_eq!(parse_quality("1.5"), 0);
        assert_eq!(parse_quality("0.1234"), 0);
        assert_eq!(parse_quality("abc"), 0);
    }
}
