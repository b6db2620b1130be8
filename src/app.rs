//! Application state and the router: `app(state) -> Router`, testable without a socket.

use std::sync::Arc;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::HeaderName;
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::TraceLayer;

use crate::config::Settings;
use crate::routes;
use crate::shutdown::Lifecycle;
use crate::store::Store;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Handles shared by every request. Cloning is cheap (a few `Arc`s).
#[derive(Clone, Debug)]
pub struct AppState {
    /// Validated settings.
    pub settings: Arc<Settings>,
    /// The store backend (sled or Redis).
    pub store: Arc<dyn Store>,
    /// Shutdown signal and task tracker for long-lived tasks.
    pub lifecycle: Lifecycle,
}

/// The complete HTTP router.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .merge(routes::admin::router())
        .fallback(crate::error::not_found)
        .with_state(state)
        .layer(CatchPanicLayer::new())
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("unmatched", MatchedPath::as_str);
                let request_id = request
                    .headers()
                    .get(&REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("http", method = %request.method(), route, request_id)
            }),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(SetSensitiveRequestHeadersLayer::new([
            axum::http::header::AUTHORIZATION,
            axum::http::header::COOKIE,
        ]))
}
