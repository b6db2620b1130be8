//! The visitor's handoff routes: ask for a human (`POST .../handoff`), leave the handoff
//! (`DELETE .../handoff`) and whether a human could answer now (`GET .../presence`).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::parse_resource;
use crate::app::AppState;
use crate::desk::site_desk;
use crate::desk::visitor_side::{self, HandoffAnswer};
use crate::error::ApiError;
use crate::visitor::conversation;
use crate::visitor::session_token::VisitorSession;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HandoffBody {
    #[serde(default)]
    resource: Option<String>,
}

pub(super) async fn request_handoff(
    State(state): State<AppState>,
    session: Result<VisitorSession, ApiError>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<HandoffAnswer>, ApiError> {
    let body = body.map_err(|rejection| {
        ApiError::new(
            rejection.status(),
            "payload_too_large",
            "The body is too large; send at most {\"resource\": \"...\"}.",
        )
    })?;
    let session_id = session?.id;
    // The body is optional: no body asks for the default resource.
    let body: HandoffBody = if body.iter().all(u8::is_ascii_whitespace) {
        HandoffBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                format!("Expected {{\"resource\": \"...\"}}: {e}"),
            )
        })?
    };
    let resource = body.resource;
    visitor_side::request(&state, &session_id, resource, None)
        .await
        .map(Json)
}

pub(super) async fn leave_handoff(
    State(state): State<AppState>,
    session: VisitorSession,
) -> Result<StatusCode, ApiError> {
    visitor_side::leave(&state, &session.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub(super) struct PresenceQuery {
    #[serde(default)]
    resource: Option<String>,
}

/// Seed 003 "presence detection": whether a human could answer now.
pub(super) async fn presence(
    State(state): State<AppState>,
    Path(site): Path<String>,
    query: Result<Query<PresenceQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let resource = parse_resource(query.resource.as_deref())?;
    let desk = site_desk::read(&state, &site).await?;
    let now = conversation::now(&state);
    let presence = desk
        .presence(now, resource.as_ref())
        .map_err(|e| visitor_side::request_refusal(&e))?;
    Ok(Json(json!({
        "open": presence.open,
        "next_opening": presence.next_opening.map(jiff::Timestamp::as_millisecond),
        "someone_logged_in": presence.someone_logged_in,
        "agents_ready": presence.agents_ready,
    })))
}
