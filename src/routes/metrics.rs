//! `GET /metrics`: the node's metrics ([`crate::metrics`]) in the text format Prometheus
//! scrapes, for the bearer token `[metrics] token` only.
//!
//! The token is not the admin token: a scraper holds a credential that reads counters and
//! nothing else. Its check is the admin API's (`admin/auth.rs`): constant-time compare, a
//! wrong token counts against the client address like a failed login (429 `ip_blocked` while
//! blocked) and writes the audit line `metrics_token_refused`. Answers: 200 with the text,
//! 401 `unauthorized` (missing or wrong token), 403 `metrics_disabled` (no token set).

use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::AppState;
use crate::error::ApiError;
use crate::metrics::scrape;

/// The metrics route, to merge into the app router.
pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// Proof that the request carries the configured metrics token.
#[derive(Clone, Copy, Debug)]
pub struct MetricsAuth;

impl FromRequestParts<AppState> for MetricsAuth {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let configured = &state.settings.metrics.token;
        if configured.is_empty() {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "metrics_disabled",
                "The metrics endpoint is disabled: set `metrics.token` to enable it.",
            )
            .into_response());
        }
        super::admin::check_bearer(parts, state, configured, "metrics_token_refused").await?;
        Ok(MetricsAuth)
    }
}

async fn metrics(_auth: MetricsAuth, State(state): State<AppState>) -> Result<Response, ApiError> {
    let scraped = scrape::gather(&state).await;
    let text = scrape::encode(scraped)
        .map_err(|_| ApiError::internal(&"the metrics could not be encoded"))?;
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(scrape::CONTENT_TYPE),
    );
    Ok(response)
}
