//! HTTP routes of the handoff: the visitor's (ask for a human, leave, presence, leave a
//! request; behind the origin guard) and the console's (websocket, transcript, offline
//! requests, queues; behind the agent's access token).
//!
//! - [`visitor_handoff`]: ask for a human, leave the handoff, presence of the site's agents.
//! - [`offline_requests`]: a visitor leaves a request; the console lists them.
//! - [`queues`]: the site's queues, waiting and live conversations, for supervisors and
//!   admins.
//! - [`transcript`]: a conversation's transcript and visitor details for the console, its
//!   lines made by [`transcript_line`].
//!
//! This file holds the two routers and the answers their routes share.

mod offline_requests;
mod queues;
mod transcript;
mod transcript_line;
mod visitor_handoff;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware;
use axum::routing::{get, post};
use staffetta_handoff::ResourceId;

use super::agent_ws;
use crate::app::AppState;
use crate::error::ApiError;
use crate::visitor::origin;

/// The visitor's handoff routes (origin-guarded like the other visitor routes).
pub fn visitor_router(state: AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/sites/{site}/sessions/{session}/handoff",
            post(visitor_handoff::request_handoff)
                .delete(visitor_handoff::leave_handoff)
                .options(preflight),
        )
        .route(
            "/api/v1/sites/{site}/presence",
            get(visitor_handoff::presence).options(preflight),
        )
        .route(
            "/api/v1/sites/{site}/offline-requests",
            post(offline_requests::leave_request).options(preflight),
        )
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024))
        .route_layer(middleware::from_fn_with_state(state, origin::guard))
}

/// The console's routes. Their answers carry visitors' messages and details: never stored
/// by a browser or proxy cache (`Cache-Control: no-store`).
pub fn agent_router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/agent/ws", get(agent_ws::upgrade))
        .route(
            "/api/v1/agent/conversations/{chat_id}",
            get(transcript::transcript),
        )
        .route(
            "/api/v1/agent/offline-requests",
            get(offline_requests::list_requests),
        )
        .route("/api/v1/agent/queues", get(queues::queues))
        .layer(middleware::map_response(no_store))
}

async fn no_store(mut response: axum::response::Response) -> axum::response::Response {
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

/// Preflight requests are answered by the origin guard; this only gives them a route.
async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// The resource (queue) a visitor named, if any; 422 `unknown_resource` for a malformed id.
fn parse_resource(resource: Option<&str>) -> Result<Option<ResourceId>, ApiError> {
    resource
        .map(ResourceId::parse)
        .transpose()
        .map_err(|_| unknown_resource())
}

/// 422 `unknown_resource`: the visitor named a resource the site does not have.
fn unknown_resource() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_resource",
        "No such resource on this site.",
    )
}

/// 403 `forbidden` for an operator whose role or jobs do not allow the console route.
fn forbidden() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "You may not see this conversation.",
    )
}
