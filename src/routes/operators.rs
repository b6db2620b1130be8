//! `/api/v1/admin/sites/{site}/operators`: create, list and remove operators and reset
//! their passwords (guarded by [`AdminAuth`]). Password hashes never leave the server.
//!
//! Removing an operator or setting a new password ends their sessions: tokens are refused
//! and open console sockets close. A new password also lifts a failed-login lock on the
//! account.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, put};
use serde::Deserialize;
use staffetta_handoff::operator::Login;

use super::admin::AdminAuth;
use crate::agent::login_guard;
use crate::agent::operators::{self, OperatorStoreError};
use crate::agent::provision::{self, NewOperator, ProvisionError};
use crate::agent::session_routes::AgentView;
use crate::app::AppState;
use crate::error::{ApiError, ApiJson};

/// The operator admin routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/admin/sites/{site}/operators",
            get(list).post(create),
        )
        .route(
            "/api/v1/admin/sites/{site}/operators/{login}",
            delete(remove),
        )
        .route(
            "/api/v1/admin/sites/{site}/operators/{login}/password",
            put(set_password),
        )
}

fn known_site(state: &AppState, site: &str) -> Result<(), ApiError> {
    state
        .settings
        .site(site)
        .map(|_| ())
        .ok_or_else(|| ApiError::not_found("unknown_site", format!("No site `{site}`.")))
}

fn login_of(login: &str) -> Result<Login, ApiError> {
    Login::parse(login).map_err(|e| ApiError::bad_request("invalid_login", e.to_string()))
}

fn store_error(error: OperatorStoreError) -> ApiError {
    match error {
        OperatorStoreError::Exists => ApiError::new(
            StatusCode::CONFLICT,
            "operator_exists",
            "An operator with this login exists.",
        ),
        OperatorStoreError::NotFound => {
            ApiError::not_found("unknown_operator", "No operator with this login.")
        }
        OperatorStoreError::Password(e) => ApiError::bad_request("invalid_password", e.to_string()),
        other => ApiError::internal(&other),
    }
}

async fn create(
    _admin: AdminAuth,
    State(state): State<AppState>,
    Path(site): Path<String>,
    ApiJson(body): ApiJson<NewOperator>,
) -> Result<Response, ApiError> {
    known_site(&state, &site)?;
    let policy = state.settings.agent.password_hashing.policy();
    let operator = provision::create_operator(state.store.as_ref(), policy, &site, body)
        .await
        .map_err(|e| match e {
            ProvisionError::Invalid(m) => ApiError::bad_request("invalid_operator", m),
            ProvisionError::Store(e) => store_error(e),
        })?;
    Ok((StatusCode::CREATED, axum::Json(AgentView::from(&operator))).into_response())
}

async fn list(
    _admin: AdminAuth,
    State(state): State<AppState>,
    Path(site): Path<String>,
) -> Result<Response, ApiError> {
    known_site(&state, &site)?;
    let all = operators::list(state.store.as_ref(), &site)
        .await
        .map_err(store_error)?;
    let views: Vec<AgentView> = all.iter().map(AgentView::from).collect();
    Ok(axum::Json(serde_json::json!({ "operators": views })).into_response())
}

async fn remove(
    _admin: AdminAuth,
    State(state): State<AppState>,
    Path((site, login)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    known_site(&state, &site)?;
    let login = login_of(&login)?;
    let existing = operators::get(state.store.as_ref(), &site, &login)
        .await
        .map_err(store_error)?;
    operators::remove(state.store.as_ref(), &site, &login)
        .await
        .map_err(store_error)?;
    // Their tokens are refused from now on; open consoles close (and their conversations
    // go back to the queue after the disconnect grace period).
    if let Some((operator, _)) = existing {
        crate::desk::agent_ws::recheck_sessions(&state, &site, operator.id.as_str());
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    password: String,
}

async fn set_password(
    _admin: AdminAuth,
    State(state): State<AppState>,
    Path((site, login)): Path<(String, String)>,
    ApiJson(body): ApiJson<PasswordBody>,
) -> Result<StatusCode, ApiError> {
    known_site(&state, &site)?;
    let login = login_of(&login)?;
    let policy = state.settings.agent.password_hashing.policy();
    policy
        .check(&body.password)
        .map_err(|e| ApiError::bad_request("invalid_password", e.to_string()))?;
    let hash = operators::hash_password(policy, body.password)
        .await
        .map_err(store_error)?;
    operators::set_password(state.store.as_ref(), &site, &login, hash)
        .await
        .map_err(store_error)?;
    // A new password ends every session of the old one (tokens carry the password's
    // version) and lifts a lock that failed guesses put on the account (and its growth).
    login_guard::lift_account_lock(state.store.as_ref(), &site, login.as_str()).await?;
    if let Some((operator, _)) = operators::get(state.store.as_ref(), &site, &login)
        .await
        .map_err(store_error)?
    {
        crate::desk::agent_ws::recheck_sessions(&state, &site, operator.id.as_str());
    }
    Ok(StatusCode::NO_CONTENT)
}
