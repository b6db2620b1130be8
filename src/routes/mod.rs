//! HTTP routes of the edge, one file per area.

pub mod admin;
pub mod health;
pub mod openapi;
pub mod operators;
pub mod sessions;
pub mod visitor_ws;

use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{RawPathParams, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Middleware for every route: a path parameter whose percent-encoded bytes are not UTF-8 is
/// 400 `invalid_path` in the JSON error shape (axum's own rejection is plain text). The
/// visitor routes' origin guard answers the same before its own checks.
pub async fn path_guard(
    params: Result<RawPathParams, RawPathParamsRejection>,
    request: Request,
    next: Next,
) -> Response {
    if let Err(RawPathParamsRejection::InvalidUtf8InPathParam(_)) = params {
        return ApiError::bad_request(
            "invalid_path",
            "The URL path does not decode to UTF-8 text.",
        )
        .into_response();
    }
    next.run(request).await
}
