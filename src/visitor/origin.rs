//! Origin checks and CORS for the visitor API: a browser request (or websocket upgrade) whose
//! `Origin` is not one of the site's allowed origins gets 403 `origin_not_allowed`. Matching
//! is exact on scheme, host and port ([`crate::config::OriginPattern`]).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::config::SiteSettings;
use crate::error::ApiError;

/// Whether a request's `Origin` header (if any) is allowed for `site`. Requests without an
/// `Origin` (not from a browser page) are allowed: the check protects visitors' browsers
/// from other sites, not the API from non-browser clients.
pub fn origin_allowed(
    site: &SiteSettings,
    headers: &HeaderMap,
) -> Result<Option<HeaderValue>, ApiError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(None);
    };
    let allowed = origin
        .to_str()
        .is_ok_and(|value| site.allowed_origins.iter().any(|p| p.allows(value)));
    if allowed {
        Ok(Some(origin.clone()))
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "This page's origin is not allowed to use this site's chat.",
        ))
    }
}

/// Middleware for `/api/v1/sites/{site}/...`: a path that does not decode (percent-encoded
/// bytes that are not UTF-8) -> 400 `invalid_path`, unknown site -> 404, bad origin -> 403,
/// preflight answered here, CORS headers added to every allowed response.
pub async fn guard(
    State(state): State<AppState>,
    params: Result<Path<Vec<(String, String)>>, PathRejection>,
    request: Request,
    next: Next,
) -> Response {
    let Ok(Path(params)) = params else {
        return ApiError::bad_request(
            "invalid_path",
            "The URL path does not decode to UTF-8 text.",
        )
        .into_response();
    };
    let site_id = params
        .iter()
        .find(|(name, _)| name == "site")
        .map(|(_, value)| value.as_str())
        .unwrap_or_default();
    let Some(site) = state.settings.site(site_id) else {
        state.refused_pages.unknown_site(site_id, request.headers());
        return ApiError::not_found("unknown_site", "No such site.").into_response();
    };
    let origin = match origin_allowed(site, request.headers()) {
        Ok(origin) => origin,
        Err(err) => {
            state
                .refused_pages
                .origin_not_allowed(site_id, request.headers());
            return err.into_response();
        }
    };
    let mut response = if request.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    if let Some(origin) = origin {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type, accept-language, authorization"),
        );
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("retry-after, x-request-id"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}
