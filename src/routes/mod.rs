//! HTTP routes of the edge, one file per area.

pub mod admin;
pub mod health;
pub mod metrics;
pub mod openapi;
pub mod operators;
pub mod sessions;
pub mod visitor_ws;

use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{RawPathParams, Request};
use axum::http::{StatusCode, header};
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

/// Layer over the whole router: the framework's bare 405 (a known path, a method it does not
/// take: no body, no content type) becomes 405 `method_not_allowed` in the JSON error shape,
/// keeping its headers (`Allow` with the methods the path takes, CORS). A 405 a handler
/// built (already JSON) passes as it is.
pub async fn json_method_not_allowed(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let response = next.run(request).await;
    if response.status() != StatusCode::METHOD_NOT_ALLOWED
        || response.headers().contains_key(header::CONTENT_TYPE)
    {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let (json, body) = crate::error::method_not_allowed(&method)
        .into_response()
        .into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.extend(json.headers);
    Response::from_parts(parts, body)
}
