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

use tokio::sync::Notify;

use crate::config::Settings;
use crate::limits::{RateLimiter, WsConnections};
use crate::routes;
use crate::shutdown::Lifecycle;
use crate::store::{Clock, Store};
use crate::visitor::bot::Bots;
use crate::visitor::bus::Bus;
use crate::visitor::identity::IdentityVerifier;
use crate::visitor::metadata::MetadataCollector;

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
    /// The node's clock (tests inject a manual one).
    pub clock: Clock,
    /// Dialogs, system texts and per-site bot settings.
    pub bots: Arc<Bots>,
    /// Conversation notifications on this node.
    pub bus: Bus,
    /// Wakes the idle timer when a new deadline is scheduled.
    pub timer: Arc<Notify>,
    /// Wakes the retention task and tells when it last looked (tests that move the clock).
    pub retention: Arc<crate::retention::timer::Ticker>,
    /// Identity token verification keys per site.
    pub identity: Arc<IdentityVerifier>,
    /// Fixed-window rate limits over the store.
    pub rate_limiter: RateLimiter,
    /// Open websockets per client IP.
    pub websockets: WsConnections,
    /// Visitor metadata for agents (client IP, device, country and city).
    pub metadata: Arc<MetadataCollector>,
    /// Browser pages refused for their origin or site id, logged once each.
    pub refused_pages: Arc<crate::visitor::refused_pages::RefusedPages>,
    /// Agent sessions and desks.
    pub agents: crate::agent::AgentHub,
    /// The node's counters for `GET /metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
}

/// The complete HTTP router.
pub fn app(state: AppState) -> Router {
    let metrics = Arc::clone(&state.metrics);
    Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .merge(routes::metrics::router())
        .merge(routes::admin::router())
        .merge(routes::openapi::router())
        .merge(routes::operators::router())
        .merge(crate::agent::session_routes::router())
        .merge(crate::agent::console_texts::router())
        .merge(routes::sessions::router(state.clone()))
        .merge(crate::desk::routes::visitor_router(state.clone()))
        .merge(crate::desk::routes::agent_router())
        .merge(crate::connector::router_checked(
            Arc::clone(&state.agents.connectors),
            Some(Arc::new(crate::desk::external_commands::DeskCheck::new(
                state.clone(),
            ))),
        ))
        .merge(staffetta_widget::assets::router())
        .route_layer(axum::middleware::from_fn(routes::path_guard))
        .fallback(crate::error::not_found)
        .with_state(state)
        // A layer, not a method-not-allowed fallback: a fallback would replace the one each
        // route's layers wrap (the visitor routes' origin guard answers their preflights).
        .layer(axum::middleware::from_fn(routes::json_method_not_allowed))
        .layer(CatchPanicLayer::new())
        // Like every layer here, applied to each route, so that it sees the route template
        // (`MatchedPath`); outside the panic catcher, so a panic counts as the 500 it became.
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            crate::metrics::http::count,
        ))
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
