//! "Leave a request" when no human can answer: the visitor's `POST .../offline-requests`
//! (rate-limited like new sessions, optionally tied to the visitor's conversation) and the
//! console's `GET /api/v1/agent/offline-requests`.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use staffetta_handoff::ConversationId;
use staffetta_handoff::offline_request::OfflineRequestForm;
use staffetta_handoff::operator::Action;

use super::{forbidden, parse_resource, unknown_resource};
use crate::agent::auth::AgentAuth;
use crate::app::AppState;
use crate::desk::offline;
use crate::error::{ApiError, ApiJson};
use crate::limits::ClientKey;
use crate::routes::sessions::session_of_site;
use crate::visitor::session_token;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LeaveRequestBody {
    name: String,
    email: String,
    text: String,
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    session_id: Option<String>,
}

pub(super) async fn leave_request(
    State(state): State<AppState>,
    Path(site): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LeaveRequestBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if state.settings.site(&site).is_none() {
        return Err(ApiError::not_found("unknown_site", "No such site."));
    }
    // Stored and pushed to every console: as many per client address and minute as new
    // sessions.
    let client = ClientKey::of(state.metadata.client_ip(&headers, peer));
    state
        .rate_limiter
        .check(
            state.store.as_ref(),
            &format!("offline:{client}"),
            state.settings.limits.new_sessions_per_minute,
            std::time::Duration::from_secs(60),
        )
        .await?;
    let mut resource = parse_resource(body.resource.as_deref())?;
    let mut conversation = None;
    if let Some(session_id) = &body.session_id {
        // Linking the request to a conversation shows that conversation with it: only the
        // session's own token may do that.
        let record = session_of_site(&state, &site, session_id).await?;
        session_token::check_record(&record, session_token::presented(&headers)?)?;
        conversation = ConversationId::parse(&record.conversation_id).ok();
        if resource.is_none() {
            resource = parse_resource(record.dispatch_to.as_deref())?;
        }
    }
    if let Some(id) = &resource {
        let known = state
            .agents
            .desks
            .get(&site)
            .is_some_and(|desk| desk.resources.iter().any(|r| &r.id == id));
        if !known {
            return Err(unknown_resource());
        }
    }
    let form = OfflineRequestForm {
        name: body.name,
        email: body.email,
        text: body.text,
    };
    let id = offline::store(&state, &site, &form, resource, conversation).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

#[derive(Debug, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    limit: Option<usize>,
}

pub(super) async fn list_requests(
    State(state): State<AppState>,
    auth: AgentAuth,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let operator = auth.operator;
    operator
        .permits(&operator.site, Action::ListOfflineRequests)
        .map_err(|_| forbidden())?;
    let requests = offline::list(&state, operator.site.as_str(), query.limit.unwrap_or(50)).await?;
    let requests: Vec<Value> = requests.iter().map(offline::view).collect();
    Ok(Json(json!({ "requests": requests })))
}
